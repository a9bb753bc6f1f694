import { createServer, type Server } from "node:http";
import { createServer as createH2Server, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { setupServer } from "msw/node";
import { Sovren, type ClientOptions } from "../../src/index.js";
import { Sovren as NodeSovren } from "../../src/node.js";
import { Sovren as RestSovren } from "../../src/rest.js";
import { MockSovrenBackend, createSovrenHandlers, createSovrenRouterTransport, sovrenRoutes } from "../../src/testing.js";

/** One backend, served over every transport the suite covers. */
export interface Harness {
  backend: MockSovrenBackend;
  transports: string[];
  client(transport: string, options?: ClientOptions): Sovren | RestSovren;
  close(): Promise<void>;
}

export const REST_BASE = "http://sovren.test";
export const TRANSPORTS = ["rest", "rest (@sovren/sdk/rest)", "connect (router)", "connect (web)", "grpc-web (web)", "connect (node)", "grpc (node, http2)"] as const;

export async function startHarness(): Promise<Harness> {
  const backend = new MockSovrenBackend();
  const msw = setupServer(...createSovrenHandlers({ backend, baseUrl: REST_BASE }));
  msw.listen({ onUnhandledRequest: "bypass" });
  const routes = sovrenRoutes(backend);
  const h1: Server = createServer(connectNodeAdapter({ routes }));
  const h2: Http2Server = createH2Server(connectNodeAdapter({ routes }));
  await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
  const h1Url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`;
  const h2Url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  const router = createSovrenRouterTransport(backend);
  const make: Record<string, (o: ClientOptions) => Sovren | RestSovren> = {
    rest: (o) => new Sovren({ baseUrl: REST_BASE, transport: "rest", ...o }),
    "rest (@sovren/sdk/rest)": ({ transport: _, ...o }) => new RestSovren({ baseUrl: REST_BASE, ...o }),
    "connect (router)": (o) => new Sovren({ transport: router, ...o }),
    "connect (web)": (o) => new Sovren({ baseUrl: h1Url, transport: "connect", ...o }),
    "grpc-web (web)": (o) => new Sovren({ baseUrl: h1Url, transport: "grpc-web", ...o }),
    "connect (node)": (o) => new NodeSovren({ baseUrl: h1Url, transport: "connect", ...o }),
    "grpc (node, http2)": (o) => new NodeSovren({ baseUrl: h2Url, transport: "grpc", ...o }),
  };
  return {
    backend,
    transports: Object.keys(make),
    client: (name, options = {}) => make[name]!({ logLevel: "off", ...options }),
    async close() {
      msw.close();
      h1.closeAllConnections();
      const closed = (s: { close(cb: () => void): unknown }) =>
        Promise.race([new Promise<void>((r) => s.close(() => r())), new Promise<void>((r) => setTimeout(r, 500))]);
      await closed(h1);
      await closed(h2);
    },
  };
}
