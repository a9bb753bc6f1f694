import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import type { ClientOptions } from "./client-options.js";
import { SovrenError } from "./core/errors.js";
import { isLogLevel, levelLogger, type Logger } from "./core/logger.js";
import { fillMissing, headerBuilder, lacksCredentials } from "./internal/auth.js";
import { Engine } from "./internal/engine.js";
import { readEnv } from "./internal/env.js";
import { services } from "./internal/operations.js";
import { Communications } from "./resources/communications.js";
import { Executives } from "./resources/executives.js";
import { Health } from "./resources/health.js";
import { Operations } from "./resources/operations.js";
import { Simulations } from "./resources/simulations.js";
import { connectWire } from "./transports/connect.js";
import { createRestClient, restWire, type RestClient } from "./transports/rest.js";
import type { ConnectTransportFactory } from "./transports/web.js";

/** The generated Connect clients, one per service. */
export type ConnectClients = { [K in keyof typeof services]: Client<(typeof services)[K]> };

export const DEFAULT_BASE_URL = "http://localhost:8080";
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_TIMEOUT_MS = 60_000;

/** The Sovren client, whichever wire carries the calls. */
export class SovrenClient {
  readonly executives: Executives;
  readonly simulations: Simulations;
  readonly operations: Operations;
  readonly communications: Communications;
  readonly health: Health;
  /** The typed openapi-fetch client (credentials added to requests that lack them). */
  readonly rest: RestClient;
  readonly baseUrl: string;
  readonly maxRetries: number;
  readonly timeout: number;
  readonly #transport: () => Transport;
  #connect: ConnectClients | undefined;

  protected constructor(options: ClientOptions, factory: ConnectTransportFactory) {
    const baseUrl = (options.baseUrl ?? readEnv("SOVREN_BASE_URL") ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new SovrenError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
    if (!(timeout > 0)) throw new SovrenError(`timeout must be a positive number of milliseconds, got ${timeout}`);
    const fetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    const envLevel = readEnv("SOVREN_LOG");
    const level = options.logLevel ?? (isLogLevel(envLevel) ? envLevel : "warn");
    const logger = levelLogger(options.logger ?? (console as Logger), level);
    const apiKey = options.apiKey ?? (options.token || options.getToken ? undefined : readEnv("SOVREN_API_KEY"));
    const baseHeaders = headerBuilder({ ...options, apiKey });
    const validate = options.validate ?? true;

    this.baseUrl = baseUrl;
    this.maxRetries = maxRetries;
    this.timeout = timeout;
    this.rest = createRestClient(baseUrl, (request) => fetch(request));
    this.rest.use({
      async onRequest({ request }) {
        if (lacksCredentials(request.headers)) fillMissing(request.headers, await baseHeaders(false));
      },
    });
    const fillCredentials: Interceptor = (next) => async (req) => {
      if (lacksCredentials(req.header)) fillMissing(req.header, await baseHeaders(false));
      return next(req);
    };
    const { transport = "rest" } = options;
    let built: Transport | undefined = typeof transport === "object" ? transport : undefined;
    this.#transport = () =>
      (built ??= factory(transport === "rest" || typeof transport === "object" ? "connect" : transport, {
        baseUrl,
        fetch,
        interceptors: [fillCredentials],
      }));
    const wire =
      transport === "rest"
        ? restWire(this.rest, baseUrl)
        : connectWire(this.#transport(), baseUrl, typeof transport === "string" ? transport : "connect");
    const engine = new Engine({
      wire,
      maxRetries,
      timeout,
      logger,
      validateRequests: typeof validate === "boolean" ? validate : (validate.request ?? true),
      validateResponses: typeof validate === "boolean" ? validate : (validate.response ?? true),
      baseHeaders,
      canRefreshToken: options.getToken !== undefined,
      random: () => Math.random(),
    });
    this.executives = new Executives(engine);
    this.simulations = new Simulations(engine);
    this.operations = new Operations(engine);
    this.communications = new Communications(engine);
    this.health = new Health(engine);
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
