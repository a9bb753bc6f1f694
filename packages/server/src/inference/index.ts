// Chooses the inference backend named by the configuration.
import type { InferenceBackend } from "./backend.js";
import { EmbeddedBackend } from "./embedded-backend.js";

export type { InferenceBackend, InferenceRequest, RunOptions, Readiness } from "./backend.js";
export { RunAbortedError } from "./backend.js";
export { simulate, SimulationRun } from "./simulation.js";

export function createBackend(name: string): InferenceBackend {
  switch (name) {
    case "embedded":
      return new EmbeddedBackend();
    default:
      // The config schema only admits known names; Triton and Ray adapters land next.
      throw new Error(`inference backend "${name}" is not available in this build`);
  }
}
