// Multi-process mode (`SOVREN_WORKERS=N`, `sovren-server serve --workers N`):
// node:cluster forks N workers that share the one listening port (the primary
// accepts and hands connections round-robin). Each worker is a whole server —
// its own pool, job runner and lease — so they share durable work through
// PostgreSQL exactly as separate instances do. PostgreSQL only: PGlite lives
// in one process.
//
// The primary holds no state. On SIGTERM/SIGINT it tells every worker to drain
// (a message, not a signal: a terminal's Ctrl-C already reaches the whole
// process group, and a second signal means "exit now"); each drains as a
// single process does (server.close), and the primary exits once all have (0,
// or 1 if one failed). A second signal is passed on, so workers exit at once.
// A worker that dies otherwise is replaced.
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { ConfigError, type Config } from "./config.js";

export const MAX_WORKERS = 64;

/** What the primary sends a worker to make it drain and exit (cli.ts). */
export const DRAIN_MESSAGE = "sovren:drain";

/** The worker count asked for (flag over SOVREN_WORKERS); 1 means no cluster. */
export function workerCount(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const raw = flag ?? env.SOVREN_WORKERS;
  if (raw === undefined || raw === "") return 1;
  const n = raw === "auto" ? availableParallelism() : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new ConfigError(`invalid configuration:\n  SOVREN_WORKERS (or --workers): must be an integer from 1 to ${MAX_WORKERS}, or "auto"`);
  }
  return n;
}

/**
 * The environment a worker starts with: the per-tenant rate limit and the
 * database pool are divided among the workers (unless set per worker with
 * SOVREN_DB_POOL_MAX), so N workers keep the limits of one instance.
 */
export function workerEnv(config: Config, n: number, env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    SOVREN_WORKERS: "1",
    SOVREN_RATE_LIMIT_RPS: String(config.rateLimitRps / n),
    SOVREN_RATE_LIMIT_BURST: String(Math.max(1, config.rateLimitBurst / n)),
    SOVREN_DB_POOL_MAX: env.SOVREN_DB_POOL_MAX ?? String(Math.max(4, Math.ceil(20 / n))),
  };
}

const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 10_000;

/** Runs the primary: forks, replaces crashed workers, and drains them all on a signal. */
export function runPrimary(config: Config, n: number, env: NodeJS.ProcessEnv = process.env): void {
  if (!config.databaseUrl) {
    throw new ConfigError(
      "invalid configuration:\n  SOVREN_WORKERS: several workers need DATABASE_URL (PostgreSQL); the embedded database lives in one process",
    );
  }
  const extra = workerEnv(config, n, env);
  const workers = new Set<Worker>();
  let stopping = false;
  let failed = false;
  let backoff = RESTART_MIN_MS;
  const fork = () => {
    const w = cluster.fork(extra);
    workers.add(w);
    w.once("listening", () => (backoff = RESTART_MIN_MS));
    w.once("exit", (code, signal) => {
      workers.delete(w);
      if (stopping) {
        if (code !== 0) failed = true;
        if (workers.size === 0) process.exit(failed ? 1 : 0);
        return;
      }
      console.error(`worker ${w.process.pid} exited (${signal ?? code}); starting another in ${backoff} ms`);
      setTimeout(() => !stopping && fork(), backoff);
      backoff = Math.min(backoff * 2, RESTART_MAX_MS);
    });
  };
  for (let i = 0; i < n; i++) fork();
  const stop = (signal: NodeJS.Signals) => {
    if (workers.size === 0) process.exit(failed ? 1 : 0);
    if (stopping) {
      for (const w of workers) w.process.kill(signal);
      return;
    }
    stopping = true;
    console.error(`${signal}: draining ${workers.size} workers`);
    for (const w of workers) w.send(DRAIN_MESSAGE);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

export const isPrimaryOfCluster = () => cluster.isPrimary;
