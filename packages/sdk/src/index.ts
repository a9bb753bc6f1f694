// @sovren/sdk: the client (REST and Connect-Web), errors and helper types.
// Re-exports by name only; Node-only transports live in @sovren/sdk/node.
import type { ClientOptions } from "./client-options.js";
import { SovrenClient } from "./client.js";
import { webTransportFactory } from "./transports/web.js";

/** The Sovren API client. In Node, `@sovren/sdk/node` adds the `"grpc"` (HTTP/2) transport. */
export class Sovren extends SovrenClient {
  constructor(options: ClientOptions = {}) {
    super(options, webTransportFactory);
  }
}

export * from "./exports.js";
export { SovrenClient, type ConnectClients } from "./client.js";
