// The load generator, always in its own process: autocannon against one
// scenario, a warm-up, then `rounds` measured runs. p95 comes from every
// response's latency (autocannon itself reports p50/p90/p97.5/p99 only).
// Usage: node bench/load-worker.mjs '<json spec>'  → one JSON line on stdout.
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

// The argument is one spec or an array of specs (cells), run one after another.
const input = JSON.parse(process.argv[2]);
const specs = Array.isArray(input) ? input : [input];
let spec;
let auth;
const run = Date.now().toString(36);
let n = 0;

// Unique names (executive names are unique per tenant) and a fresh
// Idempotency-Key per request, as the SDK sends on every POST.
const unique = (body) => (req) => ({
  ...req,
  headers: { ...req.headers, "idempotency-key": `bench-${randomUUID()}` },
  body: JSON.stringify(body(`${run}-${process.pid}-${n++}`)),
});
const commission = (i) => ({ role: "Chief Strategy Officer", name: `Bench ${i}`, skills: ["forecasting"] });
const simulate = (i) => ({ userId: `u-${i}`, scenario: "Enter APAC in Q3", trials: 1000, seed: 7, mode: "SIMULATION_MODE_QUICK" });
const json = { "content-type": "application/json" };
const rpc = (m) => `/sovren.v1.${m}`;

const SCENARIOS = {
  fixed: () => ({ method: spec.method ?? "GET", path: spec.path, headers: { ...auth, ...(spec.body ? json : {}) }, ...(spec.body ? { body: JSON.stringify(spec.body) } : {}) }),
  "commission-rest": () => ({ method: "POST", path: "/v1/executives", headers: { ...auth, ...json }, setupRequest: unique(commission) }),
  "commission-connect": () => ({ method: "POST", path: rpc("ExecutiveService/CommissionExecutive"), headers: { ...auth, ...json }, setupRequest: unique(commission) }),
  "simulate-rest": () => ({ method: "POST", path: "/v1/simulations:run", headers: { ...auth, ...json }, setupRequest: unique(simulate) }),
  "simulate-connect": () => ({ method: "POST", path: rpc("SimulationService/RunSimulation"), headers: { ...auth, ...json }, setupRequest: unique(simulate) }),
};

function once({ url, connections, scenario }, seconds, record) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    let ok = 0;
    let non2xx = 0;
    const started = performance.now();
    const inst = autocannon(
      { url, connections, duration: seconds, requests: [SCENARIOS[scenario]()], timeout: 30 },
      (err, r) => {
        if (err) return reject(err);
        const elapsed = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] : NaN);
        resolve({ rps: ok / elapsed, p50: q(0.5), p95: q(0.95), p99: q(0.99), ok, non2xx, errors: r.errors + r.timeouts, elapsed });
      },
    );
    inst.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) ok++;
      else {
        non2xx++;
        if (non2xx === 1 && process.env.BENCH_DEBUG) console.error(`non-2xx ${status}`);
      }
      if (record) latencies.push(ms);
    });
  });
}

const all = [];
for (spec of specs) {
  auth = spec.token ? { authorization: `Bearer ${spec.token}` } : {};
  if (spec.warmup > 0) await once(spec, spec.warmup, false);
  const results = [];
  for (let i = 0; i < spec.rounds; i++) results.push(await once(spec, spec.duration, true));
  all.push(results);
  if (spec.pauseMs) await new Promise((r) => setTimeout(r, spec.pauseMs));
  if (spec.label) console.error(`${spec.label}: ${results.map((r) => `${r.rps.toFixed(0)} req/s p95 ${r.p95.toFixed(1)} ms${r.non2xx ? ` non-2xx ${r.non2xx}` : ""}`).join(", ")}`);
}
console.log(JSON.stringify(Array.isArray(input) ? all : all[0]));
