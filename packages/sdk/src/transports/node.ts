import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { ConnectTransportFactory } from "./web.js";

/**
 * Node's http/http2 transports: "grpc" over HTTP/2 (h2c for http: URLs),
 * "connect" and "grpc-web" over HTTP/1.1.
 */
export const nodeTransportFactory: ConnectTransportFactory = (name, { baseUrl, interceptors }) => {
  if (name === "grpc") return createGrpcTransport({ baseUrl, interceptors });
  if (name === "grpc-web") return createGrpcWebTransport({ baseUrl, interceptors, httpVersion: "1.1" });
  return createConnectTransport({ baseUrl, interceptors, httpVersion: "1.1" });
};
