// The public names every client entry point (`.`, `./node`, `./rest`) shares, by name.
// Nothing here may pull Connect or protobuf at run time (`./rest` must not).
export { BaseClient, DEFAULT_BASE_URL, DEFAULT_LOG_LEVEL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "./client-base.js";
export type { ClientOptions } from "./client-options.js";
export type { TransportName } from "./transports/web.js";
export type { TokenProvider } from "./internal/auth.js";
export type { RequestOptions } from "./core/request-options.js";
export { APIPromise, type WithResponse } from "./core/api-promise.js";
export { Page, PagePromise } from "./core/pagination.js";
export { Stream } from "./core/stream.js";
export type { Logger, LogLevel } from "./core/logger.js";
export {
  SovrenError,
  APIError,
  BadRequestError,
  ValidationError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  WaitTimeoutError,
  type ErrorCode,
  type FieldViolation,
} from "./core/errors.js";
export type { Executives } from "./resources/executives.js";
export type { RunOptions, Simulations } from "./resources/simulations.js";
export type { Operations, WaitOptions } from "./resources/operations.js";
export { DEFAULT_WAIT_TIMEOUT_MS } from "./resources/operations.js";
export type { Communications } from "./resources/communications.js";
export type { Health } from "./resources/health.js";
export type {
  WithRequestId,
  Executive,
  ExecutiveState,
  CommissionExecutiveRequest,
  CommissionExecutiveResponse,
  UpdateExecutiveRequest,
  RetireExecutiveRequest,
  ListExecutivesResponse,
  ListExecutivesParams,
  SimulationFactor,
  SimulationMode,
  RunSimulationRequest,
  SimulationResult,
  Operation,
  OperationState,
  OperationError,
  ListOperationsResponse,
  ListOperationsParams,
  Communication,
  CommunicationStatus,
  SendCommunicationRequest,
  ListCommunicationsResponse,
  ListCommunicationsParams,
  WatchCommunicationsParams,
  CheckHealthResponse,
  CheckReadinessResponse,
  Problem,
} from "./resources/types.js";
export type { components as Schemas } from "@sovren/contracts/openapi";
