// A real PostgreSQL server through a node-postgres pool. LISTEN needs a
// connection of its own that stays out of the pool.
//
// The database may stop, restart or freeze under us. No client may ever be
// without an 'error' listener (an unhandled 'error' event ends the process);
// every wait is bounded (connecting or queueing for a pooled client:
// connectTimeoutMs; a statement that gets no answer, e.g. from a SIGSTOPped
// server: queryTimeoutMs); failures of that kind surface as
// DatabaseUnavailableError (→ 503 `unavailable`); the LISTEN connection
// reconnects with backoff and tells subscribers to re-read (onResync).
import pg from "pg";
import {
  DatabaseUnavailableError,
  ENTER_TENANT_SQL,
  isDatabaseUnavailable,
  type Db,
  type OwnerSession,
  type Row,
} from "./db.js";

// Timestamps come back as Date (default); numeric stays a string and the
// store converts it, so no global type parser is changed.

export interface PostgresOptions {
  max?: number;
  /** Bound on connecting, and on waiting for a free pooled client. */
  connectTimeoutMs?: number;
  /** Client-side bound on one statement (a frozen server never answers). */
  queryTimeoutMs?: number;
  /** Told when the database is unavailable (warn, at most once per 10 s, with a count of the others) or back (info). */
  log?: (level: "warn" | "info", msg: string, fields: Record<string, unknown>) => void;
}

type Stmt = readonly [sql: string, params?: unknown[]];
interface Session {
  client: pg.PoolClient;
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
}

// Named prepared statements: one name per distinct SQL text (the texts are the
// repositories' constants; the cap only guards against a future dynamic one).
const names = new Map<string, string>();
const MAX_NAMES = 500;
function prepared(sql: string, params?: unknown[]): pg.QueryConfig | string {
  if (!params?.length) return sql;
  let name = names.get(sql);
  if (!name && names.size < MAX_NAMES) names.set(sql, (name = `sovren_${names.size}`));
  return name ? { name, text: sql, values: params } : { text: sql, values: params };
}

/**
 * Sends every statement at once (the pool's clients are in pipeline mode) and
 * waits for all of them, so no rejection goes unobserved; the first failure wins.
 */
async function pipeline(client: pg.PoolClient, batch: readonly Stmt[]): Promise<pg.QueryResult[]> {
  // Pipeline mode writes each query as it is submitted (synchronously, here);
  // corking the socket around the batch makes it one write instead of one per
  // statement. (`connection.stream` is node-postgres' own handle on the
  // socket, which it corks the same way around each query's messages.)
  const socket = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  socket?.cork?.();
  let pending: Promise<pg.QueryResult>[];
  try {
    pending = batch.map(([sql, params]) => {
      const q = prepared(sql, params);
      return typeof q === "string" ? client.query(q) : client.query(q);
    });
  } finally {
    socket?.uncork?.();
  }
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
}

const RESYNC_BACKOFF_MIN_MS = 250;
const RESYNC_BACKOFF_MAX_MS = 2_000;
const WARN_EVERY_MS = 10_000;

