// ExecutiveService: commission, get, list, update, retire.
import { randomUUID } from "node:crypto";
import type {
  CommissionExecutiveRequest,
  RetireExecutiveRequest,
  UpdateExecutiveRequest,
} from "@sovren/contracts/zod";
import { ApiError, invalidArgument, notFound } from "../domain/errors.js";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import * as repo from "../store/executives-repo.js";
import { isUniqueViolation } from "../store/rows.js";
import { audit, type Call, type Services } from "./services.js";

type Authed = Call & { principal: NonNullable<Call["principal"]> };

const nameTaken = (name: string) =>
  new ApiError("already_exists", `an executive named "${name}" already exists in this tenant`);

export async function commissionExecutive(svc: Services, call: Authed, req: CommissionExecutiveRequest) {
  const tenantId = call.principal.tenantId;
  try {
    // Under an Idempotency-Key the id is the key's: a retry after a crash
    // finds the executive the crashed attempt commissioned.
    const id = call.resourceId ?? randomUUID();
    const executive = await svc.db.transaction(tenantId, async (tx) => {
      const prior = call.resourceId ? await repo.getExecutive(tx, id) : undefined;
      if (prior) return prior;
      const inserted = await repo.insertExecutive(tx, {
        id,
        tenantId,
        name: req.name,
        role: req.role,
        skills: req.skills ?? [],
        voiceProfile: req.voiceProfile ?? "",
      });
      // Its own signing key, in the same transaction (trust/signing-keys.ts).
      await svc.keys.createExecutiveKey(tx, tenantId, id);
      await audit(svc, tx, call, { action: "executive.commission", resource: `executives/${id}`, request: req, result: inserted });
      return inserted;
    });
    return {
      executiveId: executive.id,
      status: "active",
      message: `Executive ${executive.name} created successfully`,
      executive,
    };
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(req.name);
    throw err;
  }
}

export async function getExecutive(svc: Services, call: Authed, req: { id: string }) {
  const executive = await svc.db.once(call.principal.tenantId, (tx) => repo.getExecutive(tx, req.id));
  if (!executive) throw notFound("executive", req.id);
  return { executive };
}

export async function listExecutives(
  svc: Services,
  call: Authed,
  req: { pageSize?: number; pageToken?: string; role?: string; state?: string },
) {
  const state = req.state === "EXECUTIVE_STATE_ACTIVE" ? "active" : req.state === "EXECUTIVE_STATE_RETIRED" ? "retired" : undefined;
  const page = await svc.db.once(call.principal.tenantId, (tx) =>
    repo.listExecutives(tx, {
      afterSeq: decodePageToken(req.pageToken),
      limit: pageSize(req.pageSize),
      ...(req.role ? { role: req.role } : {}),
      ...(state ? { state } : {}),
    }),
  );
  return { executives: page.items, nextPageToken: page.more && page.lastSeq ? encodePageToken(page.lastSeq) : "" };
}

const MASKABLE = { name: "name", role: "role", skills: "skills", voiceProfile: "voiceProfile", voice_profile: "voiceProfile" } as const;

export async function updateExecutive(svc: Services, call: Authed, req: UpdateExecutiveRequest & { id: string }) {
  const { id, updateMask, ...fields } = req;
  let paths: (keyof typeof fields)[];
  if (updateMask) {
    paths = updateMask.split(",").map((p) => {
      const path = MASKABLE[p as keyof typeof MASKABLE];
      if (!path) throw invalidArgument(`updateMask names an unknown field "${p}"`, [{ field: "updateMask", message: `unknown field ${p}` }]);
      return path;
    });
  } else {
    paths = (Object.keys(fields) as (keyof typeof fields)[]).filter((k) => fields[k] !== undefined);
  }
  // AIP-134: a masked field absent from the request is cleared; name and role cannot be.
  const changes: { name?: string; role?: string; skills?: string[]; voiceProfile?: string } = {};
  for (const p of paths) {
    if ((p === "name" || p === "role") && !fields[p]) {
      throw invalidArgument(`${p} cannot be cleared`, [{ field: p, message: "required" }]);
    }
    if (p === "skills") changes.skills = fields.skills ?? [];
    else if (p === "voiceProfile") changes.voiceProfile = fields.voiceProfile ?? "";
    else changes[p] = fields[p]!;
  }
  const tenantId = call.principal.tenantId;
  try {
    const executive = await svc.db.transaction(tenantId, async (tx) => {
      const current = await repo.getExecutive(tx, id, true);
      if (!current) throw notFound("executive", id);
      if (current.state === "EXECUTIVE_STATE_RETIRED") {
        throw new ApiError("failed_precondition", `executive ${id} is retired and can no longer change`);
      }
      if (!paths.length) return current;
      const updated = (await repo.updateExecutive(tx, id, changes))!;
      await audit(svc, tx, call, { action: "executive.update", resource: `executives/${id}`, request: req, result: updated });
      return updated;
    });
    return { executive };
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(changes.name ?? "");
    throw err;
  }
}

export async function retireExecutive(svc: Services, call: Authed, req: RetireExecutiveRequest & { id: string }) {
  const executive = await svc.db.transaction(call.principal.tenantId, async (tx) => {
    const retired = await repo.retireExecutive(tx, req.id, req.reason ?? "");
    if (retired) await audit(svc, tx, call, { action: "executive.retire", resource: `executives/${req.id}`, request: req, result: retired });
    // Retiring a retired executive changes nothing and returns it as it is.
    return retired ?? (await repo.getExecutive(tx, req.id));
  });
  if (!executive) throw notFound("executive", req.id);
  return { executive };
}
