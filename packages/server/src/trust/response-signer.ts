// Which key signs a response: the executive's that produced it (the
// executive itself, its simulations' operations, its communications), else
// the server's. Read from the response message, so that REST and RPC agree.
import type { Json, Services } from "../handlers/services.js";
import type { SigningKey } from "./signing-keys.js";

const nonEmpty = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

export function producingExecutive(operationId: string, response: Json): string | undefined {
  switch (operationId) {
    case "commissionExecutive":
      return nonEmpty(response.executiveId);
    case "getExecutive":
    case "updateExecutive":
    case "retireExecutive":
      return nonEmpty((response.executive as Json | undefined)?.id);
    case "runSimulation":
    case "getOperation":
    case "cancelOperation":
    case "waitOperation":
      return nonEmpty((response.operation as Json | undefined)?.executiveId);
    case "sendCommunication":
    case "getCommunication":
      return nonEmpty((response.communication as Json | undefined)?.executiveId);
    default:
      return undefined;
  }
}

export async function signingKeyFor(svc: Services, tenantId: string | undefined, operationId: string, response: Json): Promise<SigningKey> {
  const executiveId = tenantId ? producingExecutive(operationId, response) : undefined;
  return executiveId ? svc.keys.executive(tenantId!, executiveId) : svc.keys.server();
}
