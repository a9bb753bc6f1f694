// The default backend: the simulation algorithm in this process. Trials run in
// chunks with a yield to the event loop between them, so one large run never
// blocks other requests, progress is reported, and cancellation takes effect
// within one chunk.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  RunAbortedError,
  type InferenceBackend,
  type InferenceRequest,
  type Readiness,
  type RunOptions,
} from "./backend.js";
import { SimulationRun, type SimulationOutput } from "./simulation.js";

/** Roughly 5 ms of work on one core for a one-factor scenario. */
const CHUNK_FACTOR_DRAWS = 50_000;
/** Progress is written to the database at most this often. */
const PROGRESS_INTERVAL_MS = 250;

export class EmbeddedBackend implements InferenceBackend {
  readonly name = "embedded";

  async ready(): Promise<Readiness> {
    return { ready: true };
  }

  async run(request: InferenceRequest, { signal, onProgress }: RunOptions): Promise<SimulationOutput> {
    const run = new SimulationRun(request.input);
    const factors = Math.max(1, request.input.factors?.length ?? 1);
    const chunk = Math.max(1, Math.floor(CHUNK_FACTOR_DRAWS / factors));
    let lastReport = Date.now();
    while (!run.finished) {
      if (signal.aborted) throw new RunAbortedError();
      run.step(chunk);
      if (onProgress && !run.finished && Date.now() - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = Date.now();
        await onProgress(run.progress);
      }
      await yieldToEventLoop();
    }
    if (signal.aborted) throw new RunAbortedError();
    return run.finish();
  }
}
