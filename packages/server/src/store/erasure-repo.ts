// SQL for erasing a data subject (issue 13), inside one tenant transaction:
// the operations run for them, the communications addressed to them, their
// jobs and every cached response (idempotency record) of those resources are
// deleted. Row-level security keeps it to the tenant.
import type { Queryable } from "./db.js";
import { CHANGES_CHANNEL } from "./rows.js";

export interface ErasurePayload {
  userId: string;
  recipients: string[];
}

export interface ErasureCounts {
  operationsErased: number;
  communicationsErased: number;
  cachedResponsesErased: number;
  /** Operations that were still running (their runs are stopped after commit). */
  stopped: { operationId: string; backend: string }[];
}

/** The erasure's job, leased by `owner`, holding the subject's identifiers until it finishes. */
export async function insertErasureJob(tx: Queryable, j: { id: string; tenantId: string; owner: string; payload: ErasurePayload }) {
  await tx.query(
    `INSERT INTO jobs (kind, id, tenant_id, lease_owner, attempts, claim_time, payload)
     VALUES ('erasure', $1, $2, $3, 1, clock_timestamp(), $4)`,
    [j.id, j.tenantId, j.owner, JSON.stringify(j.payload)],
  );
}

/** The payload of an erasure job `owner` holds (any owner when undefined), or undefined. */
export async function erasureJobPayload(tx: Queryable, id: string, owner?: string): Promise<ErasurePayload | undefined> {
  const { rows } = await tx.query(
    "SELECT payload FROM jobs WHERE kind = 'erasure' AND id = $1 AND ($2::text IS NULL OR lease_owner = $2::text) FOR UPDATE",
    [id, owner ?? null],
  );
  return rows[0]?.payload as ErasurePayload | undefined;
}

export async function eraseSubjectData(tx: Queryable, tenantId: string, p: ErasurePayload): Promise<ErasureCounts> {
  const addresses = [...new Set([p.userId, ...p.recipients])];
  const ops = await tx.query<{ operation_id: string; state: string; backend: string }>(
    "DELETE FROM operations WHERE user_id = $1 AND kind <> 'erasure' RETURNING operation_id, state, backend",
    [p.userId],
  );
  const msgs = await tx.query<{ message_id: string }>(
    "DELETE FROM communications WHERE recipient = ANY($1::text[]) RETURNING message_id",
    [addresses],
  );
  const opIds = ops.rows.map((r) => String(r.operation_id));
  const msgIds = msgs.rows.map((r) => String(r.message_id));
  const ids = [...opIds, ...msgIds];
  await tx.query(
    "DELETE FROM jobs WHERE (kind = 'simulation' AND id = ANY($1::uuid[])) OR (kind = 'delivery' AND id = ANY($2::uuid[]))",
    [opIds, msgIds],
  );
  // Cached responses: the stored answers of the calls that created them.
  const cached = await tx.query("DELETE FROM idempotency_keys WHERE resource_id = ANY($1::uuid[]) RETURNING key", [ids]);
  // Watchers re-read and find them gone.
  for (const id of opIds) await tx.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, JSON.stringify({ tenantId, kind: "operation", id })]);
  return {
    operationsErased: opIds.length,
    communicationsErased: msgIds.length,
    cachedResponsesErased: cached.rows.length,
    stopped: ops.rows.filter((r) => r.state === "pending" || r.state === "running").map((r) => ({ operationId: String(r.operation_id), backend: String(r.backend) })),
  };
}

/** Records the erasure's outcome on its operation (kind 'erasure'). */
export async function finishErasureOperation(
  tx: Queryable,
  id: string,
  outcome: { result: Omit<ErasureCounts, "stopped"> } | { error: { code: string; message: string } },
): Promise<boolean> {
  const { rows } = await tx.query(
    `UPDATE operations SET state = $2, progress = CASE WHEN $2 = 'succeeded' THEN 1 ELSE progress END,
       result = $3::jsonb, error = $4::jsonb, executed_at = clock_timestamp(), update_time = clock_timestamp()
     WHERE operation_id = $1 AND kind = 'erasure' AND state IN ('pending', 'running') RETURNING tenant_id`,
    [id, "result" in outcome ? "succeeded" : "failed", "result" in outcome ? JSON.stringify(outcome.result) : null, "error" in outcome ? JSON.stringify(outcome.error) : null],
  );
  if (rows[0]) await tx.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, JSON.stringify({ tenantId: rows[0].tenant_id, kind: "operation", id })]);
  return rows.length === 1;
}
