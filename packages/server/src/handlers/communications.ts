// CommunicationService: send (from an active executive), get, list, watch.
import { randomUUID } from "node:crypto";
import type { Communication, CommunicationStatus, SendCommunicationRequest } from "@sovren/contracts/zod";
import { ApiError, notFound } from "../domain/errors.js";
import { retryWhileUnavailable } from "../domain/retry.js";
import type { Queryable } from "../store/db.js";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import * as repo from "../store/communications-repo.js";
import { getExecutive } from "../store/executives-repo.js";
import { audit, type Call, type Json, type Services } from "./services.js";

type Authed = Call & { principal: NonNullable<Call["principal"]> };

export async function sendCommunication(svc: Services, call: Authed, req: SendCommunicationRequest) {
  const tenantId = call.principal.tenantId;
  // Under an Idempotency-Key the id is the key's: a retry after a crash finds
  // the message the crashed attempt sent instead of sending it twice.
  const messageId = call.resourceId ?? randomUUID();
  const { communication, created } = await svc.db.transaction(tenantId, async (tx) => {
    if (call.resourceId) {
      const prior = await repo.getCommunication(tx, messageId);
      if (prior) return { communication: prior, created: false };
    }
    const executive = await getExecutive(tx, req.executiveId);
    if (!executive) throw notFound("executive", req.executiveId);
    if (executive.state !== "EXECUTIVE_STATE_ACTIVE") {
      throw new ApiError("failed_precondition", `executive ${req.executiveId} is retired and cannot send`);
    }
    const inserted = await repo.insertCommunication(tx, { id: messageId, tenantId, ...req });
    await svc.delivery.claimNew(tx, tenantId, messageId);
    await audit(svc, tx, call, { action: "communication.send", resource: `communications/${messageId}`, request: req, result: inserted });
    return { communication: inserted, created: true };
  });
  if (created) svc.delivery.schedule(tenantId, messageId);
  return { communication };
}

export async function getCommunication(svc: Services, call: Authed, req: { messageId: string }) {
  const communication = await svc.db.once(call.principal.tenantId, (tx) => repo.getCommunication(tx, req.messageId));
  if (!communication) throw notFound("communication", req.messageId);
  return { communication };
}

export async function listCommunications(
  svc: Services,
  call: Authed,
  req: { pageSize?: number; pageToken?: string; executiveId?: string; status?: CommunicationStatus },
) {
  const status = req.status ? repo.fromJsonStatus(req.status) : undefined;
  const page = await svc.db.once(call.principal.tenantId, (tx) =>
    repo.listCommunications(tx, {
      afterSeq: decodePageToken(req.pageToken),
      limit: pageSize(req.pageSize),
      ...(status ? { status } : {}),
      ...(req.executiveId ? { executiveId: req.executiveId } : {}),
    }),
  );
  return { communications: page.items, nextPageToken: page.more && page.lastSeq ? encodePageToken(page.lastSeq) : "" };
}

const RESYNC = Symbol("resync");
/** How far back a resync re-reads before the newest change reported (commit order is not time order). */
const RESYNC_MARGIN_MS = 10_000;
const RESYNC_PAGE = 500;
/** Versions (id@updateTime) already sent, so that a resync does not repeat them. */
const REMEMBERED = 5000;

/**
 * Streams every communication of the tenant as it is sent or changes status,
 * until the caller leaves. Reads that fail because the database is down are
 * retried (the stream stays open); after the change feed reconnects, the
 * communications changed since shortly before the newest one reported are
 * re-read, so nothing sent during an outage is missed.
 */
export async function watchCommunications(
  svc: Services,
  call: Authed,
  req: { executiveId?: string },
): Promise<AsyncIterable<Json>> {
  const tenantId = call.principal.tenantId;
  const queue: (string | typeof RESYNC)[] = [];
  let wake: (() => void) | undefined;
  const push = (item: string | typeof RESYNC) => {
    queue.push(item);
    wake?.();
  };
  const unsubscribe = svc.feed.subscribe(tenantId, "communication", push, () => push(RESYNC));
  const started = new Date().toISOString();
  let newest = started;
  const reported = new Set<string>();
  const read = <T>(fn: (tx: Queryable) => Promise<T>) => retryWhileUnavailable(() => svc.db.transaction(tenantId, fn), call.signal);
  /** True when `c` is to be sent: it matches the filter and this version of it was not sent yet. */
  const report = (c: Communication) => {
    if (req.executiveId && c.executiveId !== req.executiveId) return false;
    const key = `${c.messageId}@${c.updateTime}`;
    if (reported.has(key)) return false;
    reported.add(key);
    if (reported.size > REMEMBERED) reported.delete(reported.values().next().value!);
    if (c.updateTime > newest) newest = c.updateTime;
    return true;
  };
  return (async function* () {
    try {
      while (!call.signal.aborted) {
        const item = queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => {
            const done = () => {
              call.signal.removeEventListener("abort", done);
              resolve();
            };
            wake = done;
            call.signal.addEventListener("abort", done, { once: true });
          });
          wake = undefined;
          continue;
        }
        if (item !== RESYNC) {
          const c = await read((tx) => repo.getCommunication(tx, item));
          if (c && report(c)) yield { communication: c };
          continue;
        }
        // Page through everything changed since shortly before the newest change reported.
        let from = new Date(Math.max(Date.parse(started), Date.parse(newest) - RESYNC_MARGIN_MS)).toISOString();
        for (;;) {
          const page = (await read((tx) => repo.changedSince(tx, from, RESYNC_PAGE))) ?? [];
          for (const c of page) if (report(c)) yield { communication: c };
          const last = page.at(-1);
          if (page.length < RESYNC_PAGE || !last || last.updateTime === from || call.signal.aborted) break;
          from = last.updateTime;
        }
      }
    } finally {
      unsubscribe();
    }
  })();
}
