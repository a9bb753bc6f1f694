import * as schemas from "@sovren/contracts/zod";
import type { $ZodType } from "zod/v4/core";

/** An operationId of the OpenAPI contract (equal to the RPC's local name). */
export type OperationId = keyof typeof schemas.operations;

/** The service (by its client property) an operation belongs to; `internal/rpc.ts` maps it to the descriptor. */
export type ServiceName = "executives" | "simulations" | "operations" | "communications" | "health" | "audit" | "subjects" | "keys";

export interface OperationSpec {
  id: OperationId;
  service: ServiceName;
  /**
   * The RPC's `google.api.http` `response_body`: the field of the Connect
   * response message that REST returns as the whole body.
   */
  unwrap?: string;
  /** Validator of the REST body (unary) or of each stream event. */
  response: $ZodType;
  stream?: true;
}

const s = schemas;
// The only facts here the generated code does not carry in a form we can read
// at runtime: which service each operation belongs to and the proto's
// `response_body`. test/operations.test.ts checks them against the contract.
const table: { [K in OperationId]: Omit<OperationSpec, "id"> } = {
  commissionExecutive: { service: "executives", response: s.CommissionExecutiveResponse },
  getExecutive: { service: "executives", unwrap: "executive", response: s.Executive },
  listExecutives: { service: "executives", response: s.ListExecutivesResponse },
  updateExecutive: { service: "executives", unwrap: "executive", response: s.Executive },
  retireExecutive: { service: "executives", unwrap: "executive", response: s.Executive },
  runSimulation: { service: "simulations", unwrap: "operation", response: s.Operation },
  getOperation: { service: "operations", unwrap: "operation", response: s.Operation },
  listOperations: { service: "operations", response: s.ListOperationsResponse },
  cancelOperation: { service: "operations", unwrap: "operation", response: s.Operation },
  waitOperation: { service: "operations", unwrap: "operation", response: s.Operation },
  watchOperation: { service: "operations", response: s.WatchOperationResponse, stream: true },
  sendCommunication: { service: "communications", unwrap: "communication", response: s.Communication },
  getCommunication: { service: "communications", unwrap: "communication", response: s.Communication },
  listCommunications: { service: "communications", response: s.ListCommunicationsResponse },
  watchCommunications: { service: "communications", response: s.WatchCommunicationsResponse, stream: true },
  checkHealth: { service: "health", response: s.CheckHealthResponse },
  checkReadiness: { service: "health", response: s.CheckReadinessResponse },
  eraseSubject: { service: "subjects", unwrap: "operation", response: s.Operation },
  listExecutiveKeys: { service: "keys", response: s.ListExecutiveKeysResponse },
  listAuditRecords: { service: "audit", response: s.ListAuditRecordsResponse },
  getAuditHead: { service: "audit", response: s.GetAuditHeadResponse },
};

export function operationSpec(id: OperationId): OperationSpec {
  return { id, ...table[id] };
}

export function allOperationIds(): OperationId[] {
  return Object.keys(table) as OperationId[];
}

/** The contract's method, path and request validators for an operation. */
export function restOperation(id: OperationId) {
  return schemas.operations[id];
}

/** Mutating calls (POST/PATCH) carry an Idempotency-Key (wire-conventions). */
export function isMutating(id: OperationId): boolean {
  return schemas.operations[id].method !== "GET";
}
