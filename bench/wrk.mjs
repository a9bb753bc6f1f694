// wrk (C, one thread, epoll) as the native load generator beside autocannon:
// it leaves the second core to the server and PostgreSQL. A Lua script sets
// the request and prints one JSON line with the percentiles at the end.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR, ROOT } from "./lib.mjs";

/** The wrk binary, installed by bench/install-wrk.sh (Debian's package) when missing; undefined if that fails. */
export function ensureWrk() {
  const find = () => {
    try {
      return execFileSync("sh", ["-c", "command -v wrk"], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim() || undefined;
    } catch {
      return undefined;
    }
  };
  let bin = process.env.BENCH_WRK ?? find();
  if (!bin) {
    try {
      execFileSync("bash", [path.join(BENCH_DIR, "install-wrk.sh")], { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] });
    } catch {}
    bin = find();
  }
  return bin;
}

const lua = (spec) => `
wrk.method = ${JSON.stringify(spec.method ?? "GET")}
${spec.body ? `wrk.body = ${JSON.stringify(JSON.stringify(spec.body))}` : ""}
${spec.token ? `wrk.headers["Authorization"] = "Bearer ${spec.token}"` : ""}
${spec.body || spec.commission ? `wrk.headers["Content-Type"] = "application/json"` : ""}
${spec.commission ? `
local n = 0
local run = ${JSON.stringify(`${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`)}
request = function()
  n = n + 1
  wrk.headers["Idempotency-Key"] = "wrk-" .. run .. "-" .. n
  return wrk.format("POST", ${JSON.stringify(spec.path)}, nil, '{"role":"Chief Strategy Officer","name":"Wrk ' .. run .. ' ' .. n .. '","skills":["forecasting"]}')
end` : ""}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nWRKJSON {"requests":%d,"us":%d,"non2xx":%d,"errors":%d,"p50":%f,"p95":%f,"p99":%f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
`;

/** One wrk run: { rps (2xx only), p50, p95, p99 (ms), ok, non2xx, errors }. */
export async function wrkOnce(bin, url, spec, seconds) {
  const dir = path.join(BENCH_DIR, ".cache/wrk");
  mkdirSync(dir, { recursive: true });
  const script = path.join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(script, lua(spec));
  const args = ["-t1", `-c${spec.connections}`, `-d${Math.max(1, Math.round(seconds))}s`, "--timeout", "30s", "-s", script, url + (spec.commission ? "/v1/executives" : spec.path)];
  const out = await new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let s = "";
    p.stdout.on("data", (d) => (s += d));
    p.stderr.on("data", (d) => (s += d));
    p.once("exit", (code) => (code === 0 ? resolve(s) : reject(new Error(`wrk exited ${code}: ${s}`))));
  });
  const line = out.split("\n").find((l) => l.startsWith("WRKJSON "));
  if (!line) throw new Error(`wrk printed no summary: ${out}`);
  const r = JSON.parse(line.slice(8));
  const ok = r.requests - r.non2xx;
  return { rps: ok / (r.us / 1e6), p50: r.p50, p95: r.p95, p99: r.p99, ok, non2xx: r.non2xx, errors: r.errors };
}
