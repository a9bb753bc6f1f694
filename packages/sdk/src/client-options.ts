import type { Transport } from "@connectrpc/connect";
import type { LogLevel, Logger } from "./core/logger.js";
import type { TokenProvider } from "./internal/auth.js";
import type { TransportName } from "./transports/web.js";

export interface ClientOptions {
  /** The server's URL (default: `SOVREN_BASE_URL`, else `http://localhost:8080`). */
  baseUrl?: string;
  /**
   * A machine API key, sent as `X-API-Key`. Default, when the options give no
   * `apiKey`, `token` or `getToken`: `SOVREN_API_KEY`, unless `SOVREN_TOKEN` is set.
   */
  apiKey?: string;
  /**
   * A bearer token (JWT), sent as `Authorization: Bearer …`. Default, when
   * the options give no `apiKey`, `token` or `getToken`: `SOVREN_TOKEN`
   * (which wins over `SOVREN_API_KEY`).
   */
  token?: string;
  /** Supplies the bearer token per request; asked again with `forceRefresh: true` once after a 401. */
  getToken?: TokenProvider;
  /** Sent as `X-Tenant-ID`, for credentials that may act for more than one tenant. */
  tenantId?: string;
  /**
   * The wire (default `"rest"`): `"rest"` (JSON over fetch), `"connect"`,
   * `"grpc-web"`, `"grpc"` (HTTP/2; from `@sovren/sdk/node` only), or any
   * Connect `Transport` you built yourself.
   */
  transport?: TransportName | Transport;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Milliseconds per attempt (default 60 000). */
  timeout?: number;
  /**
   * The fetch to use (default: `globalThis.fetch`, looked up at call time).
   * Called as `fetch(url: string, init)`, once per attempt, with a fresh
   * `init` each time (REST: `init.body` is a JSON string), so a wrapper may
   * build `new Request(url, init)` or read the body. The call rejects as soon
   * as `init.signal` aborts, even if this fetch ignores it.
   */
  fetch?: typeof globalThis.fetch;
  /** Where logs go (default: `console`). Credentials are always redacted. */
  logger?: Logger;
  /** Default: `SOVREN_LOG`, else `"info"` (each retry is logged; nothing else below `warn`). */
  logLevel?: LogLevel;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
  /** Check inputs and responses with the contract's zod validators (default: both `true`). */
  validate?: boolean | { request?: boolean; response?: boolean };
}
