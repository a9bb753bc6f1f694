// Redis for the tests: the machine's own (REDIS_URL_TEST, default
// redis://127.0.0.1:6379) with a key prefix unique to each test, and
// throw-away redis-server processes of the tests' own (for outages), on free
// ports. CI installs redis-server (scripts/redis/ensure-redis.sh) and sets
// SOVREN_REQUIRE_REDIS=1, so there a missing Redis fails instead of skipping.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Redis } from "ioredis";
import { freePort } from "./server-process.js";

/** The machine's Redis, when one answers here (or SOVREN_TEST_REDIS_URL). */
const MACHINE_REDIS_URL = process.env.SOVREN_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The Redis the tests use: set by redisReachable() — the machine's own when
 * it answers, else a redis-server this test process starts on a free port
 * (killed when the process exits). Read it after awaiting redisReachable().
 */
export let TEST_REDIS_URL = MACHINE_REDIS_URL;

export const uniquePrefix = (label: string) => `sovren-test:${label}:${randomBytes(4).toString("hex")}:`;

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  r.on("error", () => {});
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

let reachable: Promise<boolean> | undefined;
export function redisReachable(): Promise<boolean> {
  reachable ??= (async () => {
    if (await answers(MACHINE_REDIS_URL)) return true;
    if (redisServerBinary()) {
      const own = await startOwnRedis();
      process.once("exit", () => void own.kill());
      TEST_REDIS_URL = own.url;
      return true;
    }
    const msg = `no Redis at ${MACHINE_REDIS_URL} and no redis-server to start (bash scripts/redis/ensure-redis.sh)`;
    if (process.env.SOVREN_REQUIRE_REDIS === "1") throw new Error(`SOVREN_REQUIRE_REDIS=1 but ${msg}`);
    console.warn(`[redis tests] ${msg}: skipping`);
    return false;
  })();
  return reachable;
}

export const redisServerBinary = (): string | undefined => {
  const bin = process.env.SOVREN_REDIS_SERVER ?? "redis-server";
  return spawnSync(bin, ["--version"]).status === 0 ? bin : undefined;
};

/** Deletes every key under a prefix (SCAN, not KEYS). */
export async function dropPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on("error", () => {});
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

export interface OwnRedis {
  url: string;
  port: number;
  /** SIGKILL: the outage. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

/** A redis-server of the test's own on a free port, without persistence. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const bin = redisServerBinary();
  if (!bin) throw new Error("redis-server is not installed (bash scripts/redis/ensure-redis.sh)");
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => {
          s.end();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGKILL");
      await exited;
    },
    restart: start,
  };
}
