// SQL for operations (the record of every execution). State transitions are
// conditional updates, so a cancel racing a finishing run resolves in the
// database, whichever server instance each of them runs on.
import type { ErasureResult, Operation, OperationState, SimulationResult } from "@sovren/contracts/zod";
import type { Queryable, Row } from "./db.js";
import { CHANGES_CHANNEL, iso, num, optionalIso } from "./rows.js";

export type DbOperationState = "pending" | "running" | "succeeded" | "failed" | "cancelled";

const COLUMNS = `operation_id, seq, user_id, kind, executive_id, state, progress, parameters,
  result, error, confidence, backend, create_time, update_time, executed_at`;

const FINAL = new Set<DbOperationState>(["succeeded", "failed", "cancelled"]);

export const toJsonState = (s: DbOperationState) => `OPERATION_STATE_${s.toUpperCase()}` as OperationState;

export function fromJsonState(s: OperationState): DbOperationState | undefined {
  return s === "OPERATION_STATE_UNSPECIFIED" ? undefined : (s.slice("OPERATION_STATE_".length).toLowerCase() as DbOperationState);
}

function toJson(r: Row): Operation {
  const state = r.state as DbOperationState;
  const executedAt = optionalIso(r.executed_at);
  return {
    operationId: String(r.operation_id),
    userId: String(r.user_id),
    kind: r.kind === "erasure" ? "OPERATION_KIND_ERASURE" : "OPERATION_KIND_SIMULATION",
    state: toJsonState(state),
    done: FINAL.has(state),
    progress: num(r.progress),
    parameters: (r.parameters as Record<string, unknown>) ?? {},
    ...(r.result ? (r.kind === "erasure" ? { erasureResult: r.result as ErasureResult } : { result: r.result as SimulationResult }) : {}),
    ...(r.error ? { error: r.error as { code: string; message: string } } : {}),
    confidence: num(r.confidence),
    executiveId: r.executive_id ? String(r.executive_id) : "",
    backend: String(r.backend),
    createTime: iso(r.create_time),
    updateTime: iso(r.update_time),
    ...(executedAt ? { executedAt } : {}),
  };
}

async function notify(tx: Queryable, tenantId: string, id: string) {
  await tx.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, JSON.stringify({ tenantId, kind: "operation", id })]);
}

export async function insertOperation(
  tx: Queryable,
  o: { id: string; tenantId: string; userId: string; executiveId?: string; parameters: unknown; backend: string; kind?: "simulation" | "erasure" },
): Promise<Operation> {
  const { rows } = await tx.query(
    `INSERT INTO operations (operation_id, tenant_id, user_id, executive_id, state, parameters, backend, kind)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7) RETURNING ${COLUMNS}`,
    [o.id, o.tenantId, o.userId, o.executiveId ?? null, JSON.stringify(o.parameters), o.backend, o.kind ?? "simulation"],
  );
  return toJson(rows[0]!);
}

export async function getOperation(tx: Queryable, id: string): Promise<Operation | undefined> {
  const { rows } = await tx.query(`SELECT ${COLUMNS} FROM operations WHERE operation_id = $1`, [id]);
  return rows[0] ? toJson(rows[0]) : undefined;
}

export async function listOperations(
  tx: Queryable,
  q: { afterSeq?: string; limit: number; state?: DbOperationState; executiveId?: string },
) {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM operations
     WHERE ($1::bigint IS NULL OR seq < $1::bigint)
       AND ($2::text IS NULL OR state = $2::text)
       AND ($3::uuid IS NULL OR executive_id = $3::uuid)
     ORDER BY seq DESC LIMIT $4`,
    [q.afterSeq ?? null, q.state ?? null, q.executiveId ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(toJson),
    lastSeq: page.length ? String(page[page.length - 1]!.seq) : undefined,
    more: rows.length > q.limit,
  };
}

/**
 * Moves an operation from one of `from` to `to` with the given changes;
 * returns undefined when it was not in one of those states (e.g. cancelled
 * meanwhile), which tells the runner to stop.
 */
export async function transition(
  tx: Queryable,
  tenantId: string,
  id: string,
  from: DbOperationState[],
  to: DbOperationState,
  changes: { progress?: number; result?: { confidence: number }; error?: { code: string; message: string } } = {},
): Promise<Operation | undefined> {
  const final = FINAL.has(to);
  const { rows } = await tx.query(
    `UPDATE operations SET state = $3,
       -- never backwards: a run resumed after a crash starts again from 0
       progress = GREATEST(progress, $4::double precision),
       result = COALESCE($5::jsonb, result),
       error = COALESCE($6::jsonb, error),
       confidence = COALESCE($7, confidence),
       started_at = CASE WHEN $3 = 'running' AND started_at IS NULL THEN clock_timestamp() ELSE started_at END,
       executed_at = CASE WHEN $8 THEN clock_timestamp() ELSE executed_at END,
       update_time = clock_timestamp()
     WHERE operation_id = $1 AND state = ANY($2::text[]) RETURNING ${COLUMNS}`,
    [
      id,
      from,
      to,
      changes.progress ?? null,
      changes.result ? JSON.stringify(changes.result) : null,
      changes.error ? JSON.stringify(changes.error) : null,
      changes.result ? changes.result.confidence : null,
      final,
    ],
  );
  if (!rows[0]) return undefined;
  await notify(tx, tenantId, id);
  return toJson(rows[0]);
}
