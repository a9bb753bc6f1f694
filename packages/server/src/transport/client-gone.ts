// A client that goes away (cancels a stream, closes its channel, resets the
// connection) is not a server fault. These are the errors Node and connect-es
// raise when that happens while the server is still reading or writing; the
// transports log them at debug level instead of as a failed request.
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiError } from "../domain/errors.js";
import { DatabaseUnavailableError } from "../store/db.js";

const GONE_CODES = new Set([
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ABORT_ERR",
]);

/** Whether `err` (or its cause chain) says the client went away, or the call's signal was aborted. */
export function isClientGone(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  // The server's own failures are never the client leaving, whatever their
  // cause chain holds: a PostgreSQL connection reset is ECONNRESET too.
  if (err instanceof ApiError || err instanceof DatabaseUnavailableError) return false;
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectError && e.code === Code.Canceled) return true;
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === "string" && GONE_CODES.has(code)) return true;
    if (name === "AbortError") return true;
  }
  return false;
}
