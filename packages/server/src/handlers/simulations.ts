// SimulationService.RunSimulation: picks the backend (quick → Triton or Ray
// Serve, batch → Ray Jobs; UNSPECIFIED is quick up to SOVREN_QUICK_TRIALS_MAX
// trials), records the operation (PENDING, with the backend's name) first,
// then dispatches it, and answers at once with the operation.
//
// A backend whose circuit breaker is open refuses the request BEFORE the row
// is written: 503 `unavailable` with Retry-After, no operation, and (through
// the idempotency layer) the Idempotency-Key released, so a retry with the
// same key creates exactly one operation. A backend that fails after the row
// was written (its breaker still closed) ends the operation FAILED with the
// backend's error.
//
// With `waitSeconds` (or REST's `Prefer: wait=N`), the answer waits up to that
// long for this instance to record the outcome and returns the done
// operation: a quick simulation in one round trip, recorded as always. On a
// timeout, a shutdown or a client gone, the current row is returned instead.
import { randomUUID } from "node:crypto";
import type { RunSimulationRequest } from "@sovren/contracts/zod";
import { ApiError, notFound } from "../domain/errors.js";
import { getExecutive } from "../store/executives-repo.js";
import { getOperation, insertOperation } from "../store/operations-repo.js";
import type { Operation } from "@sovren/contracts/zod";
import { audit, type Call, type Services } from "./services.js";

export async function runSimulation(
  svc: Services,
  call: Call & { principal: NonNullable<Call["principal"]> },
  req: RunSimulationRequest,
) {
  const tenantId = call.principal.tenantId;
  const backend = svc.inference.route(req);
  const refused = backend.unavailable?.();
  if (refused) {
    throw new ApiError("unavailable", `inference backend ${backend.name} is unavailable; retry after ${refused.retryAfterSeconds} s`, {
      retryAfter: refused.retryAfterSeconds,
    });
  }
  // Under an Idempotency-Key the id is the key's, so a retry after a crash
  // finds the operation the crashed attempt created (and its job, which the
  // sweep resumes) instead of creating a second one.
  const operationId = call.resourceId ?? randomUUID();
  const { waitSeconds = 0, ...parameters } = req;
  const { operation, created } = await svc.db.transaction(tenantId, async (tx) => {
    if (call.resourceId) {
      const prior = await getOperation(tx, operationId);
      if (prior) return { operation: prior, created: false };
    }
    if (req.executiveId) {
      const executive = await getExecutive(tx, req.executiveId);
      if (!executive) throw notFound("executive", req.executiveId);
      if (executive.state !== "EXECUTIVE_STATE_ACTIVE") {
        throw new ApiError("failed_precondition", `executive ${req.executiveId} is retired`);
      }
    }
    const inserted = await insertOperation(tx, {
      id: operationId,
      tenantId,
      userId: req.userId,
      ...(req.executiveId ? { executiveId: req.executiveId } : {}),
      parameters,
      backend: backend.name,
    });
    // Its durable job, leased by this instance (domain/jobs.ts).
    await svc.runner.claimNew(tx, tenantId, operationId);
    await audit(svc, tx, call, { action: "simulation.run", resource: `operations/${operationId}`, request: req, result: inserted });
    return { operation: inserted, created: true };
  });
  if (operation.done) return { operation };
  const waiter = waitSeconds > 0 ? svc.runner.whenDone(operationId) : undefined;
  try {
    if (created) {
      svc.metrics.operations.inc({ state: "pending", backend: backend.name });
      svc.runner.dispatch({ operationId, tenantId, backend, request: parameters, ...(call.traceparent ? { traceparent: call.traceparent } : {}) });
    }
    if (!waiter) return { operation };
    const done = await within(waiter.done, waitSeconds * 1000, [call.signal, svc.stopping]);
    if (done) return { operation: done };
    return { operation: (await svc.db.once(tenantId, (tx) => getOperation(tx, operationId))) ?? operation };
  } finally {
    waiter?.dispose();
  }
}

/** `p`'s value if it settles within `ms` and before any signal aborts; undefined otherwise. */
function within(p: Promise<Operation>, ms: number, signals: AbortSignal[]): Promise<Operation | undefined> {
  if (signals.some((s) => s.aborted)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const finish = (v: Operation | undefined) => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener("abort", stop);
      resolve(v);
    };
    const stop = () => finish(undefined);
    const timer = setTimeout(stop, ms);
    for (const s of signals) s.addEventListener("abort", stop, { once: true });
    void p.then(finish);
  });
}
