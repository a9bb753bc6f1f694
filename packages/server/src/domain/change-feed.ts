// Fans database change notifications out to watchers in this process. Writers
// NOTIFY inside their transaction (see store/*-repo.ts), so a watcher on any
// instance hears a change made by any other: LISTEN/NOTIFY on PostgreSQL, and
// PGlite's own listen for the embedded database. After the LISTEN connection
// was lost and re-established, notifications may have been missed: the feed
// then emits a resync, and every subscriber re-reads what it reports.
import { EventEmitter } from "node:events";
import type { Db } from "../store/db.js";
import { CHANGES_CHANNEL, type ChangeEvent } from "../store/rows.js";

const RESYNC = "resync";

export class ChangeFeed {
  private readonly emitter = new EventEmitter();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly db: Db) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(CHANGES_CHANNEL, (payload) => {
      try {
        const e = JSON.parse(payload) as ChangeEvent;
        this.emitter.emit(`${e.kind}:${e.tenantId}`, e.id);
      } catch {
        // Not ours; ignore.
      }
    }, () => this.emitter.emit(RESYNC));
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
