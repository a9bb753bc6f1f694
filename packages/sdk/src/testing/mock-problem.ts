import type { ErrorCode } from "../core/errors.js";

/** An error the mock backend answers with: a problem+json over REST, a ConnectError over Connect/gRPC. */
export class MockProblem extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = code,
    /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "MockProblem";
  }
}
