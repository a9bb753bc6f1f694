// Runs recorded operations on the inference backends. The row is written
// (PENDING, with the backend's name) by the handler before dispatch, together
// with its job (store/jobs-repo.ts), leased by this instance; every later
// state is a conditional update, so a cancel from any instance wins over a
// run that has not yet finished, and the run notices at its next progress
// report.
//
// Durability (issue 10): each progress write checks that this instance still
// holds the job's lease, and the outcome is written in the transaction that
// removes the job, so it is written once. A run interrupted by a crash is
// claimed by the sweep of any instance (domain/jobs.ts) once the lease
// expires and runs again: the simulation is deterministic (the seed is the
// request's, or derived from the scenario), and a Ray job's id is derived from
// the operation id, so a re-dispatch attaches to the same job. A run
// interrupted maxAttempts times ends FAILED. On stop() local runs
// are aborted and their jobs handed back, uncounted, for another instance
// (or the next start) to resume; the operation stays RUNNING meanwhile.
import type { Operation, RunSimulationRequest } from "@sovren/contracts/zod";
import { InferenceError, redactPaths, BackendFailedError } from "@sovren/inference";
import { DatabaseUnavailableError, type Db, type Queryable } from "../store/db.js";
import { finishJob, holdsJob, insertJob, releaseJob, type ClaimedJob } from "../store/jobs-repo.js";
import { getOperation, transition } from "../store/operations-repo.js";
import type { InferenceBackend } from "../inference/backend.js";
import type { InferenceRouter } from "../inference/router.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { JobQueue } from "./jobs.js";

export interface Dispatch {
  operationId: string;
  tenantId: string;
  backend: InferenceBackend;
  request: RunSimulationRequest;
  traceparent?: string;
  /** Re-dispatch of an operation that may already be RUNNING (recovery). */
  resume?: boolean;
}

/** cancelled: by a tenant; shutdown: this instance stops; lost: another instance holds the lease now. */
type AbortReason = "cancelled" | "shutdown" | "lost";

/** Whether the backend's work outlives this process (and can be attached to again). */
const outOfProcess = (b: InferenceBackend) => typeof b.cancel === "function";

const KIND = "simulation";

