// The request pipeline both transports run, in this order: authenticate,
// rate-limit (per tenant), authorise (RBAC), validate, then the handler —
// wrapped in idempotency for mutating methods when a key is given.
import type { Authenticator, HeaderReader } from "../auth/authenticate.js";
import { authorize } from "../auth/rbac.js";
import { ApiError, shuttingDown } from "../domain/errors.js";
import { checkKey, idempotent } from "../domain/idempotency.js";
import type { Principal } from "../domain/principal.js";
import type { TenantLimiter } from "../domain/rate-limiter.js";
import type { MethodDef } from "./methods.js";
import type { Call, Json, Services } from "./services.js";

export interface Pipeline {
  svc: Services;
  auth: Authenticator;
  limiter: TenantLimiter;
}

/** Authenticates, rate-limits and authorises; undefined principal for open methods. */
export async function admit(p: Pipeline, def: MethodDef, headers: HeaderReader): Promise<Principal | undefined> {
  if (def.permission === "public") return undefined;
  const principal = await p.auth.authenticate(headers);
  const taken = p.limiter.take(principal.tenantId);
  // The in-process limiter answers synchronously: no extra tick on the default path.
  const wait = typeof taken === "number" ? taken : await taken;
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
  // A malformed key is refused wherever it is sent, even on a method that
  // ignores it (WaitOperation is a POST but a read): the contract's bounds hold.
  if (idempotencyKey !== null) checkKey(idempotencyKey);
  // A long poll returns its current state early when the server shuts down.
  if (LONG_POLLS.has(def.operationId)) {
    const linked = linkSignals(call.signal, p.svc.stopping);
    try {
      return { response: await def.unary!(p.svc, { ...call, signal: linked.signal } as Call & { principal: Principal }, request), replayed: false };
    } finally {
      linked.dispose();
    }
  }
  const run = () => def.unary!(p.svc, call as Call & { principal: Principal }, request);
  if (!def.idempotent || idempotencyKey === null || !call.principal) {
    return { response: await run(), replayed: false };
  }
  return idempotent(
    p.svc.db,
    { tenantId: call.principal.tenantId, key: checkKey(idempotencyKey), method: def.rpc, request, owner: p.svc.jobs.owner },
    (resourceId) => def.unary!(p.svc, { ...call, resourceId } as Call & { principal: Principal }, request),
  );
}

const LONG_POLLS = new Set<string>(["waitOperation"]);

/**
 * Opens a stream. When the server shuts down the stream ends with
 * `unavailable` (gRPC/Connect: a status clients retry; SSE: a clean close),
 * so clients reconnect to another instance.
 */
export async function openStream(p: Pipeline, def: MethodDef, call: Call, request: Json): Promise<AsyncIterable<Json>> {
  const { stopping } = p.svc;
  if (stopping.aborted) throw shuttingDown();
  const linked = linkSignals(call.signal, stopping);
  let events: AsyncIterable<Json>;
  try {
    events = await def.stream!(p.svc, { ...call, signal: linked.signal } as Call & { principal: Principal }, request);
  } catch (err) {
    linked.dispose();
    throw err;
  }
  return (async function* () {
    try {
      yield* events;
      if (stopping.aborted && !call.signal.aborted) throw shuttingDown();
    } finally {
      linked.dispose();
    }
  })();
}

/**
 * A signal aborted by either input, and a dispose() that unhooks it. (Not
 * AbortSignal.any: the process-wide `stopping` signal lives as long as the
 * server, and every call's signal would stay linked to it.)
 */
function linkSignals(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener("abort", abort, { once: true });
  b.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener("abort", abort);
      b.removeEventListener("abort", abort);
    },
  };
}
