// SQL for idempotency keys (kept 24 hours). A claim is an INSERT that only one
// concurrent request can win; the row then holds the stored response.
import type { Queryable } from "./db.js";

export interface StoredKey {
  method: string;
  requestHash: string;
  state: "running" | "done";
  status: number | null;
  response: unknown;
  /** False when the claim is `running` but the instance that made it is gone (its lease expired). */
  ownerAlive: boolean;
}

/** A claim left `running` this long is taken as abandoned even if its instance still heartbeats. */
const ABANDONED_AFTER = "2 minutes";

/** SQL: the running claim's instance has no live lease (crashed, or stopped). */
const OWNER_GONE = `NOT EXISTS (SELECT 1 FROM sovren_workers w
  WHERE w.id = idempotency_keys.owner AND w.expires_at > clock_timestamp())`;

/**
 * Claims the key for this request (new, expired, or abandoned by a crashed
 * instance); undefined when another request holds it. Returns the resource id
 * the request should give what it creates: kept when an abandoned claim is
 * taken over (the crashed attempt may have created it already), new otherwise.
 */
export async function claimKey(
  tx: Queryable,
  k: { tenantId: string; key: string; method: string; requestHash: string; owner: string },
): Promise<{ resourceId: string } | undefined> {
  const { rows } = await tx.query<{ resource_id: string }>(
    `INSERT INTO idempotency_keys (tenant_id, key, method, request_hash, state, expire_time, owner)
     VALUES ($1, $2, $3, $4, 'running', clock_timestamp() + interval '24 hours', $5)
     ON CONFLICT (tenant_id, key) DO UPDATE SET
       method = EXCLUDED.method, request_hash = EXCLUDED.request_hash, state = 'running',
       status = NULL, response = NULL, create_time = clock_timestamp(), expire_time = EXCLUDED.expire_time,
       owner = EXCLUDED.owner,
       resource_id = CASE WHEN idempotency_keys.expire_time < clock_timestamp() THEN EXCLUDED.resource_id
                          ELSE idempotency_keys.resource_id END
     WHERE idempotency_keys.expire_time < clock_timestamp()
        OR (idempotency_keys.state = 'running'
            AND idempotency_keys.method = EXCLUDED.method AND idempotency_keys.request_hash = EXCLUDED.request_hash
            AND (idempotency_keys.create_time < clock_timestamp() - interval '${ABANDONED_AFTER}' OR ${OWNER_GONE}))
     RETURNING resource_id`,
    [k.tenantId, k.key, k.method, k.requestHash, k.owner],
  );
  return rows[0] ? { resourceId: String(rows[0].resource_id) } : undefined;
}

export async function readKey(tx: Queryable, key: string): Promise<StoredKey | undefined> {
  const { rows } = await tx.query(
    `SELECT method, request_hash, state, status, response, NOT (${OWNER_GONE}) AS owner_alive
     FROM idempotency_keys WHERE key = $1`,
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
    ownerAlive: r.owner_alive === true,
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
