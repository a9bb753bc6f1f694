// The seam between the server and the inference core. The embedded backend
// implements it today; the Triton and Ray adapters implement the same
// interface, so the operation runner never knows which one it drives.
import type { SimulationInput, SimulationOutput } from "./simulation.js";

export interface InferenceRequest {
  /** The operation this run records (backends may use it as a job id). */
  operationId: string;
  tenantId: string;
  /** "quick" or "batch"; backends that serve both may route on it. */
  mode: "quick" | "batch";
  input: SimulationInput;
}

export interface RunOptions {
  /** Aborted when the operation is cancelled or the server shuts down. */
  signal: AbortSignal;
  /** Reports the fraction of the work done, in [0, 1]. */
  onProgress?: (fraction: number) => void | Promise<void>;
}

export interface Readiness {
  ready: boolean;
  message?: string;
}

export interface InferenceBackend {
  /** The name recorded on operations and in readiness ("embedded", "triton", …). */
  readonly name: string;
  ready(): Promise<Readiness>;
  /** Runs one simulation; rejects with an AbortError when `signal` aborts. */
  run(request: InferenceRequest, options: RunOptions): Promise<SimulationOutput>;
  close?(): Promise<void>;
}

/** Thrown by backends when a run was aborted through its signal. */
export class RunAbortedError extends Error {
  override name = "AbortError";
  constructor() {
    super("the run was cancelled");
  }
}
