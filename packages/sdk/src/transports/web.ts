import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { SovrenError } from "../core/errors.js";
import { GRPC_NEEDS_NODE } from "./lazy.js";

export type TransportName = "rest" | "connect" | "grpc" | "grpc-web";

export interface ConnectTransportSettings {
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  interceptors: Interceptor[];
}

/** Builds the Connect transport a name selects; each entry point brings its own. */
export type ConnectTransportFactory = (name: Exclude<TransportName, "rest">, settings: ConnectTransportSettings) => Transport;

/** Fetch-based transports: browsers, edge runtimes, Deno, Bun and Node alike. */
export const webTransportFactory: ConnectTransportFactory = (name, { baseUrl, fetch, interceptors }) => {
  if (name === "connect") return createConnectTransport({ baseUrl, fetch, interceptors, useBinaryFormat: true });
  if (name === "grpc-web") return createGrpcWebTransport({ baseUrl, fetch, interceptors, useBinaryFormat: true });
  throw new SovrenError(GRPC_NEEDS_NODE);
};
