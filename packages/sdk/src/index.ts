// @sovren/sdk: the client (REST and Connect-Web), errors and helper types.
// Re-exports by name only; Node-only transports live in @sovren/sdk/node.
import type { ClientOptions } from "./client-options.js";
import { SovrenClient } from "./client.js";
import { SovrenError } from "./core/errors.js";
import { GRPC_NEEDS_NODE } from "./transports/lazy.js";

/** The Sovren API client. In Node, `@sovren/sdk/node` adds the `"grpc"` (HTTP/2) transport. */
export class Sovren extends SovrenClient {
  constructor(options: ClientOptions = {}) {
    if (options.transport === "grpc") throw new SovrenError(GRPC_NEEDS_NODE);
    // connect-web loads on the first Connect call, not with the SDK.
    super(options, async () => (await import("./transports/web.js")).webTransportFactory);
  }
}

export * from "./exports.js";
export { SovrenClient, type ConnectClients } from "./client.js";
