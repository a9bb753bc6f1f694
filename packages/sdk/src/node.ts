// @sovren/sdk/node: the same client with Node's HTTP/1.1 and HTTP/2 Connect
// transports, so "grpc" works. Everything else is re-exported from the main entry.
import type { ClientOptions } from "./client-options.js";
import { SovrenClient } from "./client.js";

/** The Sovren API client with Node transports: "grpc" over HTTP/2, "connect" and "grpc-web" over node:http. */
export class Sovren extends SovrenClient {
  constructor(options: ClientOptions = {}) {
    // connect-node loads on the first Connect call, not with the SDK.
    super(options, async () => (await import("./transports/node.js")).nodeTransportFactory);
  }
}

export * from "./exports.js";
export { SovrenClient, type ConnectClients } from "./client.js";
