// Erasure of a data subject (GDPR Art. 17) as durable work. The request
// records the erasure's operation and its job (leased by this instance) in one
// transaction, with the audit record; the erasure itself is one tenant
// transaction that deletes the subject's data, records the outcome and
// removes the job (whose payload was the only place the subject's identifiers
// were kept in clear). A crash before that commit leaves the job to the sweep
// (domain/jobs.ts), which runs it again: erasure is idempotent.
import type { Db } from "../store/db.js";
import { eraseSubjectData, erasureJobPayload, finishErasureOperation, insertErasureJob, type ErasurePayload } from "../store/erasure-repo.js";
import { finishJob, releaseJob, type ClaimedJob } from "../store/jobs-repo.js";
import type { Queryable } from "../store/db.js";
import type { Logger } from "../observability/logger.js";
import type { JobQueue } from "./jobs.js";

const KIND = "erasure";

export class ErasureRunner {
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly jobs: JobQueue,
    private readonly log: Logger,
    /** Stops a simulation whose operation the erasure removed. */
    private readonly stopRun: (operationId: string, backend: string) => void,
  ) {
    jobs.on(KIND, (job) => this.track(this.run(job.tenantId, job.id, job)));
  }

  /** In the transaction that records the erasure's operation: its job, leased by this instance. */
  claimNew(tx: Queryable, tenantId: string, operationId: string, payload: ErasurePayload): Promise<void> {
    return insertErasureJob(tx, { id: operationId, tenantId, owner: this.jobs.owner, payload });
  }

  /** Runs the erasure in the background; the caller has already answered 202. */
  dispatch(tenantId: string, operationId: string): void {
    this.track(this.run(tenantId, operationId));
  }

  private track(p: Promise<void>) {
    const tracked = p.catch((err) => this.log.warn("erasure failed; it will be retried", { error: String(err) })).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async run(tenantId: string, operationId: string, claimed?: ClaimedJob): Promise<void> {
    if (this.stopped) return;
    try {
      const stopped = await this.db.transaction(tenantId, async (tx) => {
        const payload = await erasureJobPayload(tx, operationId, this.jobs.owner);
        if (!payload) return []; // done meanwhile, or another instance holds it
        if (claimed && claimed.attempt > this.jobs.config.maxAttempts) {
          await finishErasureOperation(tx, operationId, {
            error: { code: "aborted", message: `the erasure was interrupted ${this.jobs.config.maxAttempts} times; giving up (run it again)` },
          });
          await finishJob(tx, KIND, operationId);
          return [];
        }
        const counts = await eraseSubjectData(tx, tenantId, payload);
        const { stopped: running, ...result } = counts;
        // A cancelled erasure has erased nothing: the transaction is rolled back.
        if (!(await finishErasureOperation(tx, operationId, { result }))) throw new CancelledErasure();
        await finishJob(tx, KIND, operationId);
        return running;
      });
      for (const r of stopped) this.stopRun(r.operationId, r.backend);
      this.log.info("subject erased", { operationId, tenantId });
    } catch (err) {
      if (err instanceof CancelledErasure) {
        await this.db.transaction(tenantId, (tx) => finishJob(tx, KIND, operationId));
        return;
      }
      // Hand the job back (counted) so that the sweep retries it.
      await this.db.transaction(tenantId, (tx) => releaseJob(tx, KIND, operationId, this.jobs.owner, true)).catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }
}

class CancelledErasure extends Error {}
