// Per-request facts the outer HTTP handler establishes (id, trace, logger)
// and both transports read. Keyed by the Node request object.
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { Logger } from "../observability/logger.js";
import type { TraceContext } from "../observability/trace-context.js";

export type NodeRequest = IncomingMessage | Http2ServerRequest;

export interface RequestState {
  requestId: string;
  trace: TraceContext;
  log: Logger;
  transport: "rest" | "connect" | "other";
  /** The metrics label: operationId for REST, the procedure path for Connect. */
  method: string;
  tenantId?: string;
  /** The error code, when the request failed (for the access log). */
  code?: string;
}

const states = new WeakMap<NodeRequest, RequestState>();

export const setRequestState = (req: NodeRequest, s: RequestState) => states.set(req, s);
export const getRequestState = (req: NodeRequest) => states.get(req);

/**
 * Node's header object read by name (lower case), as `Headers.get` would
 * answer, without building a fetch `Headers` per request (a measurable cost).
 */
export function headerReader(raw: NodeRequest["headers"]): { get(name: string): string | null } {
  return {
    get(name) {
      const v = raw[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : String(v);
    },
  };
}

/** Node's header object as a fetch Headers (HTTP/2 pseudo-headers dropped). */
export function toHeaders(raw: NodeRequest["headers"]): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith(":") || v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) h.append(k, x);
    else h.set(k, String(v));
  }
  return h;
}
