// CORS for browser clients (Connect-Web, fetch): configured origins, or any in
// development. Exposes the headers the SDK reads (docs/wire-conventions.md).
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import type { NodeRequest } from "./request-state.js";

const EXPOSE = "X-Request-Id, Retry-After, Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, Connect-Protocol-Version, Idempotent-Replayed, Location, traceparent, WWW-Authenticate";
const ALLOW_HEADERS = "Authorization, Content-Type, X-API-Key, X-Tenant-ID, Idempotency-Key, X-Request-Id, traceparent, tracestate, Connect-Protocol-Version, Connect-Timeout-Ms, Connect-Accept-Encoding, Connect-Content-Encoding, Grpc-Timeout, X-Grpc-Web, X-User-Agent";

/** Sets CORS headers; returns true when the request was a preflight and is answered. */
export function applyCors(req: NodeRequest, res: ServerResponse | Http2ServerResponse, origins: "*" | string[]): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== "string") return false;
  const allowed = origins === "*" || origins.includes(origin);
  if (!allowed) return false;
  res.setHeader("Access-Control-Allow-Origin", origins === "*" ? "*" : origin);
  res.setHeader("Vary", "Origin");
  res.setHeader("Access-Control-Expose-Headers", EXPOSE);
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
    res.setHeader("Access-Control-Max-Age", "7200");
    res.writeHead(204);
    res.end();
    return true;
  }
  return false;
}
