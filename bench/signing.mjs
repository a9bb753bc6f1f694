#!/usr/bin/env node
// The cost of signing responses (issue 13): the built server on PGlite, once
// with SOVREN_SIGN_RESPONSES=true and once =false, alternated for ROUNDS
// rounds; autocannon GETs one executive (signed with its executive's key) and
// lists executives (signed with the server's key). Prints req/s and p50 per
// mode (the median of the rounds), and the cost of one Ed25519 signature.
//   pnpm build && node bench/signing.mjs        (env: DURATION=5 CONNECTIONS=16 ROUNDS=3)
import { generateKeyPairSync, sign } from "node:crypto";
import autocannon from "autocannon";
import { DEV_JWT_SECRET, mintToken, startServer } from "../packages/server/dist/index.js";

const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 16);
const rounds = Number(process.env.ROUNDS ?? 3);
const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };

async function measure(signing) {
  const server = await startServer({ env: { SOVREN_SIGN_RESPONSES: String(signing) }, port: 0, host: "127.0.0.1", logger: silent, rateLimitRps: 1e9, rateLimitBurst: 1e9 });
  try {
    const token = await mintToken({ secret: DEV_JWT_SECRET, audience: "sovren", tenantId: "bench", roles: ["admin"], ttlSeconds: 3600 });
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const exec = await (await fetch(`${server.url}/v1/executives`, { method: "POST", headers, body: JSON.stringify({ role: "CSO", name: "Bench" }) })).json();
    const out = {};
    for (const [name, path] of [["get", `/v1/executives/${exec.executiveId}`], ["list", "/v1/executives?pageSize=10"]]) {
      const r = await autocannon({ url: `${server.url}${path}`, connections, duration, headers });
      out[name] = { rps: r.requests.average, p50: r.latency.p50, non2xx: r.non2xx };
    }
    return out;
  } finally {
    await server.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { true: [], false: [] };
for (let i = 0; i < rounds; i++) for (const mode of [true, false]) results[mode].push(await measure(mode));
console.log(`signing cost, PGlite, ${connections} connections, ${duration} s × ${rounds} rounds (median)`);
for (const name of ["get", "list"]) {
  for (const mode of [true, false]) {
    const rs = results[mode].map((r) => r[name]);
    console.log(`  ${name === "get" ? "GET /v1/executives/{id} (executive key)" : "GET /v1/executives     (server key)   "} signing ${mode ? "on " : "off"}: ${median(rs.map((r) => r.rps)).toFixed(0)} req/s, p50 ${median(rs.map((r) => r.p50))} ms, non-2xx ${rs.reduce((a, r) => a + r.non2xx, 0)}`);
  }
}
const { privateKey } = generateKeyPairSync("ed25519");
const n = 20_000;
const base = Buffer.alloc(400, 97);
const t = performance.now();
for (let i = 0; i < n; i++) sign(null, base, privateKey);
console.log(`  one Ed25519 signature of a 400-byte base: ${(((performance.now() - t) / n) * 1000).toFixed(1)} µs`);
