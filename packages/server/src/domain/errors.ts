// The one error type handlers throw. It carries the Connect code (snake case,
// as in problem+json) so each transport maps it without knowing the cause.
import { ErrorCodeHttpStatus, type ErrorCode, type FieldViolation } from "@sovren/contracts/zod";
import { isDatabaseUnavailable } from "../store/db.js";

export type { ErrorCode };

export interface ApiErrorOptions {
  /** Overrides the code's usual HTTP status (422 for a reused idempotency key, 413, 415). */
  status?: number;
  violations?: FieldViolation[];
  /** Seconds; sent as Retry-After. */
  retryAfter?: number;
  /** Extra response headers (e.g. WWW-Authenticate). */
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    this.status = options.status ?? ErrorCodeHttpStatus[code];
  }
}

export const notFound = (what: string, id: string) => new ApiError("not_found", `${what} ${id} not found`);

export const invalidArgument = (message: string, violations?: FieldViolation[]) =>
  new ApiError("invalid_argument", message, violations ? { violations } : {});

/** Seconds a client should wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 1;

export const databaseUnavailable = () =>
  new ApiError("unavailable", "the database is unavailable; retry shortly", { retryAfter: DATABASE_RETRY_AFTER_S });

export const shuttingDown = () =>
  new ApiError("unavailable", "the server is shutting down; retry (another instance will answer)", { retryAfter: 1 });

/**
 * Maps anything thrown to an ApiError: an unreachable or restarting database
 * is `unavailable` (503 + Retry-After, retried by the SDK); other unknown
 * errors become `internal` without leaking details.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return new ApiError("internal", "internal error");
}
