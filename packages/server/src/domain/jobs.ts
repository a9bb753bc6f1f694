// The durable-work loop of one server instance (issue 10). Simulations and
// deliveries are jobs in PostgreSQL (store/jobs-repo.ts); the instance that
// accepts work leases it in the same transaction and runs it at once. This
// class keeps the instance's lease alive (a heartbeat of its sovren_workers
// row) and sweeps: it claims jobs that are due and free (handed back by a
// stopping instance) or whose owner stopped heartbeating (crashed), and hands
// each to the runner of its kind, which processes it in the job's tenant
// transaction.
//
// Bound: a crashed instance's work is claimed at most leaseMs + sweepMs after
// its last heartbeat (PGlite: at the next start, since no other process can
// have its data directory open).
import { randomUUID } from "node:crypto";
import type { Db } from "../store/db.js";
import {
  claimJobs,
  heartbeatWorker,
  pruneWorkers,
  retireOtherWorkers,
  retireWorker,
  type ClaimedJob,
  type JobKind,
} from "../store/jobs-repo.js";
import type { Logger } from "../observability/logger.js";

export interface JobsConfig {
  /** How long an instance's leases outlive its last heartbeat. */
  leaseMs: number;
  /** How often the instance renews its lease. */
  heartbeatMs: number;
  /** How often the instance looks for expired or due jobs. */
  sweepMs: number;
  /** A job started this many times and interrupted each time ends FAILED. */
  maxAttempts: number;
}


const SWEEP_BATCH = 32;

export type JobHandler = (job: ClaimedJob) => void;

export class JobQueue {
  /** This instance's id: the lease owner of every job it runs. */
  readonly owner = randomUUID();
  private readonly handlers = new Map<JobKind, JobHandler>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    readonly config: JobsConfig,
    private readonly log: Logger,
  ) {}

  on(kind: JobKind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Registers this instance (before it accepts work), then heartbeats and sweeps in the background. */
  async start(): Promise<void> {
    await this.db.ownerTransaction(async (tx) => {
      if (this.db.kind === "pglite") await retireOtherWorkers(tx, this.owner);
      await heartbeatWorker(tx, this.owner, this.config.leaseMs);
      await pruneWorkers(tx);
    });
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatMs);
    this.heartbeatTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.sweepMs);
    this.sweepTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped) return;
    try {
      const kept = await this.db.ownerTransaction((tx) => heartbeatWorker(tx, this.owner, this.config.leaseMs));
      if (!kept) this.log.warn("this instance's job leases had lapsed; other instances may have resumed its work", { owner: this.owner });
    } catch (err) {
      this.log.warn("job lease heartbeat failed", { error: String(err) });
    }
  }

  /** Claims due and abandoned jobs and hands them to their runners; resolves with how many. */
  async sweep(): Promise<number> {
    if (this.stopped) return 0;
    if (this.sweeping) {
      await this.sweeping;
      return 0;
    }
    let count = 0;
    const run = (async () => {
      for (;;) {
        const jobs = await this.db.ownerTransaction((tx) => claimJobs(tx, this.owner, SWEEP_BATCH));
        count += jobs.length;
        for (const job of jobs) {
          const handler = this.handlers.get(job.kind);
          if (handler) handler(job);
          else this.log.error("no runner for claimed job", { kind: job.kind, id: job.id });
        }
        if (jobs.length < SWEEP_BATCH || this.stopped) break;
      }
      if (count) this.log.info("resumed jobs", { count });
    })().catch((err) => this.log.warn("job sweep failed", { error: String(err) }));
    this.sweeping = run;
    await run;
    this.sweeping = undefined;
    return count;
  }

  /**
   * Stops heartbeating and sweeping. Call after the runners have handed
   * their jobs back; the instance's row is then removed, so that whatever it
   * still held is claimable at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
    await this.sweeping;
  }

  async retire(): Promise<void> {
    await this.db.ownerTransaction((tx) => retireWorker(tx, this.owner)).catch((err) =>
      this.log.warn("could not retire this instance's job leases", { error: String(err) }),
    );
  }
}
