import type { ErrorCode, FieldViolation } from "../core/errors.js";

/**
 * An error the mock backend answers with: a problem+json over REST, a
 * ConnectError over Connect/gRPC (field violations as a google.rpc.BadRequest
 * detail, as the reference server sends them).
 */
export class MockProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = code,
    /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
    readonly headers: Record<string, string> = {},
    /** Per-field violations (problem `errors`; BadRequest field violations). */
    readonly errors: FieldViolation[] = [],
  ) {
    super(message);
    this.name = "MockProblem";
  }
}
