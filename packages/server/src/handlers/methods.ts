// The one table of methods both transports serve: for each RPC its handler,
// the permission it needs, whether Idempotency-Key applies, and how REST
// carries it (the path and verb come from the OpenAPI contract via
// `operations`; the status and the response field from the proto's
// google.api.http `response_body`).
import { operations } from "@sovren/contracts/zod";
import type { Permission } from "../auth/rbac.js";
import * as audit from "./audit.js";
import * as comms from "./communications.js";
import * as execs from "./executives.js";
import * as health from "./health.js";
import { listExecutiveKeys } from "./keys.js";
import * as ops from "./operations.js";
import { runSimulation } from "./simulations.js";
import { eraseSubject } from "./subjects.js";
import type { Json, StreamHandler, UnaryHandler } from "./services.js";

export type OperationId = keyof typeof operations;

export interface MethodDef {
  /** Fully qualified RPC name, e.g. "sovren.v1.ExecutiveService.GetExecutive". */
  rpc: string;
  operationId: OperationId;
  permission: Permission | "public";
  /** Honours Idempotency-Key (mutating methods). */
  idempotent: boolean;
  unary?: UnaryHandler;
  stream?: StreamHandler;
  rest: { status: number; responseField?: string; location?: (res: Json) => string };
}

const def = (
  rpc: string,
  operationId: OperationId,
  permission: MethodDef["permission"],
  handler: { unary?: UnaryHandler; stream?: StreamHandler },
  rest: MethodDef["rest"] = { status: 200 },
  idempotent = false,
): MethodDef => ({ rpc: `sovren.v1.${rpc}`, operationId, permission, idempotent, ...handler, rest });

export const METHODS: MethodDef[] = [
  def("ExecutiveService.CommissionExecutive", "commissionExecutive", "write", { unary: execs.commissionExecutive }, { status: 201 }, true),
  def("ExecutiveService.GetExecutive", "getExecutive", "read", { unary: execs.getExecutive }, { status: 200, responseField: "executive" }),
  def("ExecutiveService.ListExecutives", "listExecutives", "read", { unary: execs.listExecutives }),
  def("ExecutiveService.UpdateExecutive", "updateExecutive", "write", { unary: execs.updateExecutive }, { status: 200, responseField: "executive" }, true),
  def("ExecutiveService.RetireExecutive", "retireExecutive", "admin", { unary: execs.retireExecutive }, { status: 200, responseField: "executive" }, true),
  def("SimulationService.RunSimulation", "runSimulation", "write", { unary: runSimulation }, {
    status: 202,
    responseField: "operation",
    location: (res) => `/v1/operations/${(res.operation as { operationId: string }).operationId}`,
  }, true),
  def("OperationService.GetOperation", "getOperation", "read", { unary: ops.getOperation }, { status: 200, responseField: "operation" }),
  def("OperationService.ListOperations", "listOperations", "read", { unary: ops.listOperations }),
  def("OperationService.CancelOperation", "cancelOperation", "write", { unary: ops.cancelOperation }, { status: 200, responseField: "operation" }, true),
  // A POST over REST, but a read (NO_SIDE_EFFECTS): replaying a stored wait would return a stale state.
  def("OperationService.WaitOperation", "waitOperation", "read", { unary: ops.waitOperation }, { status: 200, responseField: "operation" }),
  def("OperationService.WatchOperation", "watchOperation", "read", { stream: ops.watchOperation }),
  def("CommunicationService.SendCommunication", "sendCommunication", "write", { unary: comms.sendCommunication }, { status: 201, responseField: "communication" }, true),
  def("CommunicationService.GetCommunication", "getCommunication", "read", { unary: comms.getCommunication }, { status: 200, responseField: "communication" }),
  def("CommunicationService.ListCommunications", "listCommunications", "read", { unary: comms.listCommunications }),
  def("CommunicationService.WatchCommunications", "watchCommunications", "read", { stream: comms.watchCommunications }),
  def("SubjectService.EraseSubject", "eraseSubject", "admin", { unary: eraseSubject }, {
    status: 202,
    responseField: "operation",
    location: (res) => `/v1/operations/${(res.operation as { operationId: string }).operationId}`,
  }, true),
  def("KeyService.ListExecutiveKeys", "listExecutiveKeys", "read", { unary: listExecutiveKeys }),
  def("AuditService.ListAuditRecords", "listAuditRecords", "admin", { unary: audit.listAudit }),
  def("AuditService.GetAuditHead", "getAuditHead", "read", { unary: audit.getAuditHead }),
  def("HealthService.CheckHealth", "checkHealth", "public", { unary: (svc) => health.checkHealth(svc) }),
  def("HealthService.CheckReadiness", "checkReadiness", "public", { unary: (svc) => health.checkReadiness(svc) }),
];

export const METHODS_BY_RPC = new Map(METHODS.map((m) => [m.rpc, m]));
