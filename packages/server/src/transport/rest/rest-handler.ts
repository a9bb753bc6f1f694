// The REST transport: route, admit, read and validate, run the shared
// handler, and answer with the response message (or its `response_body`
// field) as JSON, problem+json on error, or an event stream.
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { operations } from "@sovren/contracts/zod";
import { ApiError, toApiError } from "../../domain/errors.js";
import { admit, executeUnary, openStream, type Pipeline } from "../../handlers/dispatch.js";
import type { Json } from "../../handlers/services.js";
import { coerceQuery, validateParts } from "../../handlers/validate.js";
import { headerReader, type NodeRequest, type RequestState } from "../request-state.js";
import { isClientGone } from "../client-gone.js";
import { signResponse } from "../../trust/http-signature.js";
import { signingKeyFor } from "../../trust/response-signer.js";
import { preferWait } from "./prefer.js";
import { sendProblem } from "./problem.js";
import { readJsonBody } from "./read-body.js";
import { matchRoute, parseQuery } from "./routes.js";

type NodeResponse = ServerResponse | Http2ServerResponse;

const KEEP_ALIVE_MS = 15_000;

export async function handleRest(p: Pipeline, req: NodeRequest, res: NodeResponse, state: RequestState): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const abort = new AbortController();
  // Abort only when the client goes away before the response is complete:
  // abort() builds a DOMException, too costly to do after every response.
  res.once("close", () => {
    if (!res.writableEnded) abort.abort();
  });
  try {
    const match = matchRoute(req.method ?? "GET", url.pathname);
    if (!match) throw new ApiError("not_found", `no route for ${url.pathname}`);
    if ("allowed" in match) {
      throw new ApiError("unimplemented", `${req.method} is not allowed on ${url.pathname}`, {
        status: 405,
        headers: { Allow: match.allowed.join(", ") },
      });
    }
    const { def, params } = match;
    state.method = def.operationId;
    const headers = headerReader(req.headers);
    const principal = await admit(p, def, headers);
    state.tenantId = principal?.tenantId;
    const body = operations[def.operationId].body ? await readJsonBody(req) : {};
    const request = validateParts(def.operationId, {
      path: params,
      query: coerceQuery(def.operationId, parseQuery(url.search)),
      body,
    });
    // Prefer: wait (RFC 7240) on RunSimulation: the body's waitSeconds, unless the body sets it.
    const wait = def.operationId === "runSimulation" ? preferWait(headers.get("prefer")) : undefined;
    if (wait !== undefined) (request as { waitSeconds?: number }).waitSeconds ??= wait;
    const call = { principal, requestId: state.requestId, signal: abort.signal, get log() { return state.log; }, traceparent: state.trace.traceparent };
    if (def.stream) {
      await sendStream(res, await openStream(p, def, call, request), abort.signal);
      return;
    }
    const { response, replayed } = await executeUnary(p, def, call, request, headers.get("idempotency-key"));
    let status = def.rest.status;
    if (def.operationId === "checkReadiness" && response.status !== "SERVING_STATUS_SERVING") status = 503;
    const out: Record<string, string> = { "Content-Type": "application/json" };
    if (replayed) out["Idempotent-Replayed"] = "true";
    if (wait !== undefined) {
      out["Preference-Applied"] = `wait=${wait}`;
      out.Vary = "Prefer";
    }
    if (def.rest.location) out.Location = def.rest.location(response);
    if (status === 503) out["Retry-After"] = "5";
    const text = JSON.stringify(def.rest.responseField ? response[def.rest.responseField] : response);
    if (p.svc.config.signing.enabled) {
      // RFC 9421 over the status, content type, digest and the request's method and path (docs/signatures.md).
      const key = await signingKeyFor(p.svc, principal?.tenantId, def.operationId, response);
      Object.assign(out, signResponse(key, { status, contentType: out["Content-Type"]!, body: text, method: req.method ?? "GET", path: rawPath(req.url) }));
    }
    res.writeHead(status, out);
    res.end(text);
  } catch (err) {
    if (isClientGone(err, abort.signal)) {
      // The client went away (e.g. closed an SSE stream): not a server fault, and no one to answer.
      state.code = "canceled";
      state.log.debug("client went away", { error: String(err) });
      if (!res.headersSent) res.destroy();
      return;
    }
    const e = toApiError(err);
    state.code = e.code;
    if (e.code === "internal") state.log.error("request failed", { error: String(err), stack: (err as Error)?.stack });
    sendProblem(res, e, state.requestId, url.pathname);
  }
}

async function sendStream(response: NodeResponse, events: AsyncIterable<Json>, signal: AbortSignal): Promise<void> {
  // The two response types' write() overloads do not unify; both accept a string.
  const res = response as ServerResponse;
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" });
  res.flushHeaders?.();
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
  try {
    for await (const event of events) {
      if (signal.aborted) break;
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  } finally {
    clearInterval(keepAlive);
    res.end();
  }
}

/** The request's path as sent (RFC 9421 @path: not decoded, without the query). */
function rawPath(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0]!;
  return path === "" ? "/" : path;
}
