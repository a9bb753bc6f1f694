// SQL for durable work (migration 002): the jobs of each tenant, leased by
// server instances whose liveness is their row in sovren_workers.
//
// Tenant side (inside a tenant transaction, under row-level security):
// insert a job already leased by the accepting instance, check or finish it
// only while still holding the lease, and hand it back on shutdown.
// Instance side (owner transaction): register and heartbeat the instance, and
// claim expired or due jobs of every tenant through sovren_claim_jobs.
import type { OwnerSession, Queryable } from "./db.js";

export type JobKind = "simulation" | "delivery" | "erasure";

export interface ClaimedJob {
  tenantId: string;
  kind: JobKind;
  id: string;
  /** 1 for the first run; more after crashes. */
  attempt: number;
}

/** Inserts a job leased by `owner` (its first attempt), due after `delayMs`. */
export async function insertJob(
  tx: Queryable,
  j: { kind: JobKind; id: string; tenantId: string; owner: string; delayMs?: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO jobs (kind, id, tenant_id, due_at, lease_owner, attempts, claim_time)
     VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $5::double precision / 1000), $4, 1, clock_timestamp())`,
    [j.kind, j.id, j.tenantId, j.owner, j.delayMs ?? 0],
  );
}

/** Whether `owner` still holds the job's lease. */
export async function holdsJob(tx: Queryable, kind: JobKind, id: string, owner: string): Promise<boolean> {
  const { rows } = await tx.query("SELECT 1 FROM jobs WHERE kind = $1 AND id = $2 AND lease_owner = $3", [kind, id, owner]);
  return rows.length === 1;
}

/**
 * Removes the job if `owner` holds it (or whoever does, when owner is
 * undefined); true when it did. Called in the transaction that records the
 * work's outcome, so the outcome is written exactly once.
 */
export async function finishJob(tx: Queryable, kind: JobKind, id: string, owner?: string): Promise<boolean> {
  const { rows } = await tx.query(
    "DELETE FROM jobs WHERE kind = $1 AND id = $2 AND ($3::text IS NULL OR lease_owner = $3::text) RETURNING id",
    [kind, id, owner ?? null],
  );
  return rows.length === 1;
}

/**
 * Hands the job back (free) so that any instance resumes it: on a clean stop
 * the attempt is not counted; after a failure to record the outcome it is.
 */
export async function releaseJob(tx: Queryable, kind: JobKind, id: string, owner: string, counted = false): Promise<boolean> {
  const { rows } = await tx.query(
    `UPDATE jobs SET lease_owner = NULL, attempts = CASE WHEN $4 THEN attempts ELSE greatest(attempts - 1, 0) END
     WHERE kind = $1 AND id = $2 AND lease_owner = $3 RETURNING id`,
    [kind, id, owner, counted],
  );
  return rows.length === 1;
}

/** Registers or renews this instance for `leaseMs`; false when its row had lapsed (its jobs may have moved). */
export async function heartbeatWorker(tx: OwnerSession, owner: string, leaseMs: number): Promise<boolean> {
  const { rows } = await tx.query<{ lapsed: boolean }>(
    `WITH old AS (SELECT expires_at FROM sovren_workers WHERE id = $1)
     INSERT INTO sovren_workers AS w (id, expires_at)
     VALUES ($1, clock_timestamp() + make_interval(secs => $2::double precision / 1000))
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = clock_timestamp(), expires_at = EXCLUDED.expires_at
     RETURNING COALESCE((SELECT expires_at FROM old) <= clock_timestamp(), false) AS lapsed`,
    [owner, leaseMs],
  );
  return rows[0]?.lapsed !== true;
}

/** Removes this instance's row: every lease it still holds is void at once. */
export async function retireWorker(tx: OwnerSession, owner: string): Promise<void> {
  await tx.query("DELETE FROM sovren_workers WHERE id = $1", [owner]);
}

/**
 * Voids every other instance's row (PGlite only: its data directory is open
 * in one process at a time, so no other instance can be alive).
 */
export async function retireOtherWorkers(tx: OwnerSession, owner: string): Promise<void> {
  await tx.query("DELETE FROM sovren_workers WHERE id <> $1", [owner]);
}

/** Forgets rows of instances gone for a day. */
export async function pruneWorkers(tx: OwnerSession): Promise<void> {
  await tx.query("DELETE FROM sovren_workers WHERE expires_at < clock_timestamp() - interval '1 day'");
}

/** Claims up to `limit` due jobs that are free or whose owner's lease expired (any tenant). */
export async function claimJobs(tx: OwnerSession, owner: string, limit: number): Promise<ClaimedJob[]> {
  const { rows } = await tx.query<{ job_tenant: string; job_kind: JobKind; job_id: string; job_attempts: number }>(
    "SELECT job_tenant, job_kind, job_id, job_attempts FROM sovren_claim_jobs($1, $2)",
    [owner, limit],
  );
  return rows.map((r) => ({ tenantId: r.job_tenant, kind: r.job_kind, id: String(r.job_id), attempt: Number(r.job_attempts) }));
}
