// Runs recorded operations on the inference backends. The row is written
// (PENDING, with the backend's name) by the handler before dispatch; every
// later state is a conditional update, so a cancel from any instance wins
// over a run that has not yet finished, and the run notices at its next
// progress report.
//
// Work that runs out of process (Ray jobs: backends with `cancel`) survives
// this process: on shutdown such operations stay RUNNING, and `recover()`
// (called at start-up) dispatches every PENDING/RUNNING one again. The job id
// is derived from the operation id, so that attaches to the same job.
import type { RunSimulationRequest } from "@sovren/contracts/zod";
import { InferenceError, redactPaths, BackendFailedError } from "@sovren/inference";
import type { Db } from "../store/db.js";
import { transition } from "../store/operations-repo.js";
import type { InferenceBackend } from "../inference/backend.js";
import type { InferenceRouter } from "../inference/router.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

export interface Dispatch {
  operationId: string;
  tenantId: string;
  backend: InferenceBackend;
  request: RunSimulationRequest;
  traceparent?: string;
  /** Re-dispatch of an operation that may already be RUNNING (recovery). */
  resume?: boolean;
}

type AbortReason = "cancelled" | "shutdown";

/** Whether the backend's work outlives this process (and can be attached to again). */
const outOfProcess = (b: InferenceBackend) => typeof b.cancel === "function";

export class OperationRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly tasks = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly inference: InferenceRouter,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Starts the run in the background; the caller has already answered 202. */
  dispatch(d: Dispatch): void {
    if (this.running.has(d.operationId)) return; // already followed here
    const task = this.run(d).catch((err) =>
      this.log.error("operation runner failed", { operationId: d.operationId, error: String(err) }),
    );
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
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

  /**
   * Dispatches again every PENDING/RUNNING operation of an out-of-process
   * backend (after a restart or a crash). Reads across tenants as the owner
   * role: that role must see every row (superuser or BYPASSRLS).
   */
  async recover(): Promise<number> {
    const names = this.inference.backends.filter(outOfProcess).map((b) => b.name);
    if (names.length === 0) return 0;
    const { rows } = await this.db.ownerTransaction((tx) =>
      tx.query<{ operation_id: string; tenant_id: string; parameters: RunSimulationRequest; backend: string }>(
        `SELECT operation_id, tenant_id, parameters, backend FROM operations
         WHERE state IN ('pending', 'running') AND backend = ANY($1::text[]) ORDER BY create_time`,
        [names],
      ),
    );
    for (const r of rows) {
      this.dispatch({
        operationId: String(r.operation_id),
        tenantId: r.tenant_id,
        backend: this.inference.get(r.backend)!,
        request: r.parameters,
        resume: true,
      });
    }
    if (rows.length) this.log.info("re-attached operations left running", { count: rows.length, backends: names });
    return rows.length;
  }

  private async run(d: Dispatch): Promise<void> {
    const { tenantId, operationId, backend } = d;
    const controller = new AbortController();
    this.running.set(operationId, controller);
    this.metrics.inflightOperations.inc();
    const name = backend.name;
    const set = (from: ("pending" | "running")[], to: "running" | "succeeded" | "failed" | "cancelled", changes?: Parameters<typeof transition>[5]) =>
      this.db.transaction(tenantId, (tx) => transition(tx, tenantId, operationId, from, to, changes));
    try {
      const started = await set(d.resume ? ["pending", "running"] : ["pending"], "running");
      if (!started) return; // cancelled (or finished) before it started
      if (!d.resume) this.metrics.operations.inc({ state: "running", backend: name });
      try {
        const result = await backend.run(d.request, {
          operationId,
          signal: controller.signal,
          ...(d.traceparent ? { traceparent: d.traceparent } : {}),
          metadata: { tenant_id: tenantId },
          onProgress: async (progress) => {
            const still = await set(["running"], "running", { progress });
            if (!still) controller.abort("cancelled" satisfies AbortReason); // cancelled elsewhere
          },
        });
        const done = await set(["running"], "succeeded", { progress: 1, result });
        if (done) this.metrics.operations.inc({ state: "succeeded", backend: name });
      } catch (err) {
        const reason = controller.signal.aborted ? (controller.signal.reason as AbortReason) : undefined;
        if (reason === "cancelled") {
          // Already CANCELLED in the database; make sure out-of-process work stops too
          // (the cancel may have raced the job's submission).
          if (outOfProcess(backend)) this.stopRemote(backend, operationId);
          return;
        }
        if (reason === "shutdown") {
          // A Ray job goes on without us: leave the operation RUNNING for recover().
          if (outOfProcess(backend)) return;
          const failed = await set(["running"], "failed", {
            error: { code: "aborted", message: "the server stopped before the run finished" },
          });
          if (failed) this.metrics.operations.inc({ state: "failed", backend: name });
          return;
        }
        if (err instanceof InferenceError && err.code === "canceled") {
          // The backend stopped the work itself (a Ray job stopped from outside).
          const cancelled = await set(["running"], "cancelled", { error: { code: "canceled", message: redactPaths(err.message) } });
          if (cancelled) this.metrics.operations.inc({ state: "cancelled", backend: name });
          return;
        }
        this.log.warn("operation failed", { operationId, backend: name, error: String(err), detail: err instanceof Error && err.cause ? String(err.cause) : undefined });
        const failed = await set(["running"], "failed", { error: operationError(err, name) });
        if (failed) this.metrics.operations.inc({ state: "failed", backend: name });
      }
    } finally {
      this.running.delete(operationId);
      this.metrics.inflightOperations.dec();
    }
  }

  /** Aborts local runs and waits for them to record their final state (out-of-process work keeps running). */
  async stop(): Promise<void> {
    for (const c of this.running.values()) c.abort("shutdown" satisfies AbortReason);
    await Promise.allSettled([...this.tasks]);
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
