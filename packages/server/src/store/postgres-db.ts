// A real PostgreSQL server through a node-postgres pool. LISTEN needs a
// connection of its own that stays out of the pool.
import pg from "pg";
import { ENTER_TENANT_SQL, type Db, type OwnerSession, type Row } from "./db.js";

// Timestamps come back as Date (default); numeric stays a string and the
// store converts it, so no global type parser is changed.

export async function openPostgres(connectionString: string, max = 20): Promise<Db> {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on("error", () => {});
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | undefined;

  async function inTransaction<T>(enter: (c: pg.PoolClient) => Promise<void>, fn: (c: pg.PoolClient) => Promise<T>) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await enter(client);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  const wrap = (c: pg.PoolClient): OwnerSession => ({
    query: async <R extends Row>(sql: string, params?: unknown[]) => {
      const r = await c.query(sql, params);
      return { rows: r.rows as R[] };
    },
    exec: async (sql) => {
      await c.query(sql);
    },
  });

  return {
    kind: "postgres",
    transaction: (tenantId, fn) =>
      inTransaction(async (c) => {
        await c.query(ENTER_TENANT_SQL, [tenantId]);
      }, (c) => fn(wrap(c))),
    ownerTransaction: (fn) => inTransaction(async () => {}, (c) => fn(wrap(c))),
    async listen(channel, onPayload) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      if (!listenClient) {
        listenClient = new pg.Client({ connectionString });
        listenClient.on("error", () => {});
        await listenClient.connect();
        listenClient.on("notification", (n) => {
          for (const cb of listeners.get(n.channel) ?? []) cb(n.payload ?? "");
        });
      }
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await listenClient.query(`LISTEN ${channel}`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    async close() {
      await listenClient?.end().catch(() => {});
      await pool.end();
    },
  };
}
