// The server's inference module: the backend interface (@sovren/inference's),
// the embedded backend, and the router that picks a backend per simulation.
export type { InferenceBackend, RunOptions, Readiness } from "./backend.js";
export { RunAbortedError } from "./backend.js";
export { EmbeddedBackend, simulationInput } from "./embedded-backend.js";
export { InferenceRouter } from "./router.js";
export { simulate, SimulationRun } from "./simulation.js";
