// One Redis deployment shared by every instance (REDIS_URL): a command
// connection (the rate limiter's script, PUBLISH, readiness PING) and a
// subscriber connection (pub/sub needs a connection of its own). Loaded only
// when REDIS_URL is set (server.ts imports this folder dynamically).
//
// Redis may be down, restart or never come up: nothing here ever waits for
// it. Commands are not queued while disconnected (they fail at once and the
// caller falls back), every command has a timeout, both connections
// reconnect with capped backoff, and no client is ever without an 'error'
// listener.
import { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";

export interface RedisOptions {
  url: string;
  /** Prepended to every key and channel, so several deployments (or tests) share one Redis. */
  prefix: string;
  /** Bound on one command; past it the caller falls back (default 250 ms). */
  commandTimeoutMs?: number;
}

const WARN_EVERY_MS = 10_000;

export class RedisConnection {
  readonly command: Redis;
  readonly subscriber: Redis;
  readonly prefix: string;
  private lastWarn = 0;
  private suppressed = 0;

  constructor(readonly options: RedisOptions, private readonly log: Logger) {
    this.prefix = options.prefix;
    const common = {
      lazyConnect: true,
      // Fail fast instead of queueing behind an outage: the limiter falls back, publishing is best effort.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: options.commandTimeoutMs ?? 250,
      retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
    };
    this.command = new Redis(options.url, { ...common, connectionName: "sovren-command" });
    // A subscriber has no command timeout (SUBSCRIBE's reply may wait for the connection) but must queue its SUBSCRIBE.
    this.subscriber = new Redis(options.url, { ...common, commandTimeout: undefined, enableOfflineQueue: true, autoResubscribe: false, connectionName: "sovren-subscriber" });
    for (const c of [this.command, this.subscriber]) {
      c.on("error", (err: Error) => this.unavailable(err));
    }
    this.command.on("ready", () => this.log.info("redis connected", { url: redact(options.url) }));
  }

  /** Connects both; Redis being down at start-up is logged, not fatal (the clients keep reconnecting). */
  async connect(): Promise<void> {
    await Promise.all(
      [this.command, this.subscriber].map((c) =>
        c.connect().catch((err: unknown) => this.unavailable(err)),
      ),
    );
  }

  get ready(): boolean {
    return this.command.status === "ready";
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(":");
  }

  /** Readiness: a PING within the command timeout. */
  async ping(): Promise<{ ready: boolean; message?: string }> {
    if (this.command.status !== "ready") return { ready: false, message: `redis ${this.command.status}: rate limits are per instance, events travel by the database only` };
    await this.command.ping();
    return { ready: true };
  }

  /** Logs an outage at most once per 10 s, with a count of the failures in between. */
  unavailable(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarn >= WARN_EVERY_MS) {
      this.log.warn("redis unavailable", { error: err instanceof Error ? err.message : String(err), suppressed: this.suppressed });
      this.lastWarn = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
  }

  async close(): Promise<void> {
    for (const c of [this.command, this.subscriber]) {
      c.disconnect(false);
    }
  }
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "redis://***";
  }
}
