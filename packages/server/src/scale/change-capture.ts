// Captures the change notifications a transaction sends, to publish them on
// Redis once it commits. The repositories NOTIFY inside their transactions
// (store/*-repo.ts: `SELECT pg_notify($1, $2)` on CHANGES_CHANNEL); this
// decorator of the Db gives each such payload an event id `e` (so a watcher
// that hears one change by both LISTEN and Redis wakes once, see
// domain/change-feed.ts) and hands the payloads over after COMMIT — never
// for a rolled-back transaction, as NOTIFY itself. Installed only with
// REDIS_URL; the repositories stay unaware of Redis.
import { randomUUID } from "node:crypto";
import type { Db, OwnerSession, Queryable } from "../store/db.js";
import { CHANGES_CHANNEL } from "../store/rows.js";

export function captureChanges(db: Db, onCommitted: (payloads: string[]) => void): Db {
  const capture = <Q extends Queryable>(tx: Q, payloads: string[]): Q =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return (sql: string, params?: unknown[]) => {
          if (params?.[0] === CHANGES_CHANNEL && typeof params[1] === "string" && sql.includes("pg_notify")) {
            const payload = withEventId(params[1]);
            payloads.push(payload);
            params = [params[0], payload, ...params.slice(2)];
          }
          return target.query(sql, params);
        };
      },
    });
  return {
    ...db,
    kind: db.kind,
    async transaction(tenantId, fn) {
      const payloads: string[] = [];
      const result = await db.transaction(tenantId, (tx) => fn(capture(tx, payloads)));
      if (payloads.length) onCommitted(payloads);
      return result;
    },
    async once(tenantId, fn) {
      const payloads: string[] = [];
      const result = await db.once(tenantId, (tx) => fn(capture(tx, payloads)));
      if (payloads.length) onCommitted(payloads);
      return result;
    },
    async ownerTransaction(fn) {
      const payloads: string[] = [];
      const result = await db.ownerTransaction((tx) => fn(capture<OwnerSession>(tx, payloads)));
      if (payloads.length) onCommitted(payloads);
      return result;
    },
    listen: (channel, onPayload, onResync) => db.listen(channel, onPayload, onResync),
    close: () => db.close(),
  };
}

function withEventId(payload: string): string {
  try {
    const o = JSON.parse(payload) as Record<string, unknown>;
    return JSON.stringify({ ...o, e: randomUUID() });
  } catch {
    return payload;
  }
}
