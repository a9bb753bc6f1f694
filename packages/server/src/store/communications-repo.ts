// SQL for communications. Status changes NOTIFY so that watchers on every
// server instance hear about them.
import type { Communication, CommunicationStatus } from "@sovren/contracts/zod";
import type { Queryable, Row } from "./db.js";
import { CHANGES_CHANNEL, iso } from "./rows.js";

export type DbCommunicationStatus = "sent" | "delivered" | "failed";

const COLUMNS = "message_id, seq, executive_id, recipient, message, status, failure_reason, create_time, update_time";

export const toJsonStatus = (s: DbCommunicationStatus) =>
  `COMMUNICATION_STATUS_${s.toUpperCase()}` as CommunicationStatus;

export function fromJsonStatus(s: CommunicationStatus): DbCommunicationStatus | undefined {
  return s === "COMMUNICATION_STATUS_UNSPECIFIED"
    ? undefined
    : (s.slice("COMMUNICATION_STATUS_".length).toLowerCase() as DbCommunicationStatus);
}

function toJson(r: Row): Communication {
  return {
    messageId: String(r.message_id),
    executiveId: String(r.executive_id),
    recipient: String(r.recipient),
    message: String(r.message),
    status: toJsonStatus(r.status as DbCommunicationStatus),
    timestamp: iso(r.create_time),
    updateTime: iso(r.update_time),
    failureReason: String(r.failure_reason ?? ""),
  };
}

async function notify(tx: Queryable, tenantId: string, id: string) {
  await tx.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, JSON.stringify({ tenantId, kind: "communication", id })]);
}

export async function insertCommunication(
  tx: Queryable,
  c: { id: string; tenantId: string; executiveId: string; recipient: string; message: string },
): Promise<Communication> {
  const { rows } = await tx.query(
    `INSERT INTO communications (message_id, tenant_id, executive_id, recipient, message, status)
     VALUES ($1, $2, $3, $4, $5, 'sent') RETURNING ${COLUMNS}`,
    [c.id, c.tenantId, c.executiveId, c.recipient, c.message],
  );
  await notify(tx, c.tenantId, c.id);
  return toJson(rows[0]!);
}

export async function getCommunication(tx: Queryable, id: string): Promise<Communication | undefined> {
  const { rows } = await tx.query(`SELECT ${COLUMNS} FROM communications WHERE message_id = $1`, [id]);
  return rows[0] ? toJson(rows[0]) : undefined;
}

/** Communications that changed at or after `since`, oldest change first (a watch re-reading after a resync). */
export async function changedSince(tx: Queryable, since: string, limit: number): Promise<Communication[]> {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM communications WHERE update_time >= $1::timestamptz ORDER BY update_time, seq LIMIT $2`,
    [since, limit],
  );
  return rows.map(toJson);
}

export async function listCommunications(
  tx: Queryable,
  q: { afterSeq?: string; limit: number; executiveId?: string; status?: DbCommunicationStatus },
) {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM communications
     WHERE ($1::bigint IS NULL OR seq < $1::bigint)
       AND ($2::uuid IS NULL OR executive_id = $2::uuid)
       AND ($3::text IS NULL OR status = $3::text)
     ORDER BY seq DESC LIMIT $4`,
    [q.afterSeq ?? null, q.executiveId ?? null, q.status ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(toJson),
    lastSeq: page.length ? String(page[page.length - 1]!.seq) : undefined,
    more: rows.length > q.limit,
  };
}

/** Settles a sent communication; undefined when it was already settled. */
export async function settleCommunication(
  tx: Queryable,
  tenantId: string,
  id: string,
  status: "delivered" | "failed",
  failureReason = "",
): Promise<Communication | undefined> {
  const { rows } = await tx.query(
    `UPDATE communications SET status = $2, failure_reason = $3, update_time = clock_timestamp()
     WHERE message_id = $1 AND status = 'sent' RETURNING ${COLUMNS}`,
    [id, status, failureReason],
  );
  if (!rows[0]) return undefined;
  await notify(tx, tenantId, id);
  return toJson(rows[0]);
}
