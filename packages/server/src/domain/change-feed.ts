// Fans database change notifications out to watchers in this process. Writers
// NOTIFY inside their transaction (see store/*-repo.ts), so a watcher on any
// instance hears a change made by any other: LISTEN/NOTIFY on PostgreSQL, and
// PGlite's own listen for the embedded database. With REDIS_URL the same
// events also travel over Redis pub/sub (a ChangeBus, scale/redis-change-bus.ts);
// an event heard on both paths carries one id and wakes watchers once. After
// a path was lost and re-established, notifications may have been missed:
// the feed then emits a resync, and every subscriber re-reads what it reports.
import { EventEmitter } from "node:events";
import type { Db } from "../store/db.js";
import { CHANGES_CHANNEL, type ChangeEvent } from "../store/rows.js";

/** A second path for change events between instances (Redis pub/sub). */
export interface ChangeBus {
  publish(payloads: string[]): void;
  /** Returns an unsubscribe function; `onResync` runs after the bus reconnected (events may have been missed). */
  subscribe(onPayload: (payload: string) => void, onResync: () => void): () => void;
}

/** How many event ids are remembered to drop the second copy of an event. */
const SEEN_MAX = 4096;

const RESYNC = "resync";

export class ChangeFeed {
  private readonly emitter = new EventEmitter();
  private unlisten: (() => Promise<void>) | undefined;
  private unsubscribeBus: (() => void) | undefined;
  private readonly seen = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly bus?: ChangeBus,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const resync = () => this.emitter.emit(RESYNC);
    this.unlisten = await this.db.listen(CHANGES_CHANNEL, (payload) => this.deliver(payload), resync);
    this.unsubscribeBus = this.bus?.subscribe((payload) => this.deliver(payload), resync);
  }

  private deliver(payload: string): void {
    let e: ChangeEvent & { e?: unknown };
    try {
      e = JSON.parse(payload) as ChangeEvent & { e?: unknown };
    } catch {
      return; // not ours
    }
    if (typeof e.e === "string") {
      if (this.seen.has(e.e)) {
        this.seen.delete(e.e); // each copy arrives once per path: forget it after the second
        return;
      }
      this.seen.add(e.e);
      if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
    }
    this.emitter.emit(`${e.kind}:${e.tenantId}`, e.id);
  }

  /** `onResync` runs when changes may have been missed (the database connection was re-established). */
  subscribe(tenantId: string, kind: ChangeEvent["kind"], onChange: (id: string) => void, onResync?: () => void): () => void {
    const name = `${kind}:${tenantId}`;
    this.emitter.on(name, onChange);
    if (onResync) this.emitter.on(RESYNC, onResync);
    return () => {
      this.emitter.off(name, onChange);
      if (onResync) this.emitter.off(RESYNC, onResync);
    };
  }

  async stop(): Promise<void> {
    this.unsubscribeBus?.();
    await this.unlisten?.();
    this.emitter.removeAllListeners();
  }
}

/** A wake-up flag for watch loops: `wait` resolves on `notify`, timeout or abort. */
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.resolve?.();
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.resolve = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.resolve = done;
    });
  }
}
