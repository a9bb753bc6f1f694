// Database spans: a decorator of the Db (installed only when tracing is on)
// that records each transaction and each statement as CLIENT spans, children
// of the request or operation run that issued them. Statements are recorded
// by their SQL text only, never their parameters (tenant data). Background
// housekeeping outside any traced work (heartbeats, sweeps) records nothing.
import type { Db, OwnerSession, Queryable } from "../store/db.js";
import type { Telemetry } from "./telemetry.js";

export function traceDb(db: Db, telemetry: Telemetry): Db {
  const system = "postgresql";
  const traced = <Q extends Queryable>(tx: Q): Q =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return (sql: string, params?: unknown[]) =>
          telemetry.span(
            `db ${firstWord(sql)}`,
            { kind: "client", requireParent: true, attributes: { "db.system.name": system, "db.query.text": sql.length > 500 ? `${sql.slice(0, 500)}…` : sql } },
            () => target.query(sql, params),
          );
      },
    });
  const attributes = { "db.system.name": system, "sovren.db.kind": db.kind };
  return {
    ...db,
    kind: db.kind,
    transaction: (tenantId, fn) =>
      telemetry.span("db transaction", { kind: "client", requireParent: true, attributes }, () => db.transaction(tenantId, (tx) => fn(traced(tx)))),
    once: (tenantId, fn) =>
      telemetry.span("db transaction", { kind: "client", requireParent: true, attributes }, () => db.once(tenantId, (tx) => fn(traced(tx)))),
    ownerTransaction: (fn) =>
      telemetry.span("db transaction", { kind: "client", requireParent: true, attributes }, () => db.ownerTransaction((tx) => fn(traced<OwnerSession>(tx)))),
    listen: (channel, onPayload, onResync) => db.listen(channel, onPayload, onResync),
    close: () => db.close(),
  };
}

function firstWord(sql: string): string {
  const m = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(sql);
  return (m?.[1] ?? "query").toUpperCase();
}
