// Opens the configured database and brings its schema up to date.
import type { Db } from "./db.js";
import { migrate } from "./migrate.js";
import type { PostgresOptions } from "./postgres-db.js";

export async function openDb(options: { databaseUrl?: string; dataDir?: string; postgres?: PostgresOptions }): Promise<Db> {
  let db: Db;
  if (options.databaseUrl) {
    const { openPostgres } = await import("./postgres-db.js");
    db = await openPostgres(options.databaseUrl, options.postgres);
  } else {
    const { openPglite } = await import("./pglite-db.js");
    db = await openPglite(options.dataDir);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
