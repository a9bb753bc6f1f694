// RFC 9457 problem details, with the Connect code and the request id.
import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import type { Problem } from "@sovren/contracts/zod";
import type { ApiError } from "../../domain/errors.js";

export function sendProblem(
  res: ServerResponse | Http2ServerResponse,
  err: ApiError,
  requestId: string,
  instance: string,
): void {
  const problem: Problem = {
    type: "about:blank",
    title: STATUS_CODES[err.status] ?? "Error",
    status: err.status,
    detail: err.message,
    instance,
    code: err.code,
    requestId,
    ...(err.options.violations ? { errors: err.options.violations } : {}),
  };
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string> = { "Content-Type": "application/problem+json", ...err.options.headers };
  if (err.options.retryAfter !== undefined) headers["Retry-After"] = String(err.options.retryAfter);
  res.writeHead(err.status, headers);
  res.end(JSON.stringify(problem));
}
