// SQL for machine API keys. Only their SHA-256 is stored; look-ups run as the
// owner role because the tenant is what the look-up finds out.
import type { Role } from "../domain/principal.js";
import type { OwnerSession } from "./db.js";

export async function insertApiKey(
  tx: OwnerSession,
  k: { id: string; tenantId: string; keyHash: string; roles: Role[]; name: string },
): Promise<void> {
  await tx.query("INSERT INTO api_keys (id, tenant_id, key_hash, roles, name) VALUES ($1, $2, $3, $4, $5)", [
    k.id,
    k.tenantId,
    k.keyHash,
    k.roles,
    k.name,
  ]);
}

export async function findApiKey(
  tx: OwnerSession,
  keyHash: string,
): Promise<{ id: string; tenantId: string; roles: Role[] } | undefined> {
  const { rows } = await tx.query(
    "SELECT id, tenant_id, roles FROM api_keys WHERE key_hash = $1 AND revoke_time IS NULL",
    [keyHash],
  );
  const r = rows[0];
  return r ? { id: String(r.id), tenantId: String(r.tenant_id), roles: r.roles as Role[] } : undefined;
}