export class OperationRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly tasks = new Set<Promise<void>>();
  /** In-process waiters for an outcome this instance records (RunSimulation's wait). */
  private readonly waiters = new Map<string, Set<(op: Operation) => void>>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly inference: InferenceRouter,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly jobs: JobQueue,
  ) {
    jobs.on(KIND, (job) => this.track(this.resume(job), job.tenantId, job.id));
  }

  /** In the transaction that inserts the operation: its job, leased by this instance. */
  claimNew(tx: Queryable, tenantId: string, operationId: string): Promise<void> {
    return insertJob(tx, { kind: KIND, id: operationId, tenantId, owner: this.jobs.owner });
  }

  /**
   * Resolves with the operation once this instance has recorded its outcome
   * (committed), or never; `dispose` forgets the waiter. A run that finishes
   * elsewhere (after a crash or a handover) is not seen here: the caller's
   * timeout then re-reads the row.
   */
  whenDone(operationId: string): { done: Promise<Operation>; dispose: () => void } {
    let set = this.waiters.get(operationId);
    if (!set) this.waiters.set(operationId, (set = new Set()));
    let cb!: (op: Operation) => void;
    const done = new Promise<Operation>((resolve) => (cb = resolve));
    set.add(cb);
    const s = set;
    return {
      done,
      dispose: () => {
        s.delete(cb);
        if (s.size === 0 && this.waiters.get(operationId) === s) this.waiters.delete(operationId);
      },
    };
  }

  private settle(operationId: string, op: Operation | undefined): void {
    if (!op) return;
    for (const cb of this.waiters.get(operationId) ?? []) cb(op);
  }

  /** Starts the run in the background; the caller has already answered 202. */
  dispatch(d: Dispatch): void {
    if (this.running.has(d.operationId)) return; // already followed here
    if (this.stopped) {
      // Accepted while stopping: hand the job back for another instance.
      this.track(this.db.transaction(d.tenantId, (tx) => releaseJob(tx, KIND, d.operationId, this.jobs.owner)).then(() => {}));
      return;
    }
    this.track(this.run(d), d.tenantId, d.operationId);
  }

  /**
   * Follows a run or resumption. If it throws (the database failed while
   * recording a state), the job is handed back, counted, so that an instance
   * retries it; the release itself is retried every sweep interval until the
   * database answers, so the job can never stay leased to a live instance
   * that no longer runs it.
   */
  private track(p: Promise<unknown>, tenantId?: string, operationId?: string): void {
    const task = p.then(
      () => {},
      async (err) => {
        // A database outage while recording a state is not a bug: warn, and hand the job back.
        const level = err instanceof DatabaseUnavailableError ? "warn" : "error";
        this.log[level]("operation runner failed", { operationId, error: String(err) });
        if (tenantId && operationId) await this.handBack(tenantId, operationId);
      },
    );
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private async handBack(tenantId: string, operationId: string): Promise<void> {
    for (;;) {
      try {
        await this.db.transaction(tenantId, (tx) => releaseJob(tx, KIND, operationId, this.jobs.owner, true));
        return;
      } catch (err) {
        if (this.stopped) return; // the lease lapses with this instance's row
        this.log.warn("could not hand an operation's job back; retrying", { operationId, error: String(err) });
        await new Promise((r) => setTimeout(r, this.jobs.config.sweepMs));
      }
    }
  }

  /** A job the sweep claimed: an operation whose instance crashed or stopped. */
  private async resume(job: ClaimedJob): Promise<void> {
    const { tenantId, id } = job;
    if (this.stopped) {
      await this.db.transaction(tenantId, (tx) => releaseJob(tx, KIND, id, this.jobs.owner));
      return;
    }
    const op = await this.db.transaction(tenantId, async (tx) => {
      const o = await getOperation(tx, id);
      if (!o || o.done) {
        await finishJob(tx, KIND, id); // finished or cancelled meanwhile: nothing to resume
        return undefined;
      }
      const max = this.jobs.config.maxAttempts;
      if (job.attempt > max) {
        const failed = await transition(tx, tenantId, id, ["pending", "running"], "failed", {
          error: {
            code: "aborted",
            message: `the run was interrupted ${max} times (the server running it crashed or could not record it); giving up`,
          },
        });
        await finishJob(tx, KIND, id);
        if (failed) this.metrics.operations.inc({ state: "failed", backend: o.backend });
        const remote = this.inference.get(o.backend);
        if (remote && outOfProcess(remote)) this.stopRemote(remote, id); // a Ray job still going
        return undefined;
      }
      const backend = this.inference.get(o.backend);
      if (!backend) {
        const failed = await transition(tx, tenantId, id, ["pending", "running"], "failed", {
          error: { code: "unavailable", message: `inference backend ${o.backend} is not configured on the server that resumed this operation` },
        });
        await finishJob(tx, KIND, id);
        if (failed) this.metrics.operations.inc({ state: "failed", backend: o.backend });
        return undefined;
      }
      return { backend, request: o.parameters as RunSimulationRequest };
    });
    if (!op) return;
    this.log.info("resuming operation", { operationId: id, tenantId, attempt: job.attempt, backend: op.backend.name });
    await this.run({ operationId: id, tenantId, backend: op.backend, request: op.request, resume: true });
  }

  /** Aborts the run here if this instance runs it (the DB state is already CANCELLED). */
  abortLocal(operationId: string): void {
    this.running.get(operationId)?.abort("cancelled" satisfies AbortReason);
  }

  /** After the row went CANCELLED: stops the local run and the backend's out-of-process work (a Ray job). */
  cancel(operationId: string, backendName: string): void {
    this.abortLocal(operationId);
    const backend = this.inference.get(backendName);
    if (backend?.cancel) this.stopRemote(backend, operationId);
  }

  private stopRemote(backend: InferenceBackend, operationId: string): void {
    backend.cancel!(operationId).catch((err) =>
      this.log.warn("could not stop the backend's work", { operationId, backend: backend.name, error: String(err) }),
    );
  }

  private async run(d: Dispatch): Promise<void> {
    const { tenantId, operationId, backend } = d;
    if (this.running.has(operationId)) return;
    const owner = this.jobs.owner;
    const controller = new AbortController();
    this.running.set(operationId, controller);
    this.metrics.inflightOperations.inc();
    const name = backend.name;
    type Changes = Parameters<typeof transition>[5];
    const set = (from: ("pending" | "running")[], to: "running" | "cancelled", changes?: Changes) =>
      this.db.transaction(tenantId, async (tx) => {
        if (!(await holdsJob(tx, KIND, operationId, owner))) return "lost" as const;
        return transition(tx, tenantId, operationId, from, to, changes);
      });
    /** Records the outcome and removes the job, in one transaction, if this instance still holds it. */
    const finish = (to: "succeeded" | "failed" | "cancelled", changes: Changes) =>
      this.db.transaction(tenantId, async (tx) => {
        if (!(await finishJob(tx, KIND, operationId, owner))) return undefined;
        return transition(tx, tenantId, operationId, ["running"], to, changes);
      });
    const dropJob = () => this.db.transaction(tenantId, (tx) => finishJob(tx, KIND, operationId));
    try {
      const started = await set(d.resume ? ["pending", "running"] : ["pending"], "running");
      if (started === "lost") return;
      if (!started) {
        await dropJob(); // cancelled (or finished) before it started
        return;
      }
      if (!d.resume) this.metrics.operations.inc({ state: "running", backend: name });
      try {
        const result = await backend.run(d.request, {
          operationId,
          signal: controller.signal,
          ...(d.traceparent ? { traceparent: d.traceparent } : {}),
          metadata: { tenant_id: tenantId },
          onProgress: async (progress) => {
            // Progress is best effort: a database blip must not fail the run
            // (the outcome write, which must not be lost, is handled by track()).
            const still = await set(["running"], "running", { progress }).catch((err) => {
              this.log.warn("could not record progress", { operationId, error: String(err) });
              return "skipped" as const;
            });
            if (still === "skipped") return;
            if (still === "lost") controller.abort("lost" satisfies AbortReason);
            else if (!still) controller.abort("cancelled" satisfies AbortReason); // cancelled elsewhere
          },
        });
        const done = await finish("succeeded", { progress: 1, result });
        this.settle(operationId, done);
        if (done) this.metrics.operations.inc({ state: "succeeded", backend: name });
        else await this.afterLostOrCancelled(tenantId, operationId);
      } catch (err) {
        const reason = controller.signal.aborted ? (controller.signal.reason as AbortReason) : undefined;
        if (reason === "cancelled") {
          // Already CANCELLED in the database; make sure out-of-process work stops too
          // (the cancel may have raced the job's submission).
          if (outOfProcess(backend)) this.stopRemote(backend, operationId);
          await dropJob();
          return;
        }
        if (reason === "lost") return; // another instance runs it now
        if (reason === "shutdown") {
          // Hand the job back, uncounted; the operation stays RUNNING until an
          // instance resumes it (a Ray job goes on meanwhile and is attached to again).
          await this.db.transaction(tenantId, (tx) => releaseJob(tx, KIND, operationId, owner));
          return;
        }
        if (err instanceof InferenceError && err.code === "canceled") {
          // The backend stopped the work itself (a Ray job stopped from outside).
          const cancelled = await finish("cancelled", { error: { code: "canceled", message: redactPaths(err.message) } });
          if (cancelled) this.metrics.operations.inc({ state: "cancelled", backend: name });
          return;
        }
        this.log.warn("operation failed", { operationId, backend: name, error: String(err), detail: err instanceof Error && err.cause ? String(err.cause) : undefined });
        const failed = await finish("failed", { error: operationError(err, name) });
        this.settle(operationId, failed);
        if (failed) this.metrics.operations.inc({ state: "failed", backend: name });
      }
    } finally {
      this.running.delete(operationId);
      this.metrics.inflightOperations.dec();
    }
  }

  /** The outcome was not written: the operation was cancelled meanwhile (drop its job) or another instance holds it. */
  private async afterLostOrCancelled(tenantId: string, operationId: string): Promise<void> {
    await this.db.transaction(tenantId, async (tx) => {
      const o = await getOperation(tx, operationId);
      if (o?.done) await finishJob(tx, KIND, operationId);
    });
  }

  /**
   * Aborts local runs and hands their jobs back (not counted as attempts), so
   * that another instance, or this one's next start, resumes them; the
   * operations stay RUNNING. Jobs claimed or accepted after this are handed
   * back at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const c of this.running.values()) c.abort("shutdown" satisfies AbortReason);
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }
}

/**
 * The error recorded on the operation, which tenants read: input errors and
 * a job's own error verbatim (paths redacted), backend faults as a generic
 * message naming the backend (details go to the log only).
 */
export function operationError(err: unknown, backend: string): { code: string; message: string } {
  if (err instanceof InferenceError) {
    if (err.code === "invalid_argument" || err instanceof BackendFailedError) return { code: err.code, message: redactPaths(err.message) };
    if (err.public) return { code: err.code, message: err.message };
    if (err.code === "unavailable") return { code: "unavailable", message: `inference backend ${backend} is unavailable` };
    if (err.code === "deadline_exceeded") return { code: "deadline_exceeded", message: `inference backend ${backend} did not answer in time` };
  }
  return { code: "internal", message: `inference backend ${backend} failed` };
}
