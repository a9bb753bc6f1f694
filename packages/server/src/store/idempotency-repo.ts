// SQL for idempotency keys (kept 24 hours). A claim is an INSERT that only one
// concurrent request can win; the row then holds the stored response.
import type { Queryable } from "./db.js";

export interface StoredKey {
  method: string;
  requestHash: string;
  state: "running" | "done";
  status: number | null;
  response: unknown;
}

/** A claim left `running` this long is taken as abandoned (its server died). */
const ABANDONED_AFTER = "2 minutes";

/** True when this request now owns the key (new, expired or abandoned). */
export async function claimKey(
  tx: Queryable,
  k: { tenantId: string; key: string; method: string; requestHash: string },
): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO idempotency_keys (tenant_id, key, method, request_hash, state, expire_time)
     VALUES ($1, $2, $3, $4, 'running', clock_timestamp() + interval '24 hours')
     ON CONFLICT (tenant_id, key) DO UPDATE SET
       method = EXCLUDED.method, request_hash = EXCLUDED.request_hash, state = 'running',
       status = NULL, response = NULL, create_time = clock_timestamp(), expire_time = EXCLUDED.expire_time
     WHERE idempotency_keys.expire_time < clock_timestamp()
        OR (idempotency_keys.state = 'running'
            AND idempotency_keys.create_time < clock_timestamp() - interval '${ABANDONED_AFTER}')
     RETURNING key`,
    [k.tenantId, k.key, k.method, k.requestHash],
  );
  return rows.length === 1;
}

export async function readKey(tx: Queryable, key: string): Promise<StoredKey | undefined> {
  const { rows } = await tx.query(
    "SELECT method, request_hash, state, status, response FROM idempotency_keys WHERE key = $1",
    [key],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    method: String(r.method),
    requestHash: String(r.request_hash),
    state: r.state as StoredKey["state"],
    status: r.status === null ? null : Number(r.status),
    response: r.response,
  };
}

export async function completeKey(tx: Queryable, key: string, status: number, response: unknown): Promise<void> {
  await tx.query("UPDATE idempotency_keys SET state = 'done', status = $2, response = $3 WHERE key = $1", [
    key,
    status,
    JSON.stringify(response),
  ]);
}

/** Forgets a claim whose request failed, so that a retry executes afresh. */
export async function releaseKey(tx: Queryable, key: string): Promise<void> {
  await tx.query("DELETE FROM idempotency_keys WHERE key = $1 AND state = 'running'", [key]);
}
