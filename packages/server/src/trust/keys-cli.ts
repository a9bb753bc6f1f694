// `sovren-server keys rotate --server` or `--tenant <id> --executive <id>`:
// makes a new current signing key; the old one stays published (JWKS) so that
// signatures made with it still verify. An executive's rotation is recorded
// in its tenant's audit ledger (action key.rotate).
import type { Config } from "../config.js";
import { openDb } from "../store/open.js";
import { AuditLedger } from "./audit-ledger.js";
import { SigningKeys } from "./signing-keys.js";

export async function keysCommand(config: Config, sub: string | undefined, o: { server?: boolean; tenant?: string; executive?: string }): Promise<number> {
  if (sub !== "rotate") throw new Error(`unknown keys command "${sub ?? ""}" (rotate)`);
  if (!config.databaseUrl && !config.dataDir) throw new Error("set DATABASE_URL or SOVREN_DATA_DIR: the keys live there");
  if (!o.server && !(o.tenant && o.executive)) throw new Error("keys rotate needs --server, or --tenant <id> --executive <id>");
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const keys = new SigningKeys(db, config.signing.kek);
    if (o.server) {
      await keys.start();
      console.log(`new server key ${await keys.rotateServerKey()} (running instances pick it up at their next start; the old key stays in /.well-known/jwks.json)`);
      return 0;
    }
    const ledger = new AuditLedger(config.audit.key);
    const kid = await db.transaction(o.tenant!, async (tx) => {
      const { rows } = await tx.query("SELECT 1 FROM executives WHERE id = $1", [o.executive]);
      if (!rows.length) throw new Error(`no executive ${o.executive} in tenant ${o.tenant}`);
      const created = await keys.createExecutiveKey(tx, o.tenant!, o.executive!);
      await ledger.append(tx, o.tenant!, {
        subject: `operator:${process.env.USER ?? "cli"}`,
        action: "key.rotate",
        resource: `executives/${o.executive}/keys/${created.split("/").pop()}`,
        requestId: `cli-${Date.now()}`,
        request: { executive: o.executive },
        result: { kid: created },
      });
      return created;
    });
    console.log(`new key ${kid} for executive ${o.executive} (instances pick it up within a minute; old keys stay published)`);
    return 0;
  } finally {
    await db.close();
  }
}
