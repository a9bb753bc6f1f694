import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { BaseClient } from "./client-base.js";
import type { ClientOptions } from "./client-options.js";
import { fillMissing, lacksCredentials } from "./internal/auth.js";
import { services } from "./internal/rpc.js";
import { connectWire } from "./transports/connect.js";
import { restWire } from "./transports/rest.js";
import type { ConnectTransportFactory } from "./transports/web.js";

export { DEFAULT_BASE_URL, DEFAULT_LOG_LEVEL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "./client-base.js";

/** The generated Connect clients, one per service. */
export type ConnectClients = { [K in keyof typeof services]: Client<(typeof services)[K]> };

/** The Sovren client, whichever wire carries the calls: REST, or Connect's transports. */
export class SovrenClient extends BaseClient {
  readonly #transport: () => Transport;
  #connect: ConnectClients | undefined;

  protected constructor(options: ClientOptions, factory: ConnectTransportFactory) {
    let lazyTransport: (() => Transport) | undefined;
    super(options, (transport = "rest", { baseUrl, fetch, rest, baseHeaders }) => {
      const fillCredentials: Interceptor = (next) => async (req) => {
        if (lacksCredentials(req.header)) fillMissing(req.header, await baseHeaders(false));
        return next(req);
      };
      let built: Transport | undefined = typeof transport === "object" ? transport : undefined;
      lazyTransport = () =>
        (built ??= factory(transport === "rest" || typeof transport === "object" ? "connect" : transport, {
          baseUrl,
          fetch,
          interceptors: [fillCredentials],
        }));
      return transport === "rest"
        ? restWire(rest, baseUrl)
        : connectWire(lazyTransport(), baseUrl, typeof transport === "string" ? transport : "connect");
    });
    this.#transport = lazyTransport!;
  }

  /**
   * The generated Connect clients over this client's Connect transport (over
   * Connect-Web when the client itself speaks REST). No retries or
   * validation: the raw RPCs.
   */
  get connect(): ConnectClients {
    if (!this.#connect) {
      const transport = this.#transport();
      const clients: Record<string, unknown> = {};
      for (const [name, service] of Object.entries(services)) clients[name] = createClient(service, transport);
      this.#connect = clients as ConnectClients;
    }
    return this.#connect;
  }
}
