// Profiles the server under GET executive load: starts it with --cpu-prof,
// drives autocannon from another process, stops it (the profile is written
// on exit) and prints the top self-time frames.
// Usage: node bench/profile.mjs [pglite|postgres] [connections] [seconds] [REST|Connect]
import { readdirSync, readFileSync } from "node:fs";

/** utime+stime of a process in µs (Linux /proc; clock ticks are 100 Hz). */
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10_000;
};
import path from "node:path";
import { BENCH_DIR, devToken, freshDatabase, runNodeJson, startServer } from "./lib.mjs";

const [kind = "postgres", c = "32", secs = "8", transport = "REST"] = process.argv.slice(2);
const dir = path.join(BENCH_DIR, ".cache/prof", `${kind}-${Date.now()}`);
const db = kind === "postgres" ? await freshDatabase() : undefined;
const server = await startServer({ databaseUrl: db?.url, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] });
const token = await devToken();
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const { executiveId: id } = await (await fetch(`${server.url}/v1/executives`, { method: "POST", headers, body: JSON.stringify({ role: "CSO", name: "Profiled" }) })).json();
const spec = transport === "REST"
  ? { scenario: "fixed", method: "GET", path: `/v1/executives/${id}` }
  : { scenario: "fixed", method: "POST", path: "/sovren.v1.ExecutiveService/GetExecutive", body: { id } };
const cpu0 = cpuOf(server.pid);
const r = await runNodeJson(path.join(BENCH_DIR, "load-worker.mjs"), [JSON.stringify({ url: server.url, token, connections: Number(c), duration: Number(secs), warmup: 0, rounds: 1, ...spec })]);
const cpuPerReq = (cpuOf(server.pid) - cpu0) / (r[0].ok + Number(r.warmupOk ?? 0));
console.log(`${kind} ${transport} c=${c}: ${r[0].rps.toFixed(0)} req/s, p50 ${r[0].p50.toFixed(2)} ms, p95 ${r[0].p95.toFixed(2)} ms, server CPU ~${cpuPerReq.toFixed(0)} µs/request`);
await server.stop();
await db?.drop();

const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const prof = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
const self = new Map();
const dt = new Map();
prof.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
let total = 0;
for (const n of prof.nodes) {
  const t = dt.get(n.id) ?? 0;
  total += t;
  const f = n.callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\/\.pnpm\/([^/]+)\/.*\//, "$1/").replace(/^file:\/\/.*\/packages\//, "")}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25));
for (const [k, t] of top) console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
console.log(`profile: ${path.join(dir, file)}`);
