import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type APIErrorInit,
  type ErrorCode,
} from "./errors.js";
import { ErrorCodeHttpStatus } from "@sovren/contracts/openapi";

// code → status is the contract's table (ErrorCode's x-http-status, generated as
// ErrorCodeHttpStatus); status → code, for answers without a problem body, is ours.
const STATUS_CODE: Record<number, ErrorCode> = {
  400: "invalid_argument",
  401: "unauthenticated",
  403: "permission_denied",
  404: "not_found",
  409: "aborted",
  422: "invalid_argument",
  429: "resource_exhausted",
  499: "canceled",
  500: "internal",
  501: "unimplemented",
  503: "unavailable",
  504: "deadline_exceeded",
};

// The problem `title` of each status: the HTTP reason phrase, as the reference
// server writes it (RFC 9457: one title per problem type), so an error reads
// the same on REST and Connect/gRPC.
const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The problem title for an HTTP status (the reason phrase; "Error" for statuses without one, as 499). */
export function titleForStatus(status: number): string {
  return TITLES[status] ?? "Error";
}

export function statusForCode(code: ErrorCode): number {
  return ErrorCodeHttpStatus[code] ?? 500;
}

export function codeForStatus(status: number): ErrorCode {
  return STATUS_CODE[status] ?? (status >= 500 ? "unavailable" : "unknown");
}

/** The one factory every transport uses: the error class follows the HTTP status. */
export function makeAPIError(message: string, init: APIErrorInit & { status: number }): APIError {
  const Class = errorClassForStatus(init.status);
  return new Class(message, init);
}

function errorClassForStatus(status: number): typeof APIError {
  if (status === 400 || status === 422) return BadRequestError;
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return APIError;
}
