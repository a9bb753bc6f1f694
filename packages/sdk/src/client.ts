import type { Client, Interceptor, Transport } from "@connectrpc/connect";
import { BaseClient } from "./client-base.js";
import type { ClientOptions } from "./client-options.js";
import { fillMissing, lacksCredentials } from "./internal/auth.js";
import type { services } from "./internal/rpc.js";
import { restWire } from "./transports/rest.js";
import { lazyClients, lazyWire, once } from "./transports/lazy.js";
import type { ConnectTransportFactory } from "./transports/web.js";

export { DEFAULT_BASE_URL, DEFAULT_LOG_LEVEL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "./client-base.js";

/** The generated Connect clients, one per service. */
export type ConnectClients = { [K in keyof typeof services]: Client<(typeof services)[K]> };

/** Imports the entry's Connect transport factory; called on the first Connect call only. */
export type ConnectTransportLoader = () => Promise<ConnectTransportFactory>;

/** The Sovren client, whichever wire carries the calls: REST, or Connect's transports. */
export class SovrenClient extends BaseClient {
  readonly #transport: () => Transport | Promise<Transport>;
  #connect: ConnectClients | undefined;

  protected constructor(options: ClientOptions, loadFactory: ConnectTransportLoader) {
    let lazyTransport: (() => Transport | Promise<Transport>) | undefined;
    super(options, (transport = "rest", { baseUrl, fetch, rest, baseHeaders }) => {
      const fillCredentials: Interceptor = (next) => async (req) => {
        if (lacksCredentials(req.header)) fillMissing(req.header, await baseHeaders(false));
        return next(req);
      };
      // connect-es, protobuf-es and the descriptors load here, on the first Connect call.
      lazyTransport = once(async () =>
        typeof transport === "object"
          ? transport
          : (await loadFactory())(transport === "rest" ? "connect" : transport, { baseUrl, fetch, interceptors: [fillCredentials] }),
      );
      if (transport === "rest") return restWire(rest, baseUrl);
      const name = typeof transport === "string" ? transport : "connect";
      const transportOf = lazyTransport;
      return lazyWire(
        name,
        baseUrl,
        once(async () => (await import("./transports/connect-kit.js")).connectWire(await transportOf(), baseUrl, name)),
      );
    });
    this.#transport = lazyTransport!;
  }

  /**
   * The generated Connect clients over this client's Connect transport (over
   * Connect-Web when the client itself speaks REST). No retries or
   * validation: the raw RPCs. connect-es loads on the first call.
   */
  get connect(): ConnectClients {
    return (this.#connect ??= lazyClients<ConnectClients>(
      once(async () => (await import("./transports/connect-kit.js")).connectClients(await this.#transport()) as never),
    ));
  }
}
