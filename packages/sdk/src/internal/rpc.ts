// The Connect side of the operation table: service descriptors (protobuf-es)
// and each operation's method. Only the Connect wires and the full client
// import this, so the REST-only entry (@sovren/sdk/rest) carries no protobuf.
import type { DescMethod } from "@bufbuild/protobuf";
import {
  AuditService,
  CommunicationService,
  ExecutiveService,
  HealthService,
  KeyService,
  OperationService,
  SimulationService,
  SubjectService,
} from "@sovren/contracts/proto";
import type { OperationSpec, ServiceName } from "./operations.js";

export const services = {
  executives: ExecutiveService,
  simulations: SimulationService,
  operations: OperationService,
  communications: CommunicationService,
  health: HealthService,
  audit: AuditService,
  subjects: SubjectService,
  keys: KeyService,
} as const satisfies Record<ServiceName, unknown>;

/** The Connect method descriptor for an operation. */
export function rpcMethod(op: OperationSpec): DescMethod {
  const service = services[op.service] as { method: Record<string, unknown> };
  const method = service.method[op.id];
  if (!method) throw new Error(`No RPC ${op.id} on ${op.service}`);
  return method as DescMethod;
}
