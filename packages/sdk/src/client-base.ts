import type { ClientOptions } from "./client-options.js";
import { SovrenError } from "./core/errors.js";
import { isLogLevel, levelLogger, type Logger } from "./core/logger.js";
import { fillMissing, headerBuilder, lacksCredentials } from "./internal/auth.js";
import { originOf } from "./internal/attempt.js";
import { Engine } from "./internal/engine.js";
import { readEnv } from "./internal/env.js";
import { Communications } from "./resources/communications.js";
import { Executives } from "./resources/executives.js";
import { Health } from "./resources/health.js";
import { Operations } from "./resources/operations.js";
import { Simulations } from "./resources/simulations.js";
import { createRestClient, type RestClient } from "./transports/rest.js";
import type { Wire } from "./transports/types.js";

export const DEFAULT_BASE_URL = "http://localhost:8080";
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_TIMEOUT_MS = 60_000;
/** `info`: retries are logged (one line each); a call that succeeds at once logs nothing. */
export const DEFAULT_LOG_LEVEL = "info";

/**
 * The credential when the options name none: a credential in the options
 * (`apiKey`, `token` or `getToken`) always wins and the environment is not
 * read; otherwise `SOVREN_TOKEN` (a bearer token), else `SOVREN_API_KEY`.
 */
function credentialsFromEnv(options: ClientOptions): { apiKey?: string | undefined; token?: string | undefined } {
  if (options.apiKey || options.token || options.getToken) return {};
  const token = readEnv("SOVREN_TOKEN");
  return token ? { token } : { apiKey: readEnv("SOVREN_API_KEY") };
}

/** What a wire is built from: the resolved settings every transport shares. */
export interface WireContext {
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  rest: RestClient;
  /** Default, auth and tenant headers; `refresh` asks the token provider for a new token. */
  baseHeaders(refresh: boolean): Promise<Headers>;
}

/** Picks the wire for `options.transport`; each entry point brings the wires it can carry. */
export type WireFactory = (transport: ClientOptions["transport"], context: WireContext) => Wire;

/**
 * The client without any particular wire: options, credentials, the engine
 * and the resources. `@sovren/sdk/rest` builds it with REST only;
 * `SovrenClient` (`@sovren/sdk`, `@sovren/sdk/node`) adds Connect.
 */
export class BaseClient {
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

  protected constructor(options: ClientOptions, wireFor: WireFactory) {
    const baseUrl = (options.baseUrl ?? readEnv("SOVREN_BASE_URL") ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new SovrenError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
    if (!(timeout > 0)) throw new SovrenError(`timeout must be a positive number of milliseconds, got ${timeout}`);
    const fetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    const envLevel = readEnv("SOVREN_LOG");
    const level = options.logLevel ?? (isLogLevel(envLevel) ? envLevel : DEFAULT_LOG_LEVEL);
    const logger = levelLogger(options.logger ?? (console as Logger), level);
    const baseHeaders = headerBuilder({ ...options, ...credentialsFromEnv(options) });
    const validate = options.validate ?? true;

    this.baseUrl = baseUrl;
    this.maxRetries = maxRetries;
    this.timeout = timeout;
    this.rest = createRestClient(baseUrl, options.fetch);
    this.rest.use({
      async onRequest({ request }) {
        if (lacksCredentials(request.headers)) fillMissing(request.headers, await baseHeaders(false));
      },
    });
    const engine = new Engine({
      wire: wireFor(options.transport, { baseUrl, fetch, rest: this.rest, baseHeaders }),
      maxRetries,
      timeout,
      logger,
      debug: level === "debug",
      origin: originOf(baseUrl),
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
}
