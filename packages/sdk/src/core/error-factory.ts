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
import { ErrorCodeHttpStatus } from "@sovren/contracts/zod";

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
