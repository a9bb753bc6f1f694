// Shared helpers for the benchmarks: child processes, ports, databases, statistics.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, "..");
export const SERVER_CLI = process.env.BENCH_SERVER_CLI ?? path.join(ROOT, "packages/server/dist/cli.js");
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const JWT_SECRET = "sovren-benchmark-secret-0123456789abcdef";
export const TENANT = "bench";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `node <script> ...args`; collects stdout/stderr; `done` resolves with the exit code. */
export function spawnNode(script, args = [], { env = {}, nodeArgs = [], cwd = ROOT } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { child, done, get stdout() { return stdout; }, get stderr() { return stderr; } };
}

/** Runs a node script to completion and parses the last stdout line as JSON. */
export async function runNodeJson(script, args = [], opts = {}) {
  const p = spawnNode(script, args, opts);
  const code = await p.done;
  if (code !== 0) throw new Error(`${path.basename(script)} exited ${code}: ${p.stderr.slice(-2000)}`);
  const lines = p.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

export async function waitHttp(url, { timeoutMs = 60_000, intervalMs = 5, isAlive = () => true } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {}
    if (!isAlive()) throw new Error(`process exited before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${url}`);
    await sleep(intervalMs);
  }
}

/** Creates a fresh PostgreSQL database; returns its URL and a drop function. */
export async function freshDatabase() {
  const name = `sovren_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await c.end();
    },
  };
}

export async function pgAvailable() {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the reference server in its own process (dist/cli.js serve) and waits
 * until /v1/health/ready answers 200. `readyMs` is spawn → ready.
 */
export async function startServer({ databaseUrl, env = {}, nodeArgs = [] } = {}) {
  const port = await freePort();
  const started = performance.now();
  const p = spawnNode(SERVER_CLI, ["serve"], {
    nodeArgs,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      SOVREN_LOG_LEVEL: "warn",
      SOVREN_JWT_SECRET: JWT_SECRET,
      // The benchmark measures the server, not the per-tenant limiter (default 1000/s).
      SOVREN_RATE_LIMIT_RPS: "1000000000",
      SOVREN_DELIVERY_DELAY_MS: "500",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: "" }),
      ...env,
    },
  });
  let exited = false;
  p.done.then(() => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/v1/health/ready`, { isAlive: () => !exited });
  } catch (err) {
    p.child.kill("SIGKILL");
    throw new Error(`server did not start: ${err.message}\n${p.stderr.slice(-1500)}`);
  }
  const readyMs = performance.now() - started;
  return {
    url,
    port,
    readyMs,
    pid: p.child.pid,
    proc: p,
    async stop() {
      if (exited) return;
      p.child.kill("SIGTERM");
      const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
      await p.done;
      clearTimeout(t);
    },
  };
}

export async function devToken(tenantId = TENANT, roles = ["admin"]) {
  const { mintToken } = await import("@sovren/server");
  return mintToken({ secret: JWT_SECRET, audience: "sovren", tenantId, roles, ttlSeconds: 3600 });
}

// ---- statistics ----
export function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
export const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);
export function summary(xs) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], n: s.length };
}
/** "12.3 (11.9–12.8)" */
export function fmt(s, digits = 1) {
  if (!s || !Number.isFinite(s.median)) return "n/a";
  const f = (x) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return s.n > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}
