// AuditService: the tenant's ledger (trust/audit-ledger.ts), read-only.
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import { auditHead, listAuditRecords } from "../trust/audit-ledger.js";
import type { Call, Services } from "./services.js";

type Authed = Call & { principal: NonNullable<Call["principal"]> };

export async function listAudit(svc: Services, call: Authed, req: { pageSize?: number; pageToken?: string }) {
  const tenantId = call.principal.tenantId;
  const limit = pageSize(req.pageSize);
  const rows = await svc.db.transaction(tenantId, (tx) => listAuditRecords(tx, tenantId, decodePageToken(req.pageToken), limit + 1));
  const records = rows.slice(0, limit);
  return { records, nextPageToken: rows.length > limit ? encodePageToken(records.at(-1)!.seq) : "" };
}

export async function getAuditHead(svc: Services, call: Authed) {
  const tenantId = call.principal.tenantId;
  return svc.db.transaction(tenantId, (tx) => auditHead(tx, tenantId));
}
