// Runs recorded operations on the inference backend. The row is written
// (PENDING) by the handler before dispatch; every later state is a
// conditional update, so a cancel from any instance wins over a run that has
// not yet finished, and the run notices at its next progress report.
import type { Db } from "../store/db.js";
import { transition } from "../store/operations-repo.js";
import type { InferenceBackend, InferenceRequest } from "../inference/backend.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

export class OperationRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly tasks = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly backend: InferenceBackend,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  get backendName(): string {
    return this.backend.name;
  }

  /** Starts the run in the background; the caller has already answered 202. */
  dispatch(request: InferenceRequest): void {
    const task = this.run(request).catch((err) =>
      this.log.error("operation runner failed", { operationId: request.operationId, error: String(err) }),
    );
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** Aborts the run here if this instance runs it (the DB state is already CANCELLED). */
  abortLocal(operationId: string): void {
    this.running.get(operationId)?.abort();
  }

  private async run(request: InferenceRequest): Promise<void> {
    const { tenantId, operationId } = request;
    const controller = new AbortController();
    this.running.set(operationId, controller);
    this.metrics.inflightOperations.inc();
    const backend = this.backend.name;
    try {
      const started = await this.db.transaction(tenantId, (tx) =>
        transition(tx, tenantId, operationId, ["pending"], "running"),
      );
      if (!started) return; // cancelled before it started
      this.metrics.operations.inc({ state: "running", backend });
      try {
        const result = await this.backend.run(request, {
          signal: controller.signal,
          onProgress: async (progress) => {
            const still = await this.db.transaction(tenantId, (tx) =>
              transition(tx, tenantId, operationId, ["running"], "running", { progress }),
            );
            if (!still) controller.abort(); // cancelled elsewhere
          },
        });
        const done = await this.db.transaction(tenantId, (tx) =>
          transition(tx, tenantId, operationId, ["running"], "succeeded", { progress: 1, result }),
        );
        if (done) this.metrics.operations.inc({ state: "succeeded", backend });
      } catch (err) {
        if (controller.signal.aborted) {
          // Cancelled (already recorded) or shutting down (recorded here).
          const failed = await this.db.transaction(tenantId, (tx) =>
            transition(tx, tenantId, operationId, ["running"], "failed", {
              error: { code: "aborted", message: "the server stopped before the run finished" },
            }),
          );
          if (failed) this.metrics.operations.inc({ state: "failed", backend });
          return;
        }
        this.log.warn("operation failed", { operationId, backend, error: String(err) });
        await this.db.transaction(tenantId, (tx) =>
          transition(tx, tenantId, operationId, ["running"], "failed", {
            error: { code: "unavailable", message: `inference backend ${backend} failed` },
          }),
        );
        this.metrics.operations.inc({ state: "failed", backend });
      }
    } finally {
      this.running.delete(operationId);
      this.metrics.inflightOperations.dec();
    }
  }

  /** Aborts local runs and waits for them to record their final state. */
  async stop(): Promise<void> {
    for (const c of this.running.values()) c.abort();
    await Promise.allSettled([...this.tasks]);
  }
}
