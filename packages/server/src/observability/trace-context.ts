// W3C Trace Context: continue the caller's trace (new span id for this hop)
// or start one, and echo the result on the response.
import { randomBytes } from "node:crypto";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceparent: string;
}

export function traceContext(header: string | null | undefined): TraceContext {
  const spanId = randomBytes(8).toString("hex");
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (m && m[1] !== "ff" && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!)) {
    return { traceId: m[2]!, spanId, parentSpanId: m[3]!, traceparent: `00-${m[2]}-${spanId}-${m[4]}` };
  }
  const traceId = randomBytes(16).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}
