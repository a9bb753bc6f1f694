// SubjectService.EraseSubject: records the erasure's operation (kind
// ERASURE) and its durable job, appends the ledger record, answers 202, and
// runs the erasure (domain/erasure.ts). The operation stores only a
// pseudonym of the subject, never the identifiers it erases.
import { randomUUID } from "node:crypto";
import type { EraseSubjectRequest } from "@sovren/contracts/zod";
import { getOperation, insertOperation } from "../store/operations-repo.js";
import { audit, type Call, type Services } from "./services.js";

export async function eraseSubject(svc: Services, call: Call & { principal: NonNullable<Call["principal"]> }, req: EraseSubjectRequest) {
  const tenantId = call.principal.tenantId;
  const operationId = call.resourceId ?? randomUUID();
  const recipients = req.recipients ?? [];
  const { operation, created } = await svc.db.transaction(tenantId, async (tx) => {
    if (call.resourceId) {
      const prior = await getOperation(tx, operationId);
      if (prior) return { operation: prior, created: false };
    }
    const inserted = await insertOperation(tx, {
      id: operationId,
      tenantId,
      kind: "erasure",
      userId: "",
      parameters: { subject: svc.audit.pseudonym(tenantId, req.userId), recipients: recipients.length },
      backend: "server",
    });
    await svc.erasure.claimNew(tx, tenantId, operationId, { userId: req.userId, recipients });
    await audit(svc, tx, call, { action: "subject.erase", resource: `operations/${operationId}`, request: req, result: inserted });
    return { operation: inserted, created: true };
  });
  if (created) svc.erasure.dispatch(tenantId, operationId);
  return { operation };
}
