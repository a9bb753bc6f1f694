// KeyService: an executive's public signing keys as a JWK Set.
import { notFound } from "../domain/errors.js";
import { getExecutive } from "../store/executives-repo.js";
import { executiveJwks } from "../trust/signing-keys.js";
import type { Call, Services } from "./services.js";

export async function listExecutiveKeys(svc: Services, call: Call & { principal: NonNullable<Call["principal"]> }, req: { id: string }) {
  const tenantId = call.principal.tenantId;
  let keys = await svc.db.transaction(tenantId, async (tx) => {
    if (!(await getExecutive(tx, req.id))) throw notFound("executive", req.id);
    return executiveJwks(tx, req.id);
  });
  if (!keys.length) {
    // Commissioned before signing keys existed: its first key is made on first use.
    await svc.keys.executive(tenantId, req.id);
    keys = await svc.db.transaction(tenantId, (tx) => executiveJwks(tx, req.id));
  }
  return { keys };
}
