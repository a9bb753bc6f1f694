// Embedded PostgreSQL (PGlite, WebAssembly): in memory by default, or in a
// data directory that survives restarts. One connection, so PGlite itself
// serialises transactions.
import { PGlite } from "@electric-sql/pglite";
import { ENTER_TENANT_SQL, type Db, type OwnerSession, type Queryable, type Row } from "./db.js";

export async function openPglite(dataDir?: string): Promise<Db> {
  const pg = dataDir ? new PGlite(dataDir) : new PGlite();
  await pg.waitReady;
  const transaction: Db["transaction"] = (tenantId, fn) =>
    pg.transaction(async (tx) => {
        await tx.query(ENTER_TENANT_SQL, [tenantId]);
        const q: Queryable = {
          query: async <R extends Row>(sql: string, params?: unknown[]) =>
            ({ rows: (await tx.query<R>(sql, params)).rows }),
        };
        return fn(q);
      });
  return {
    kind: "pglite",
    transaction,
    // In process, a round trip costs nothing to save.
    once: transaction,
    async ownerTransaction(fn) {
      return pg.transaction(async (tx) => {
        const s: OwnerSession = {
          query: async <R extends Row>(sql: string, params?: unknown[]) =>
            ({ rows: (await tx.query<R>(sql, params)).rows }),
          exec: async (sql) => {
            await tx.exec(sql);
          },
        };
        return fn(s);
      });
    },
    async listen(channel, onPayload) {
      const unsubscribe = await pg.listen(channel, onPayload);
      return async () => unsubscribe();
    },
    async close() {
      await pg.close();
    },
  };
}
