// What REDIS_URL and OTLP tracing cost per request (issue 14), measured, not
// asserted: the built server on PGlite three ways — default, REDIS_URL (every
// request runs the shared token bucket's Lua script on Redis), and an OTLP
// endpoint (a local sink that accepts and drops the spans) — each under the
// same autocannon load (GET one executive, REST), in interleaved rounds.
// Usage: pnpm build && node bench/scale.mjs [--smoke]   (needs Redis at REDIS_URL or 127.0.0.1:6379)
import http from "node:http";
import path from "node:path";
import { BENCH_DIR, devToken, spawnNode, startServer, summary } from "./lib.mjs";

const smoke = process.argv.includes("--smoke");
const cfg = smoke ? { duration: 1, warmup: 1, rounds: 1, connections: 8 } : { duration: 5, warmup: 2, rounds: 3, connections: 16 };
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const sink = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
});
await new Promise((r) => sink.listen(0, "127.0.0.1", r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

const VARIANTS = [
  ["default (in-process limiter, no tracing)", {}],
  ["REDIS_URL (shared limiter + pub/sub)", { REDIS_URL: redisUrl, SOVREN_REDIS_PREFIX: `bench-${process.pid}:` }],
  ["OTLP tracing (http/protobuf to a local sink)", { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl }],
];

const token = await devToken();
const servers = [];
for (const [, env] of VARIANTS) {
  const s = await startServer({ env });
  const r = await fetch(`${s.url}/v1/executives`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ role: "Chief Strategy Officer", name: "Bench Seed" }),
  });
  const { executiveId } = await r.json();
  servers.push({ s, id: executiveId });
}

const rounds = VARIANTS.map(() => []);
try {
  for (let round = 0; round < cfg.rounds; round++) {
    for (const [i] of VARIANTS.entries()) {
      const { s, id } = servers[i];
      const spec = { url: s.url, token, connections: cfg.connections, scenario: "fixed", method: "GET", path: `/v1/executives/${id}`, duration: cfg.duration, warmup: round === 0 ? cfg.warmup : 0, rounds: 1 };
      const p = spawnNode(path.join(BENCH_DIR, "load-worker.mjs"), [JSON.stringify(spec)]);
      if ((await p.done) !== 0) throw new Error(p.stderr);
      rounds[i].push(JSON.parse(p.stdout.trim().split("\n").at(-1))[0]);
    }
  }
} finally {
  for (const { s } of servers) await s.stop();
  sink.close();
}

const base = rounds[0];
console.log(`GET /v1/executives/{id}, PGlite, c=${cfg.connections}, ${cfg.rounds} × ${cfg.duration} s, interleaved\n`);
console.log("| variant | req/s (median) | p50 ms | p99 ms | req/s vs default |");
console.log("|---|---:|---:|---:|---:|");
for (const [i, [name]] of VARIANTS.entries()) {
  const r = rounds[i];
  const ratio = summary(r.map((x, k) => x.rps / base[k].rps));
  const non2xx = r.reduce((a, x) => a + x.non2xx, 0);
  console.log(`| ${name} | ${summary(r.map((x) => x.rps)).median.toFixed(0)} | ${summary(r.map((x) => x.p50)).median.toFixed(1)} | ${summary(r.map((x) => x.p99)).median.toFixed(1)} | ${ratio.median.toFixed(2)}${non2xx ? ` (non-2xx ${non2xx})` : ""} |`);
}
