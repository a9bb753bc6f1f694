// OperationService: get, list, cancel, wait (long poll) and watch (stream).
// Waiting and watching wake on change notifications and re-read the row, with
// a slow poll as a safety net should a notification be missed.
import type { Operation, OperationState } from "@sovren/contracts/zod";
import { Wakeup } from "../domain/change-feed.js";
import { notFound } from "../domain/errors.js";
import { retryWhileUnavailable } from "../domain/retry.js";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import * as repo from "../store/operations-repo.js";
import { audit, type Call, type Json, type Services } from "./services.js";

type Authed = Call & { principal: NonNullable<Call["principal"]> };

const SAFETY_POLL_MS = 1000;

async function load(svc: Services, tenantId: string, id: string): Promise<Operation> {
  const op = await svc.db.once(tenantId, (tx) => repo.getOperation(tx, id));
  if (!op) throw notFound("operation", id);
  return op;
}

export async function getOperation(svc: Services, call: Authed, req: { operationId: string }) {
  return { operation: await load(svc, call.principal.tenantId, req.operationId) };
}

export async function listOperations(
  svc: Services,
  call: Authed,
  req: { pageSize?: number; pageToken?: string; state?: OperationState; executiveId?: string },
) {
  const state = req.state ? repo.fromJsonState(req.state) : undefined;
  const page = await svc.db.once(call.principal.tenantId, (tx) =>
    repo.listOperations(tx, {
      afterSeq: decodePageToken(req.pageToken),
      limit: pageSize(req.pageSize),
      ...(state ? { state } : {}),
      ...(req.executiveId ? { executiveId: req.executiveId } : {}),
    }),
  );
  return { operations: page.items, nextPageToken: page.more && page.lastSeq ? encodePageToken(page.lastSeq) : "" };
}

export async function cancelOperation(svc: Services, call: Authed, req: { operationId: string }) {
  const tenantId = call.principal.tenantId;
  const cancelled = await svc.db.transaction(tenantId, async (tx) => {
    const op = await repo.transition(tx, tenantId, req.operationId, ["pending", "running"], "cancelled");
    if (op) await audit(svc, tx, call, { action: "operation.cancel", resource: `operations/${req.operationId}`, request: req, result: op });
    return op;
  });
  if (cancelled) {
    svc.runner.cancel(req.operationId, cancelled.backend);
    svc.metrics.operations.inc({ state: "cancelled", backend: cancelled.backend });
    return { operation: cancelled };
  }
  // Already finished (or not this tenant's): unchanged, or not found.
  return { operation: await load(svc, tenantId, req.operationId) };
}

function parseTimeout(timeout: string | undefined): number {
  const seconds = timeout ? Number(timeout.slice(0, -1)) : 30;
  return Math.min(60, Math.max(0, seconds)) * 1000;
}

export async function waitOperation(svc: Services, call: Authed, req: { operationId: string; timeout?: string }) {
  const tenantId = call.principal.tenantId;
  const deadline = Date.now() + parseTimeout(req.timeout);
  const wakeup = new Wakeup();
  // A resync (notifications may have been missed) re-reads the row too.
  const unsubscribe = svc.feed.subscribe(tenantId, "operation", (id) => id === req.operationId && wakeup.notify(), () => wakeup.notify());
  try {
    let op = await load(svc, tenantId, req.operationId);
    while (!op.done && Date.now() < deadline && !call.signal.aborted) {
      await wakeup.wait(Math.min(SAFETY_POLL_MS, deadline - Date.now()), call.signal);
      op = await load(svc, tenantId, req.operationId);
    }
    return { operation: op };
  } finally {
    unsubscribe();
  }
}

export async function watchOperation(
  svc: Services,
  call: Authed,
  req: { operationId: string },
): Promise<AsyncIterable<Json>> {
  const tenantId = call.principal.tenantId;
  const wakeup = new Wakeup();
  const unsubscribe = svc.feed.subscribe(tenantId, "operation", (id) => id === req.operationId && wakeup.notify(), () => wakeup.notify());
  let first: Operation;
  try {
    first = await load(svc, tenantId, req.operationId);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return (async function* () {
    try {
      let op = first;
      yield { operation: op };
      while (!op.done && !call.signal.aborted) {
        await wakeup.wait(SAFETY_POLL_MS, call.signal);
        if (call.signal.aborted) break;
        // The stream outlives a database outage: the read is retried until it succeeds.
        const next = await retryWhileUnavailable(() => load(svc, tenantId, req.operationId), call.signal);
        if (!next) break;
        if (next.updateTime !== op.updateTime || next.state !== op.state) {
          op = next;
          yield { operation: op };
        }
      }
    } finally {
      unsubscribe();
    }
  })();
}
