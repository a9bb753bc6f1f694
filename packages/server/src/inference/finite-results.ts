// Every backend's result is checked before it is recorded: the contract says
// the statistics are numbers, and JSON (REST) cannot carry NaN or ±Infinity
// while protobuf (gRPC) can, so a non-finite value would read as null on one
// transport and as a number on another. The request bounds
// (docs/simulation-algorithm.md) make overflow impossible for a correct
// backend; this is the net under a faulty or out-of-date one. A non-finite
// result fails the backend call, so the operation ends FAILED with a clear
// error instead of SUCCEEDED with wrong numbers.
import type { RunSimulationRequest } from "@sovren/contracts/zod";
import { InferenceError, type InferenceBackend, type RunOptions } from "./backend.js";

const NUMERIC = ["confidence", "expectedValue", "stddev", "p05", "p95"] as const;

/** The name of the first result field that is not a finite number, if any. */
export function nonFiniteField(result: Record<string, unknown>): string | undefined {
  return NUMERIC.find((k) => typeof result[k] !== "number" || !Number.isFinite(result[k]));
}

/** Wraps a backend so that `run` rejects (InferenceError "internal", public) on a non-finite result. */
export function withFiniteResults<B extends InferenceBackend>(backend: B): InferenceBackend {
  const checked: InferenceBackend = {
    name: backend.name,
    ready: (signal) => backend.ready(signal),
    run: async (request: RunSimulationRequest, options: RunOptions) => {
      const result = await backend.run(request, options);
      const field = nonFiniteField(result as unknown as Record<string, unknown>);
      if (field) {
        throw new InferenceError(
          `inference backend ${backend.name} returned a non-finite ${field}; the result was not recorded`,
          "internal",
          backend.name,
          undefined,
          { public: true },
        );
      }
      return result;
    },
  };
  // Optional members only where the backend has them: the runner tells
  // out-of-process backends by the presence of `cancel`.
  if (backend.cancel) checked.cancel = (operationId) => backend.cancel!(operationId);
  if (backend.unavailable) checked.unavailable = () => backend.unavailable!();
  if (backend.close) checked.close = () => backend.close!();
  return checked;
}
