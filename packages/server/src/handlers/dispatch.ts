// The request pipeline both transports run, in this order: authenticate,
// rate-limit (per tenant), authorise (RBAC), validate, then the handler —
// wrapped in idempotency for mutating methods when a key is given.
import type { Authenticator } from "../auth/authenticate.js";
import { authorize } from "../auth/rbac.js";
import { ApiError } from "../domain/errors.js";
import { checkKey, idempotent } from "../domain/idempotency.js";
import type { Principal } from "../domain/principal.js";
import type { RateLimiter } from "../domain/rate-limiter.js";
import type { MethodDef } from "./methods.js";
import type { Call, Json, Services } from "./services.js";

export interface Pipeline {
  svc: Services;
  auth: Authenticator;
  limiter: RateLimiter;
}

/** Authenticates, rate-limits and authorises; undefined principal for open methods. */
export async function admit(p: Pipeline, def: MethodDef, headers: Headers): Promise<Principal | undefined> {
  if (def.permission === "public") return undefined;
  const principal = await p.auth.authenticate(headers);
  const wait = p.limiter.take(principal.tenantId);
  if (wait > 0) {
    throw new ApiError("resource_exhausted", "rate limit exceeded for this tenant", { retryAfter: wait });
  }
  authorize(principal, def.permission);
  return principal;
}

/** Runs a unary method on its validated request; `replayed` when an idempotent response was replayed. */
export async function executeUnary(
  p: Pipeline,
  def: MethodDef,
  call: Call,
  request: Json,
  idempotencyKey: string | null,
): Promise<{ response: Json; replayed: boolean }> {
  const run = () => def.unary!(p.svc, call as Call & { principal: Principal }, request);
  if (!def.idempotent || idempotencyKey === null || !call.principal) {
    return { response: await run(), replayed: false };
  }
  return idempotent(
    p.svc.db,
    { tenantId: call.principal.tenantId, key: checkKey(idempotencyKey), method: def.rpc, request },
    run,
  );
}

export function openStream(p: Pipeline, def: MethodDef, call: Call, request: Json): Promise<AsyncIterable<Json>> {
  return def.stream!(p.svc, call as Call & { principal: Principal }, request);
}
