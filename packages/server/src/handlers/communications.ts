// CommunicationService: send (from an active executive), get, list, watch.
import { randomUUID } from "node:crypto";
import type { Communication, CommunicationStatus, SendCommunicationRequest } from "@sovren/contracts/zod";
import { ApiError, notFound } from "../domain/errors.js";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.js";
import * as repo from "../store/communications-repo.js";
import { getExecutive } from "../store/executives-repo.js";
import type { Call, Json, Services } from "./services.js";

type Authed = Call & { principal: NonNullable<Call["principal"]> };

export async function sendCommunication(svc: Services, call: Authed, req: SendCommunicationRequest) {
  const tenantId = call.principal.tenantId;
  const communication = await svc.db.transaction(tenantId, async (tx) => {
    const executive = await getExecutive(tx, req.executiveId);
    if (!executive) throw notFound("executive", req.executiveId);
    if (executive.state !== "EXECUTIVE_STATE_ACTIVE") {
      throw new ApiError("failed_precondition", `executive ${req.executiveId} is retired and cannot send`);
    }
    return repo.insertCommunication(tx, { id: randomUUID(), tenantId, ...req });
  });
  svc.delivery.schedule(tenantId, communication.messageId, communication.recipient);
  return { communication };
}

export async function getCommunication(svc: Services, call: Authed, req: { messageId: string }) {
  const communication = await svc.db.transaction(call.principal.tenantId, (tx) => repo.getCommunication(tx, req.messageId));
  if (!communication) throw notFound("communication", req.messageId);
  return { communication };
}

export async function listCommunications(
  svc: Services,
  call: Authed,
  req: { pageSize?: number; pageToken?: string; executiveId?: string; status?: CommunicationStatus },
) {
  const status = req.status ? repo.fromJsonStatus(req.status) : undefined;
  const page = await svc.db.transaction(call.principal.tenantId, (tx) =>
    repo.listCommunications(tx, {
      afterSeq: decodePageToken(req.pageToken),
      limit: pageSize(req.pageSize),
      ...(status ? { status } : {}),
      ...(req.executiveId ? { executiveId: req.executiveId } : {}),
    }),
  );
  return { communications: page.items, nextPageToken: page.more && page.lastSeq ? encodePageToken(page.lastSeq) : "" };
}

/** Streams every communication of the tenant as it is sent or changes status, until the caller leaves. */
export async function watchCommunications(
  svc: Services,
  call: Authed,
  req: { executiveId?: string },
): Promise<AsyncIterable<Json>> {
  const tenantId = call.principal.tenantId;
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = svc.feed.subscribe(tenantId, "communication", (id) => {
    queue.push(id);
    wake?.();
  });
  return (async function* () {
    try {
      while (!call.signal.aborted) {
        const id = queue.shift();
        if (id === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            call.signal.addEventListener("abort", () => resolve(), { once: true });
          });
          wake = undefined;
          continue;
        }
        const c: Communication | undefined = await svc.db.transaction(tenantId, (tx) => repo.getCommunication(tx, id));
        if (c && (!req.executiveId || c.executiveId === req.executiveId)) yield { communication: c };
      }
    } finally {
      unsubscribe();
    }
  })();
}
