#!/usr/bin/env node
// Pass-through cost of the reference server in front of the inference core:
// the latency of one simulation through the server (POST /v1/simulations:run,
// then POST /v1/operations/{id}:wait until done) against calling the backend
// directly with this package's adapters (Triton gRPC, Triton HTTP binary,
// Ray Serve). Starts nothing: give it running servers.
//
//   SOVREN_TOKEN=$(node packages/server/dist/cli.js token --tenant bench) \
//   node packages/inference/bench/passthrough.mjs \
//     --triton-grpc http://127.0.0.1:8101 --server-triton-grpc http://127.0.0.1:9101 \
//     --triton-http http://127.0.0.1:8100 --server-triton-http http://127.0.0.1:9100 \
//     --ray-serve  http://127.0.0.1:8200 --server-ray-serve  http://127.0.0.1:9200 \
//     [--n 200] [--warmup 20] [--trials 10000]
//
// Each --server-* is a reference server whose quick backend is that backend
// (SOVREN_TRITON_GRPC_URL, SOVREN_TRITON_URL + SOVREN_TRITON_PROTOCOL=http,
// SOVREN_RAY_SERVE_URL only). Pairs left out are skipped. Calls are
// sequential (latency, not throughput); the two sides alternate per call so
// drift on the machine hits both alike. Needs `pnpm build` (reads ../dist).
import { parseArgs } from "node:util";
import { RayServeBackend, TritonBackend, TritonGrpcClient, TritonHttpClient } from "../dist/index.js";

const { values: o } = parseArgs({
  options: {
    "triton-grpc": { type: "string" },
    "server-triton-grpc": { type: "string" },
    "triton-http": { type: "string" },
    "server-triton-http": { type: "string" },
    "ray-serve": { type: "string" },
    "server-ray-serve": { type: "string" },
    n: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    trials: { type: "string", default: "10000" },
  },
});
const token = process.env.SOVREN_TOKEN;
if (!token) throw new Error("set SOVREN_TOKEN (node packages/server/dist/cli.js token --tenant bench)");
const N = Number(o.n);
const WARMUP = Number(o.warmup);
const request = { userId: "bench", scenario: "Pass-through benchmark", seed: 42, trials: Number(o.trials), mode: "SIMULATION_MODE_QUICK" };

async function viaServer(base) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const res = await fetch(`${base}/v1/simulations:run`, { method: "POST", headers, body: JSON.stringify(request) });
  if (res.status !== 202) throw new Error(`run: ${res.status} ${await res.text()}`);
  let op = await res.json();
  while (!op.done) {
    const w = await fetch(`${base}/v1/operations/${op.operationId}:wait`, { method: "POST", headers, body: JSON.stringify({ timeout: "10s" }) });
    op = await w.json();
  }
  if (op.state !== "OPERATION_STATE_SUCCEEDED") throw new Error(`operation ${op.state}: ${JSON.stringify(op.error)}`);
  return op.result;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p99: quantile(s, 0.99) };
};

async function pair(label, direct, server) {
  for (let i = 0; i < WARMUP; i++) {
    await direct();
    await server();
  }
  const d = [];
  const v = [];
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    await direct();
    d.push(performance.now() - t);
    t = performance.now();
    await server();
    v.push(performance.now() - t);
  }
  const a = stats(d);
  const b = stats(v);
  const f = (x) => x.toFixed(2).padStart(7);
  console.log(`${label.padEnd(12)} direct median ${f(a.median)} ms p99 ${f(a.p99)} ms | via server median ${f(b.median)} ms p99 ${f(b.p99)} ms | ratio median ${(b.median / a.median).toFixed(2)}x p99 ${(b.p99 / a.p99).toFixed(2)}x`);
}

console.log(`N=${N} sequential calls each way after ${WARMUP} warm-up pairs; ${request.trials} trials, 1 factor`);
const opts = { operationId: "bench" };
if (o["triton-grpc"] && o["server-triton-grpc"]) {
  const b = new TritonBackend({ client: new TritonGrpcClient({ baseUrl: o["triton-grpc"] }) });
  await pair("triton-grpc", () => b.run(request, opts), () => viaServer(o["server-triton-grpc"]));
}
if (o["triton-http"] && o["server-triton-http"]) {
  const b = new TritonBackend({ client: new TritonHttpClient({ baseUrl: o["triton-http"] }) });
  await pair("triton-http", () => b.run(request, opts), () => viaServer(o["server-triton-http"]));
}
if (o["ray-serve"] && o["server-ray-serve"]) {
  const b = new RayServeBackend({ baseUrl: o["ray-serve"] });
  await pair("ray-serve", () => b.run(request, opts), () => viaServer(o["server-ray-serve"]));
}
