// `sovren-server audit verify [--tenant <id>] [--head <seq>:<hash>]`: walks
// the chains and exits 0 when every one verifies, 1 naming the first broken
// record otherwise.
import { openDb } from "../store/open.js";
import type { Config } from "../config.js";
import { verifyAudit } from "./audit-verify.js";

export async function auditCommand(config: Config, sub: string | undefined, options: { tenant?: string; head?: string }): Promise<number> {
  if (sub !== "verify") throw new Error(`unknown audit command "${sub ?? ""}" (verify)`);
  if (!config.databaseUrl && !config.dataDir) {
    throw new Error("set DATABASE_URL or SOVREN_DATA_DIR: the ledger to verify lives there");
  }
  let expectedHead: { seq: string; hash: string } | undefined;
  if (options.head) {
    const m = /^(\d{1,19}):([0-9a-f]{64})$/.exec(options.head);
    if (!m) throw new Error("--head must be <seq>:<sha-256 hex>, as GET /v1/audit/head returns them");
    if (!options.tenant) throw new Error("--head needs --tenant");
    expectedHead = { seq: m[1]!, hash: m[2]! };
  }
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const result = await verifyAudit(db, { ...(options.tenant ? { tenantId: options.tenant } : {}), ...(expectedHead ? { expectedHead } : {}) });
    for (const c of result.chains) console.log(`ok   tenant ${c.tenantId}: ${c.records} records, head ${c.head.seq} ${c.head.hash}`);
    if (result.broken) {
      const b = result.broken;
      console.log(`FAIL tenant ${b.tenantId}: record ${b.recordId || "(none)"} (seq ${b.seq}): ${b.problem}`);
      return 1;
    }
    if (result.chains.length === 0) console.log("no audit records");
    return 0;
  } finally {
    await db.close();
  }
}
