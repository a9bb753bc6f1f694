// Public entry of @sovren/server: start it in-process, mint development
// tokens, and the pure simulation algorithm for cross-implementation tests.
export { startServer, type RunningServer, type StartServerOptions } from "./server.js";
export { loadConfig, DEV_JWT_SECRET, ConfigError, type Config } from "./config.js";
export { mintToken, parseTtl } from "./auth/dev-token.js";
export { createApiKey } from "./auth/api-keys.js";
export { simulate, SimulationRun, fnv1a32, type SimulationInput, type SimulationOutput } from "./inference/simulation.js";
export type { InferenceBackend, RunOptions, Readiness } from "./inference/backend.js";
export type { InferenceConfig } from "./config.js";
export type { Role } from "./domain/principal.js";
