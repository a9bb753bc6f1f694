// Several instances, one Redis (REDIS_URL): the shared rate limiter and the
// change-event bus over one connection pair. Imported by server.ts only when
// REDIS_URL is set, so without it ioredis is never loaded.
import type { Logger } from "../observability/logger.js";
import type { Db } from "../store/db.js";
import { captureChanges } from "./change-capture.js";
import { RedisChangeBus } from "./redis-change-bus.js";
import { RedisConnection } from "./redis-connection.js";
import { SharedRateLimiter } from "./shared-rate-limiter.js";

export interface Scale {
  limiter: SharedRateLimiter;
  bus: RedisChangeBus;
  /** The Db decorated to publish what each committed transaction changed. */
  publishChanges(db: Db): Db;
  /** Readiness: reported as the optional dependency "redis". */
  check(): Promise<{ ready: boolean; message?: string }>;
  close(): Promise<void>;
}

export async function startScale(redis: { url: string; prefix: string; commandTimeoutMs?: number }, rate: { rps: number; burst: number }, log: Logger): Promise<Scale> {
  const conn = new RedisConnection(redis, log);
  await conn.connect();
  const bus = new RedisChangeBus(conn);
  return {
    limiter: new SharedRateLimiter(conn, rate.rps, rate.burst),
    bus,
    publishChanges: (db) => captureChanges(db, (payloads) => bus.publish(payloads)),
    check: () => conn.ping(),
    close: () => conn.close(),
  };
}
