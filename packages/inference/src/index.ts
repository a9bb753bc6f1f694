// @sovren/inference: adapters from the Sovren server to its inference core.
export type { InferenceBackend, Readiness, RunOptions } from "./backend.js";
export { withTimeout } from "./backend.js";
export { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from "./circuit-breaker.js";
export { BackendFailedError, BackendUnavailableError, InferenceError, InvalidTensorError, isBackendFault, redactPaths, simulationInputReason, type InferenceErrorCode } from "./errors.js";
export { decodeRaw, elementCount, encodeRaw, isDatatype, validateTensor, type Datatype, type ElementOf, type Tensor, type TensorSpec } from "./tensor.js";
export { TritonBackend, type TritonBackendOptions } from "./triton/backend.js";
export { TritonGrpcClient, type TritonGrpcOptions } from "./triton/grpc-client.js";
export { TritonHttpClient, type TritonHttpOptions } from "./triton/http-client.js";
export { SIMULATION_MODEL, SIMULATION_OUTPUTS, simulationInputs, simulationResult } from "./triton/simulation-tensors.js";
export type { InferCall, ModelSignature, TritonClient } from "./triton/triton-client.js";
export { RayJobBackend, jobIdFor, type RayJobOptions } from "./ray/job-backend.js";
export { RayJobsClient, type RayJobInfo, type RayJobStatus } from "./ray/jobs-client.js";
export { RayServeBackend, simulationBody, type RayServeOptions } from "./ray/serve-backend.js";
