// The audit ledger: appends one hash-chained record per state-changing call,
// in the caller's transaction, so a change and its record commit together or
// not at all. Records hold no personal data in clear: the acting subject is
// an HMAC pseudonym and the request and result are HMAC digests (keyed, so a
// small request cannot be confirmed by hashing guesses). The chain rule is in
// docs/audit-ledger.md; verification is in audit-verify.ts.
import { createHash, createHmac, randomUUID } from "node:crypto";
import type { Queryable } from "../store/db.js";
import { num } from "../store/rows.js";
import { canonicalJson } from "./canonical-json.js";

export const GENESIS_HASH = "0".repeat(64);

/** The actions the ledger records. */
export type AuditAction =
  | "executive.commission"
  | "executive.update"
  | "executive.retire"
  | "simulation.run"
  | "operation.cancel"
  | "communication.send"
  | "key.rotate"
  | "subject.erase";

/** A record as stored and as the API returns it. */
export interface AuditRecord {
  recordId: string;
  tenantId: string;
  seq: string;
  actor: string;
  action: string;
  resource: string;
  requestId: string;
  time: string;
  requestHash: string;
  resultHash: string;
  prevHash: string;
  hash: string;
}

/** The hash of a record: sha-256 (hex) of the JCS form of every field but `hash`. */
export function recordHash(r: Omit<AuditRecord, "hash">): string {
  const canonical = canonicalJson({
    action: r.action,
    actor: r.actor,
    prevHash: r.prevHash,
    recordId: r.recordId,
    requestHash: r.requestHash,
    requestId: r.requestId,
    resource: r.resource,
    resultHash: r.resultHash,
    seq: r.seq,
    tenantId: r.tenantId,
    time: r.time,
  });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

export function toAuditRecord(row: Record<string, unknown>): AuditRecord {
  return {
    recordId: String(row.id),
    tenantId: String(row.tenant_id),
    seq: String(num(row.seq)),
    actor: String(row.actor),
    action: String(row.action),
    resource: String(row.resource),
    requestId: String(row.request_id),
    time: String(row.time),
    requestHash: String(row.request_hash),
    resultHash: String(row.result_hash),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

export const AUDIT_COLUMNS = "id, tenant_id, seq, actor, action, resource, request_id, time, request_hash, result_hash, prev_hash, hash";

// Serialises appends per tenant until commit (the chain has one head).
const LOCK_CLASS = 7_220_419;

export interface AuditEntry {
  /** The acting subject in clear (JWT sub, api-key:<id>); only its pseudonym is stored. */
  subject: string;
  action: AuditAction;
  resource: string;
  requestId: string;
  request: unknown;
  result: unknown;
}

export class AuditLedger {
  readonly #key: Buffer;

  constructor(pseudonymKey: string | Buffer) {
    this.#key = Buffer.isBuffer(pseudonymKey) ? pseudonymKey : Buffer.from(pseudonymKey, "utf8");
  }

  /** The pseudonym of a subject within a tenant: HMAC-SHA256(key, tenant NUL subject), hex. */
  pseudonym(tenantId: string, subject: string): string {
    return createHmac("sha256", this.#key).update(`${tenantId}\u0000${subject}`, "utf8").digest("hex");
  }

  /** A keyed digest of a JSON value (its JCS form). */
  digest(value: unknown): string {
    return createHmac("sha256", this.#key).update(canonicalJson(value ?? null), "utf8").digest("hex");
  }

  /** Appends a record to the tenant's chain in `tx` (the transaction of the change it records). */
  async append(tx: Queryable, tenantId: string, entry: AuditEntry): Promise<AuditRecord> {
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, tenantId]);
    const { rows } = await tx.query("SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1", [tenantId]);
    const head = rows[0];
    const body: Omit<AuditRecord, "hash"> = {
      recordId: randomUUID(),
      tenantId,
      seq: String(head ? num(head.seq) + 1 : 1),
      actor: this.pseudonym(tenantId, entry.subject),
      action: entry.action,
      resource: entry.resource,
      requestId: entry.requestId,
      time: new Date().toISOString(),
      requestHash: this.digest(entry.request),
      resultHash: this.digest(entry.result),
      prevHash: head ? String(head.hash) : GENESIS_HASH,
    };
    const record = { ...body, hash: recordHash(body) };
    await tx.query(
      `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [record.recordId, tenantId, record.seq, record.actor, record.action, record.resource, record.requestId, record.time, record.requestHash, record.resultHash, record.prevHash, record.hash],
    );
    return record;
  }
}

/** A page of a tenant's records in chain order, after `afterSeq`. */
export async function listAuditRecords(tx: Queryable, tenantId: string, afterSeq: string | undefined, limit: number): Promise<AuditRecord[]> {
  const { rows } = await tx.query(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [tenantId, afterSeq ?? "0", limit],
  );
  return rows.map(toAuditRecord);
}

/** The tenant's chain head, or seq "0" and the genesis hash for an empty chain. */
export async function auditHead(tx: Queryable, tenantId: string): Promise<{ seq: string; hash: string; recordId: string }> {
  const { rows } = await tx.query("SELECT id, seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1", [tenantId]);
  const r = rows[0];
  return r ? { seq: String(num(r.seq)), hash: String(r.hash), recordId: String(r.id) } : { seq: "0", hash: GENESIS_HASH, recordId: "" };
}
