// Applies the migrations in order at start-up, each once, recorded in
// schema_migrations. An advisory lock makes concurrent start-ups of several
// instances against one database apply them exactly once.
import type { Db } from "./db.js";
import * as m001 from "./migrations/001-init.js";
import * as m002 from "./migrations/002-durable-jobs.js";
import * as m003 from "./migrations/003-audit-log.js";
import * as m004 from "./migrations/004-erasure.js";
import * as m005 from "./migrations/005-signing-keys.js";

const MIGRATIONS: { version: string; sql: string }[] = [m001, m002, m003, m004, m005];
const LOCK_ID = 7_220_418; // arbitrary, fixed: "sovren migrations"

export async function migrate(db: Db): Promise<string[]> {
  return db.ownerTransaction(async (tx) => {
    if (db.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
    await tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await tx.query<{ version: string }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.version));
    const done: string[] = [];
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version) VALUES ($1)", [m.version]);
      done.push(m.version);
    }
    return done;
  });
}
