// The named types of the API: each is the OpenAPI component type of
// `@sovren/contracts` (the JSON shape), never restated. Where a request has
// limits the generated comments do not show, an interface extending the
// component re-declares those fields with their bounds (from
// openapi/sovren.v1.yaml), so the type cannot drift from the contract: a
// field whose type changed there would no longer extend it.
import type { components, operations } from "@sovren/contracts/openapi";

type S = components["schemas"];
type SimulationFactorSchema = S["SimulationFactor"];
type RunSimulationRequestSchema = S["RunSimulationRequest"];

/**
 * A result with the id of the response that carried it: a non-enumerable
 * `_requestId` (left out of JSON), `undefined` when the server sent no
 * `x-request-id`. Unary results and stream events carry it.
 */
export type WithRequestId<T> = T & { readonly _requestId?: string };

/** An AI executive persona on a tenant's Shadow Board. */
export type Executive = S["Executive"];
/** `EXECUTIVE_STATE_ACTIVE`, `EXECUTIVE_STATE_RETIRED`, … */
export type ExecutiveState = S["ExecutiveState"];
/**
 * What `executives.commission` takes. Limits: `name` 1–100 characters (unique
 * within the tenant), `role` 1–200, `skills` at most 50 of 1–100 each,
 * `voiceProfile` at most 500; no NUL characters.
 */
export type CommissionExecutiveRequest = S["CommissionExecutiveRequest"];
/** The seed's answer: `{ executiveId, status: "active", message }`. */
export type CommissionExecutiveResponse = S["CommissionExecutiveResponse"];
/** What `executives.update` takes: the changed fields (same limits as commissioning), optionally an `updateMask`. */
export type UpdateExecutiveRequest = S["UpdateExecutiveRequest"];
/** What `executives.retire` takes: an optional `reason` (at most 1,000 characters). */
export type RetireExecutiveRequest = S["RetireExecutiveRequest"];
export type ListExecutivesResponse = S["ListExecutivesResponse"];
/** `executives.list` filters and paging (`pageSize` at most 100; 0 or absent: 50). */
export type ListExecutivesParams = NonNullable<operations["listExecutives"]["parameters"]["query"]>;

/**
 * One weighted, normally distributed factor of a scenario. Limits: `name`
 * 1–100 characters; `weight` and `mean` in [-1e6, 1e6]; `stddev` in [0, 1e6].
 */
export interface SimulationFactor extends SimulationFactorSchema {
  /** A label for the factor: 1–100 characters. */
  name: string;
  /** The factor's weight in the score: -1,000,000 ≤ weight ≤ 1,000,000 (default 0). */
  weight?: number;
  /** Mean of the factor: -1,000,000 ≤ mean ≤ 1,000,000 (default 0). */
  mean?: number;
  /** Standard deviation of the factor: 0 ≤ stddev ≤ 1,000,000 (default 0). */
  stddev?: number;
}
/** Where a simulation runs: `SIMULATION_MODE_QUICK` (Triton), `SIMULATION_MODE_BATCH` (Ray) or unspecified (the server picks). */
export type SimulationMode = S["SimulationMode"];
/**
 * What `simulations.run` takes (the seed's SimulationRequest plus the
 * simulation's parameters). Limits: `userId` 1–200 characters, `scenario`
 * 1–2,000, `trials` 1–1,000,000, `factors` at most 32, `seed` a uint32,
 * `threshold` in [-1e15, 1e15]. See README, "Limits".
 */
export interface RunSimulationRequest extends RunSimulationRequestSchema {
  /** Number of Monte Carlo trials: 1 ≤ trials ≤ 1,000,000 (default 10,000). */
  trials?: number;
  /** The scenario's factors: at most 32. */
  factors?: SimulationFactor[];
  /** Seed for reproducible results: 0 ≤ seed ≤ 4,294,967,295 (default a hash of the scenario). */
  seed?: number;
  /** The score a trial must beat to count as a success: -1e15 ≤ threshold ≤ 1e15 (default 0). */
  threshold?: number;
}
/** The outcome of a simulation (the seed's SimulationResult): `outcome`, `confidence` in [0, 1] and the statistics behind them. */
export type SimulationResult = S["SimulationResult"];

/** A long-running operation, the record of one execution: `state`, `progress`, `result` or `error`. */
export type Operation = S["Operation"];
/** `OPERATION_STATE_PENDING`, `…_RUNNING`, `…_SUCCEEDED`, `…_FAILED`, `…_CANCELLED`. */
export type OperationState = S["OperationState"];
/** Why an operation failed: a Connect code in snake case and a message. */
export type OperationError = S["OperationError"];
export type ListOperationsResponse = S["ListOperationsResponse"];
/** `operations.list` filters and paging. */
export type ListOperationsParams = NonNullable<operations["listOperations"]["parameters"]["query"]>;

/** A message sent by an executive, with its delivery `status`. */
export type Communication = S["Communication"];
/** `COMMUNICATION_STATUS_SENT`, `…_DELIVERED`, `…_FAILED`. */
export type CommunicationStatus = S["CommunicationStatus"];
/** What `communications.send` takes. Limits: `recipient` 1–320 characters, `message` 1–10,000; no NUL characters. */
export type SendCommunicationRequest = S["SendCommunicationRequest"];
export type ListCommunicationsResponse = S["ListCommunicationsResponse"];
/** `communications.list` filters and paging. */
export type ListCommunicationsParams = NonNullable<operations["listCommunications"]["parameters"]["query"]>;
/** `communications.watch` filters. */
export type WatchCommunicationsParams = NonNullable<operations["watchCommunications"]["parameters"]["query"]>;

export type CheckHealthResponse = S["CheckHealthResponse"];
export type CheckReadinessResponse = S["CheckReadinessResponse"];
/** An RFC 9457 problem, as REST error bodies carry it (`err.problem`). */
export type Problem = S["Problem"];
