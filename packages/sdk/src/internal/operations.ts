import { operationRoutes } from "@sovren/contracts/openapi";

/** An operationId of the OpenAPI contract (equal to the RPC's local name). */
export type OperationId = keyof typeof operationRoutes;

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
  stream?: true;
}

// The only facts here the generated code does not carry in a form we can read
// at runtime: which service each operation belongs to and the proto's
// `response_body`. test/operations.test.ts checks them against the contract.
// Nothing here imports zod: validators load on the first validated call (validate.ts).
const table: { [K in OperationId]: Omit<OperationSpec, "id"> } = {
  commissionExecutive: { service: "executives" },
  getExecutive: { service: "executives", unwrap: "executive" },
  listExecutives: { service: "executives" },
  updateExecutive: { service: "executives", unwrap: "executive" },
  retireExecutive: { service: "executives", unwrap: "executive" },
  runSimulation: { service: "simulations", unwrap: "operation" },
  getOperation: { service: "operations", unwrap: "operation" },
  listOperations: { service: "operations" },
  cancelOperation: { service: "operations", unwrap: "operation" },
  waitOperation: { service: "operations", unwrap: "operation" },
  watchOperation: { service: "operations", stream: true },
  sendCommunication: { service: "communications", unwrap: "communication" },
  getCommunication: { service: "communications", unwrap: "communication" },
  listCommunications: { service: "communications" },
  watchCommunications: { service: "communications", stream: true },
  checkHealth: { service: "health" },
  checkReadiness: { service: "health" },
  eraseSubject: { service: "subjects", unwrap: "operation" },
  listExecutiveKeys: { service: "keys" },
  listAuditRecords: { service: "audit" },
  getAuditHead: { service: "audit" },
};

const specs = new Map<OperationId, OperationSpec>();

export function operationSpec(id: OperationId): OperationSpec {
  let spec = specs.get(id);
  if (!spec) specs.set(id, (spec = { id, ...table[id] }));
  return spec;
}

export function allOperationIds(): OperationId[] {
  return Object.keys(table) as OperationId[];
}

/** The contract's method, path, parameter names and whether it takes a body. */
export function restOperation(id: OperationId) {
  return operationRoutes[id];
}

/** Mutating calls (POST/PATCH) carry an Idempotency-Key (wire-conventions). */
export function isMutating(id: OperationId): boolean {
  return operationRoutes[id].method !== "GET";
}

/** The proto service each client property stands for (for log lines before Connect has loaded). */
export const SERVICE_TYPE_NAMES: Record<ServiceName, string> = {
  executives: "sovren.v1.ExecutiveService",
  simulations: "sovren.v1.SimulationService",
  operations: "sovren.v1.OperationService",
  communications: "sovren.v1.CommunicationService",
  health: "sovren.v1.HealthService",
  audit: "sovren.v1.AuditService",
  subjects: "sovren.v1.SubjectService",
  keys: "sovren.v1.KeyService",
};
