// The seam between the server and the inference core: one interface,
// `InferenceBackend` from @sovren/inference, implemented by the embedded
// backend here and by the Triton and Ray adapters there, so the operation
// runner never knows which one it drives.
export type { InferenceBackend, Readiness, RunOptions } from "@sovren/inference";
export { InferenceError } from "@sovren/inference";

/** Thrown by backends when a run was aborted through its signal. */
export class RunAbortedError extends Error {
  override name = "AbortError";
  constructor() {
    super("the run was cancelled");
  }
}
