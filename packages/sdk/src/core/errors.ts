import type { components } from "@sovren/contracts/openapi";

type Problem = components["schemas"]["Problem"];
type Operation = components["schemas"]["Operation"];
/** A Connect/gRPC status code in snake case, as carried by `Problem.code`. */
export type ErrorCode = components["schemas"]["ErrorCode"];
export type FieldViolation = components["schemas"]["FieldViolation"];

// Marks every Sovren error with the names of its class chain, so `X.is(e)` works
// across duplicated copies of the package (ESM + CJS, two versions) where
// `instanceof` does not.
const KINDS = Symbol.for("@sovren/sdk.error-kinds");

/** The base of every error the SDK throws. */
export class SovrenError extends Error {
  static readonly errorName: string = "SovrenError";
  declare readonly [KINDS]: readonly string[];

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const kinds: string[] = [];
    for (let c = new.target as unknown as { errorName?: string } | null; c?.errorName; c = Object.getPrototypeOf(c)) {
      if (!kinds.includes(c.errorName)) kinds.push(c.errorName);
    }
    Object.defineProperty(this, KINDS, { value: kinds });
    // A stable name even when a minifier renames the classes.
    Object.defineProperty(this, "name", { value: kinds[0], enumerable: false, configurable: true, writable: true });
  }

  /** True when `value` is this kind of Sovren error (or a subclass), from any copy of the SDK. */
  static is<T extends abstract new (...args: never[]) => SovrenError>(this: T & { errorName: string }, value: unknown): value is InstanceType<T> {
    const kinds = (value as { [KINDS]?: unknown } | null)?.[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.errorName);
  }
}

export interface APIErrorInit {
  status?: number | undefined;
  code?: ErrorCode | undefined;
  problem?: Problem | undefined;
  requestId?: string | undefined;
  headers?: Headers | undefined;
  cause?: unknown;
}

/** The server answered with an error (REST problem+json or a Connect/gRPC error). */
export class APIError extends SovrenError {
  static override readonly errorName: string = "APIError";
  /** HTTP status (for Connect/gRPC: the status the code maps to, see docs/wire-conventions.md). */
  readonly status: number | undefined;
  /** The Connect/gRPC code in snake case (`not_found`, `unavailable`, …). */
  readonly code: ErrorCode | undefined;
  /** The RFC 9457 problem details (REST), or one built from the Connect error. */
  readonly problem: Problem | undefined;
  readonly requestId: string | undefined;
  /** Response headers (Connect/gRPC: headers and trailers). */
  readonly headers: Headers;
  /** Per-field violations, when the server named the fields. */
  readonly errors: readonly FieldViolation[];

  constructor(message: string, init: APIErrorInit = {}) {
    super(message, { cause: init.cause });
    this.status = init.status;
    this.code = init.code ?? init.problem?.code;
    this.problem = init.problem;
    this.headers = init.headers ?? new Headers();
    this.requestId = init.requestId ?? this.headers.get("x-request-id") ?? init.problem?.requestId ?? undefined;
    this.errors = init.problem?.errors ?? [];
  }
}

export class BadRequestError extends APIError {
  static override readonly errorName: string = "BadRequestError";
}
/**
 * Input or a response failed the contract's validators on the client; nothing
 * was sent (input) or the response was not used. `status` is 400 and `code`
 * `invalid_argument`, as the server would answer the same input, and
 * `clientSide` is `true`: no server produced this error.
 */
export class ValidationError extends BadRequestError {
  static override readonly errorName: string = "ValidationError";
  /** Always `true`: the SDK found the problem, not the server. */
  readonly clientSide = true as const;
  constructor(
    message: string,
    /** `request`: rejected before sending. `response`: the server's answer broke the contract. */
    readonly source: "request" | "response",
    violations: FieldViolation[],
    requestId?: string,
  ) {
    super(message, { requestId, status: 400, code: "invalid_argument" });
    Object.defineProperty(this, "errors", { value: violations });
  }
}
export class AuthenticationError extends APIError {
  static override readonly errorName: string = "AuthenticationError";
}
export class PermissionDeniedError extends APIError {
  static override readonly errorName: string = "PermissionDeniedError";
}
export class NotFoundError extends APIError {
  static override readonly errorName: string = "NotFoundError";
}
export class ConflictError extends APIError {
  static override readonly errorName: string = "ConflictError";
}
export class RateLimitError extends APIError {
  static override readonly errorName: string = "RateLimitError";
}
export class InternalServerError extends APIError {
  static override readonly errorName: string = "InternalServerError";
}
/**
 * The request never got an answer (DNS, refused, reset, TLS…). The message
 * names the server's origin (never its path, query or credentials) and the
 * system error code; `code` is `unavailable`, as Connect reports it.
 */
export class APIConnectionError extends APIError {
  static override readonly errorName: string = "APIConnectionError";
  /** The operating system's error code when there is one: `ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `ETIMEDOUT`, `UND_ERR_SOCKET`… */
  readonly systemCode: string | undefined;
  /** The origin (`scheme://host:port`) the SDK tried to reach, when known. */
  readonly origin: string | undefined;
  constructor(message = "Connection error.", cause?: unknown, init: { systemCode?: string | undefined; origin?: string | undefined; code?: ErrorCode } = {}) {
    super(message, { cause, code: init.code ?? "unavailable" });
    this.systemCode = init.systemCode;
    this.origin = init.origin;
  }
}
/** An attempt got no answer within the `timeout` (`code`: `deadline_exceeded`). */
export class APIConnectionTimeoutError extends APIConnectionError {
  static override readonly errorName: string = "APIConnectionTimeoutError";
  constructor(message = "Request timed out.", cause?: unknown, init: { origin?: string | undefined } = {}) {
    super(message, cause, { ...init, code: "deadline_exceeded" });
  }
}
/**
 * `operations.wait` gave up: the operation was not done within the `timeout`
 * given. The operation itself goes on; `operation` is the last state seen
 * (undefined if no poll answered in time). Not an APIError: nothing failed on
 * the wire, so it is never retried.
 */
export class WaitTimeoutError extends SovrenError {
  static override readonly errorName: string = "WaitTimeoutError";
  constructor(
    readonly operationId: string,
    /** The overall timeout, in milliseconds. */
    readonly timeout: number,
    /** The last state seen, if any poll answered. */
    readonly operation: Operation | undefined,
    cause?: unknown,
  ) {
    super(`Operation ${operationId} was not done after ${timeout} ms${operation ? ` (last seen: ${operation.state}, progress ${operation.progress})` : ""}.`, { cause });
  }
}
/** The caller's AbortSignal fired. */
export class APIUserAbortError extends APIError {
  static override readonly errorName: string = "APIUserAbortError";
  constructor(message = "Request was aborted.", cause?: unknown) {
    super(message, { cause, code: "canceled" });
  }
}