export async function openPostgres(connectionString: string, options: PostgresOptions = {}): Promise<Db> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    pipeline: true,
  });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on("error", () => {});
  // pg-pool removes its own 'error' listener while a client is lent out;
  // inTransaction adds this one for that time (the query in progress reports
  // the failure anyway, and the client is then released as broken).
  const onLentClientError = () => {};

  let suppressed = 0;
  let lastWarn = 0;
  function unavailable(err: unknown): DatabaseUnavailableError {
    const now = Date.now();
    if (now - lastWarn >= WARN_EVERY_MS) {
      options.log?.("warn", "database unavailable", { error: err instanceof Error ? err.message : String(err), suppressed });
      lastWarn = now;
      suppressed = 0;
    } else {
      suppressed++;
    }
    return err instanceof DatabaseUnavailableError ? err : new DatabaseUnavailableError(err);
  }

  // Statements are sent in node-postgres' pipeline mode: a query does not wait
  // for the previous one's answer, so BEGIN, the tenant setting and the first
  // statement (and, for a single-statement transaction, COMMIT) leave in one
  // write and come back in one round trip. Each keeps its own Sync, so an
  // error in one never hides another's; inside BEGIN…COMMIT they are one
  // transaction, and a COMMIT after a failed statement rolls back. Every
  // statement with parameters is a named prepared statement (parsed once per
  // connection); all of them stay parameterised.
  async function inTransaction<T>(enter: readonly Stmt[], fn: (s: Session) => Promise<T>, single = false) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw isDatabaseUnavailable(err) ? unavailable(err) : err;
    }
    client.on("error", onLentClientError);
    let broken: Error | undefined;
    let begun = false;
    let committed = false;
    let used = false;
    const session: Session = {
      client,
      async query(sql, params) {
        if (single && used) throw new Error("Db.once allows one statement");
        used = true;
        if (!begun) {
          begun = true;
          const batch: Stmt[] = [["BEGIN"], ...enter, [sql, params]];
          if (single) batch.push(["COMMIT"]);
          try {
            return (await pipeline(client, batch))[enter.length + 1]!;
          } finally {
            // The batch's COMMIT ended the transaction either way (a COMMIT after a failed statement rolls back).
            if (single) committed = true;
          }
        }
        return (await pipeline(client, [[sql, params]]))[0]!;
      },
    };
    try {
      const result = await fn(session);
      if (begun && !committed) await client.query("COMMIT");
      return result;
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        // The connection is dead or hung (possibly with a statement still
        // outstanding): never reuse it; the server rolls back on disconnect.
        broken = err instanceof Error ? err : new Error(String(err));
        throw unavailable(err);
      }
      if (begun && !committed) {
        await client.query("ROLLBACK").catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
        });
      }
      throw err;
    } finally {
      client.off("error", onLentClientError);
      client.release(broken);
    }
  }

  const wrap = (s: Session): OwnerSession => ({
    query: async <R extends Row>(sql: string, params?: unknown[]) => ({ rows: (await s.query(sql, params)).rows as R[] }),
    exec: async (sql) => {
      await s.client.query(sql);
    },
  });
  const enterTenant = (tenantId: string): Stmt[] => [[ENTER_TENANT_SQL, [tenantId]]];

  // --- LISTEN: one dedicated connection, re-established after any loss ---
  const listeners = new Map<string, Set<(payload: string) => void>>();
  const resyncs = new Set<() => void>();
  let listenClient: pg.Client | undefined;
  let closed = false;
  let backoff = RESYNC_BACKOFF_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  async function connectListener(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
    c.on("error", (err) => lost(c, err));
    c.on("end", () => lost(c, new Error("LISTEN connection ended")));
    c.on("notification", (n) => {
      for (const cb of listeners.get(n.channel) ?? []) cb(n.payload ?? "");
    });
    try {
      await c.connect();
      for (const channel of listeners.keys()) await c.query(`LISTEN ${channel}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    return c;
  }

  function lost(c: pg.Client, err: Error) {
    if (c !== listenClient || closed) return;
    listenClient = undefined;
    void c.end().catch(() => {});
    unavailable(err);
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (closed || retryTimer) return;
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        const c = await connectListener();
        if (closed) {
          await c.end().catch(() => {});
          return;
        }
        listenClient = c;
        backoff = RESYNC_BACKOFF_MIN_MS;
        options.log?.("info", "LISTEN connection re-established; watchers re-read", { channels: [...listeners.keys()] });
        for (const r of resyncs) r();
      } catch {
        backoff = Math.min(backoff * 2, RESYNC_BACKOFF_MAX_MS);
        scheduleReconnect();
      }
    }, delay);
  }

  return {
    kind: "postgres",
    transaction: (tenantId, fn) => inTransaction(enterTenant(tenantId), (s) => fn(wrap(s))),
    once: (tenantId, fn) => inTransaction(enterTenant(tenantId), (s) => fn(wrap(s)), true),
    ownerTransaction: (fn) => inTransaction([], (s) => fn(wrap(s))),
    async listen(channel, onPayload, onResync) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      let set = listeners.get(channel);
      const fresh = !set;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(onPayload);
      if (onResync) resyncs.add(onResync);
      try {
        if (!listenClient && !retryTimer) listenClient = await connectListener();
        else if (fresh && listenClient) await listenClient.query(`LISTEN ${channel}`);
      } catch (err) {
        set.delete(onPayload);
        if (onResync) resyncs.delete(onResync);
        throw err;
      }
      return async () => {
        set.delete(onPayload);
        if (onResync) resyncs.delete(onResync);
      };
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const c = listenClient;
      listenClient = undefined;
      await c?.end().catch(() => {});
      await pool.end();
    },
  };
}
