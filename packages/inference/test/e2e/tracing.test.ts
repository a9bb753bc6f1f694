// OpenTelemetry end to end (issue 14): an SDK call → the reference server →
// real Triton (over gRPC and over HTTP) is one trace, received by an
// OTLP/HTTP JSON receiver of the test's own; and the W3C trace context
// reaches Triton — a recording proxy in front of each Triton port sees the
// `traceparent` gRPC metadata / HTTP header, whose parent is the server's
// Triton client span.
import { randomBytes } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Sovren } from "@sovren/sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startOtlpReceiver, spanTree, type OtlpReceiver } from "./otlp-receiver.js";
import { coreEnv, startCoreServer, type CoreServer } from "./helpers.js";

const core = inject("core");

interface Proxy {
  url: string;
  traceparents: string[];
  close(): Promise<void>;
}

/** HTTP/1.1 proxy to Triton's HTTP port that records each request's traceparent. */
async function httpProxy(target: string): Promise<Proxy> {
  const traceparents: string[] = [];
  const server = http.createServer((req, res) => {
    if (typeof req.headers.traceparent === "string") traceparents.push(req.headers.traceparent);
    const up = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    traceparents,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections(); // keep-alive sockets of the server's Triton client
      }),
  };
}

/** HTTP/2 (h2c) proxy to Triton's gRPC port that records each call's traceparent metadata. */
async function grpcProxy(target: string): Promise<Proxy> {
  const traceparents: string[] = [];
  const upstream = http2.connect(target);
  upstream.on("error", () => {});
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    if (typeof headers.traceparent === "string") traceparents.push(headers.traceparent);
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (k !== ":scheme" && k !== ":authority" && k !== "http2-settings") forwarded[k] = v;
    const up = upstream.request(forwarded);
    let trailers: http2.IncomingHttpHeaders = {};
    up.on("response", (h) => {
      const out = { ...h };
      delete out[":status"];
      stream.respond({ ":status": h[":status"] ?? 200, ...out }, { waitForTrailers: true });
    });
    up.on("trailers", (t) => (trailers = t));
    stream.on("wantTrailers", () => stream.sendTrailers(trailers as http2.OutgoingHttpHeaders));
    up.on("error", () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.pipe(up);
    up.pipe(stream);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    traceparents,
    close: async () => {
      upstream.destroy();
      // The server's gRPC transport keeps its session open: end it, or close() waits for it.
      for (const session of sessions) session.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(!core.enabled)("traces from the SDK through the server to Triton", () => {
  let receiver: OtlpReceiver;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    closers.push(() => receiver.close());
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  for (const protocol of ["grpc", "http"] as const) {
    it(`one trace: SDK span → server request → database → Triton over ${protocol}, and Triton receives the client span's context`, async () => {
      const proxy = protocol === "grpc" ? await grpcProxy(core.tritonGrpc) : await httpProxy(core.tritonHttp);
      closers.push(proxy.close);
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100", OTEL_SERVICE_NAME: `sovren-triton-${protocol}` };
      const urls = { ...core, tritonGrpc: proxy.url, tritonHttp: proxy.url };
      const server: CoreServer = await startCoreServer(coreEnv(urls, { triton: protocol }, otel));
      closers.push(() => server.close());
      const client = new Sovren({ baseUrl: server.server.url, token: server.token, maxRetries: 0, logLevel: "off" });
      const traceId = randomBytes(16).toString("hex");
      const callerSpan = randomBytes(8).toString("hex");
      const op = await client.simulations.run(
        { userId: "u1", scenario: "Enter APAC in Q3", seed: 3, trials: 5000, mode: "SIMULATION_MODE_QUICK" },
        { headers: { traceparent: `00-${traceId}-${callerSpan}-01` } },
      );
      expect(op.backend).toBe(`triton-${protocol}`);
      const done = await client.operations.wait(op.operationId, { pollInterval: 50 });
      expect(done.state, JSON.stringify(done.error)).toBe("OPERATION_STATE_SUCCEEDED");

      const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.name === `triton-${protocol} simulate`));
      const trace = spans.filter((s) => s.traceId === traceId);
      console.log(`[otel] Triton over ${protocol}, trace ${traceId}:\n${spanTree(spans, traceId).join("\n")}`);
      const request = trace.find((s) => s.kind === 2 && s.parentSpanId === callerSpan)!;
      expect(request, "the server span continues the SDK caller's span").toBeDefined();
      const triton = trace.find((s) => s.name === `triton-${protocol} simulate`)!;
      expect(triton.kind).toBe(3); // CLIENT
      expect(triton.attributes["sovren.operation_id"]).toBe(op.operationId);
      expect(triton.attributes["server.port"]).toBe(Number(new URL(proxy.url).port));
      if (protocol === "grpc") expect(triton.attributes["rpc.system"]).toBe("grpc");
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      let p = triton.parentSpanId;
      const chain: string[] = [];
      while (byId.has(p)) {
        chain.push(p);
        p = byId.get(p)!.parentSpanId;
      }
      expect(chain).toContain(request.spanId);
      expect(trace.some((s) => s.attributes["db.system.name"] === "postgresql")).toBe(true);
      // What reached Triton: the same trace, parented on the server's Triton client span.
      const sent = proxy.traceparents.find((t) => t.split("-")[1] === traceId);
      expect(sent, `traceparents seen by the proxy: ${proxy.traceparents.join(", ")}`).toBe(`00-${traceId}-${triton.spanId}-01`);
    });
  }
});
