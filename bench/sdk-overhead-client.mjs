// SDK overhead, client side (the endpoint runs in another process): the same
// GetExecutive call through raw fetch, the bare openapi-fetch client and the
// SDK's REST transport; and through bare Connect clients against the SDK's
// Connect and gRPC transports. Sequential calls (one in flight), so latency
// is the client's round trip; CPU time per call is this process's
// user+system time over a batch divided by the calls.
// Usage: node bench/sdk-overhead-client.mjs '{"http1":port,"h2c":port,"calls":2000,"warmup":500,"rounds":3}'
import { createClient } from "@connectrpc/connect";
import { createConnectTransport as nodeConnect, createGrpcTransport } from "@connectrpc/connect-node";
import { createConnectTransport as webConnect } from "@connectrpc/connect-web";
import { ExecutiveService } from "@sovren/contracts/proto";
import { Sovren } from "@sovren/sdk";
import { Sovren as NodeSovren } from "@sovren/sdk/node";
import createFetchClient from "openapi-fetch";

const { http1, h2c, calls, warmup, rounds } = JSON.parse(process.argv[2]);
const base = `http://127.0.0.1:${http1}`;
const h2Base = `http://127.0.0.1:${h2c}`;
const token = "bench-token";
const id = "5f0c6f7e-8a89-4c43-9b7a-0c6b2f4d1e21";
const headers = { authorization: `Bearer ${token}` };
const check = (name) => {
  if (name !== "Aurora") throw new Error(`unexpected response: ${name}`);
};

const openapi = createFetchClient({ baseUrl: base });
const sdkRest = new Sovren({ baseUrl: base, token, transport: "rest", maxRetries: 0 });
const sdkRestNoValidate = new Sovren({ baseUrl: base, token, transport: "rest", maxRetries: 0, validate: false });
const bareWeb = createClient(ExecutiveService, webConnect({ baseUrl: base, useBinaryFormat: true }));
const sdkWeb = new Sovren({ baseUrl: base, token, transport: "connect", maxRetries: 0 });
const bareNode = createClient(ExecutiveService, nodeConnect({ baseUrl: base, httpVersion: "1.1" }));
const sdkNode = new NodeSovren({ baseUrl: base, token, transport: "connect", maxRetries: 0 });
const bareGrpc = createClient(ExecutiveService, createGrpcTransport({ baseUrl: h2Base }));
const sdkGrpc = new NodeSovren({ baseUrl: h2Base, token, transport: "grpc", maxRetries: 0 });

// [key, group, baseline key, label, call]
export const VARIANTS = [
  ["rest-fetch", "rest", null, "(a) raw fetch", async () => check((await (await fetch(`${base}/v1/executives/${id}`, { headers })).json()).name)],
  ["rest-openapi-fetch", "rest", "rest-fetch", "(b) bare openapi-fetch", async () => check((await openapi.GET("/v1/executives/{id}", { params: { path: { id } }, headers })).data.name)],
  ["rest-sdk", "rest", "rest-openapi-fetch", "(c) SDK REST (validate: true, the default)", async () => check((await sdkRest.executives.get(id)).name)],
  ["rest-sdk-novalidate", "rest", "rest-openapi-fetch", "(c') SDK REST, validate: false", async () => check((await sdkRestNoValidate.executives.get(id)).name)],
  ["connect-web-bare", "connect", null, "(d) bare Connect (connect-web, fetch, binary)", async () => check((await bareWeb.getExecutive({ id }, { headers })).executive.name)],
  ["connect-web-sdk", "connect", "connect-web-bare", "(e) SDK Connect (@sovren/sdk)", async () => check((await sdkWeb.executives.get(id)).name)],
  ["connect-node-bare", "connect", null, "(d) bare Connect (connect-node, HTTP/1.1)", async () => check((await bareNode.getExecutive({ id }, { headers })).executive.name)],
  ["connect-node-sdk", "connect", "connect-node-bare", "(e) SDK Connect (@sovren/sdk/node)", async () => check((await sdkNode.executives.get(id)).name)],
  ["grpc-bare", "grpc", null, "(d) bare gRPC (connect-node, h2c)", async () => check((await bareGrpc.getExecutive({ id }, { headers })).executive.name)],
  ["grpc-sdk", "grpc", "grpc-bare", "(e) SDK gRPC (@sovren/sdk/node)", async () => check((await sdkGrpc.executives.get(id)).name)],
];

async function batch(fn, n, record) {
  const lat = record ? new Float64Array(n) : undefined;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    if (lat) lat[i] = performance.now() - t;
  }
  const cpu = process.cpuUsage(cpu0);
  if (!lat) return undefined;
  lat.sort();
  const q = (p) => lat[Math.min(n - 1, Math.ceil(p * n) - 1)];
  return { p50: q(0.5), p99: q(0.99), cpuUs: (cpu.user + cpu.system) / n };
}

for (const [, , , , fn] of VARIANTS) await batch(fn, warmup, false);
const out = Object.fromEntries(VARIANTS.map(([key]) => [key, []]));
for (let r = 0; r < rounds; r++) {
  // Rotate the order each round so no variant always runs first.
  const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
  for (const [key, , , , fn] of order) {
    globalThis.gc?.();
    out[key].push(await batch(fn, calls, true));
  }
}
console.log(JSON.stringify({ variants: VARIANTS.map(([key, group, baseline, label]) => ({ key, group, baseline, label })), rounds: out }));
