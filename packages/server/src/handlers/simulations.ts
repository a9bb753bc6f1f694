// SimulationService.RunSimulation: records the operation (PENDING) first,
// then dispatches it, and answers at once with the operation.
import { randomUUID } from "node:crypto";
import type { RunSimulationRequest } from "@sovren/contracts/zod";
import { ApiError, notFound } from "../domain/errors.js";
import { getExecutive } from "../store/executives-repo.js";
import { insertOperation } from "../store/operations-repo.js";
import type { Call, Services } from "./services.js";

/** Above this many trials an unspecified mode runs as batch. */
const QUICK_TRIALS_MAX = 100_000;

export async function runSimulation(
  svc: Services,
  call: Call & { principal: NonNullable<Call["principal"]> },
  req: RunSimulationRequest,
) {
  const tenantId = call.principal.tenantId;
  const operationId = randomUUID();
  const operation = await svc.db.transaction(tenantId, async (tx) => {
    if (req.executiveId) {
      const executive = await getExecutive(tx, req.executiveId);
      if (!executive) throw notFound("executive", req.executiveId);
      if (executive.state !== "EXECUTIVE_STATE_ACTIVE") {
        throw new ApiError("failed_precondition", `executive ${req.executiveId} is retired`);
      }
    }
    return insertOperation(tx, {
      id: operationId,
      tenantId,
      userId: req.userId,
      ...(req.executiveId ? { executiveId: req.executiveId } : {}),
      parameters: req,
      backend: svc.runner.backendName,
    });
  });
  svc.metrics.operations.inc({ state: "pending", backend: svc.runner.backendName });
  const trials = req.trials ?? 10_000;
  svc.runner.dispatch({
    operationId,
    tenantId,
    mode: req.mode === "SIMULATION_MODE_BATCH" || (req.mode !== "SIMULATION_MODE_QUICK" && trials > QUICK_TRIALS_MAX) ? "batch" : "quick",
    input: {
      scenario: req.scenario,
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      trials,
      threshold: req.threshold ?? 0,
      factors: req.factors ?? [],
    },
  });
  return { operation };
}
