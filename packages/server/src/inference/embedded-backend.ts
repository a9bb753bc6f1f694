// The default backend: the simulation algorithm in this process. Trials run in
// chunks with a yield to the event loop between them, so one large run never
// blocks other requests, progress is reported, and cancellation takes effect
// within one chunk.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { RunSimulationRequest, SimulationResult } from "@sovren/contracts/zod";
import { InferenceError, RunAbortedError, type InferenceBackend, type Readiness, type RunOptions } from "./backend.js";
import { SimulationInputError, SimulationRun, type SimulationInput } from "./simulation.js";

/** Roughly 5 ms of work on one core for a one-factor scenario. */
const CHUNK_FACTOR_DRAWS = 50_000;
/** Progress is written to the database at most this often. */
const PROGRESS_INTERVAL_MS = 250;

/** The algorithm's inputs out of a RunSimulationRequest (routing fields dropped). */
export function simulationInput(req: RunSimulationRequest): SimulationInput {
  return {
    scenario: req.scenario,
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
    ...(req.trials !== undefined ? { trials: req.trials } : {}),
    threshold: req.threshold ?? 0,
    factors: req.factors ?? [],
  };
}

export class EmbeddedBackend implements InferenceBackend {
  readonly name = "embedded";

  async ready(): Promise<Readiness> {
    return { ready: true, message: "in process" };
  }

  async run(request: RunSimulationRequest, { signal, onProgress }: RunOptions): Promise<SimulationResult> {
    const input = simulationInput(request);
    let run: SimulationRun;
    try {
      run = new SimulationRun(input);
    } catch (err) {
      if (err instanceof SimulationInputError) throw new InferenceError(err.message, "invalid_argument", this.name);
      throw err;
    }
    const factors = Math.max(1, input.factors?.length ?? 1);
    const chunk = Math.max(1, Math.floor(CHUNK_FACTOR_DRAWS / factors));
    let lastReport = Date.now();
    while (!run.finished) {
      if (signal?.aborted) throw new RunAbortedError();
      run.step(chunk);
      if (onProgress && !run.finished && Date.now() - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = Date.now();
        await onProgress(run.progress);
      }
      await yieldToEventLoop();
    }
    if (signal?.aborted) throw new RunAbortedError();
    return { ...run.finish() };
  }
}
