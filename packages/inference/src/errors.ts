// Errors of the inference adapters. `code` is the Connect code the server
// answers with, so handlers map them without knowing which backend failed.

export type InferenceErrorCode = "invalid_argument" | "unavailable" | "deadline_exceeded" | "failed_precondition" | "internal" | "canceled";

export class InferenceError extends Error {
  override name = "InferenceError";
  constructor(
    message: string,
    readonly code: InferenceErrorCode,
    /** The backend's name ("triton-grpc", "ray-job", …), when one is involved. */
    readonly backend?: string,
    /** Seconds after which a retry may succeed. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown; public?: boolean },
  ) {
    super(message, options);
    this.public = options?.public === true;
  }
  /** The message is ours (no upstream text, no addresses or paths) and may be shown to tenants. */
  readonly public: boolean;
}

/** A tensor or simulation input refused before it was sent. */
export class InvalidTensorError extends InferenceError {
  override name = "InvalidTensorError";
  constructor(message: string) {
    super(message, "invalid_argument");
  }
}

/** The backend cannot be reached, is not ready, or its breaker is open. */
export class BackendUnavailableError extends InferenceError {
  override name = "BackendUnavailableError";
  constructor(message: string, backend: string, retryAfterSeconds = 5, options?: { cause?: unknown; public?: boolean }) {
    super(message, "unavailable", backend, retryAfterSeconds, options);
  }
}

/** The backend ran the work and reported a failure (a failed Ray job, a model error). */
export class BackendFailedError extends InferenceError {
  override name = "BackendFailedError";
  constructor(message: string, backend: string, code: InferenceErrorCode = "internal") {
    super(message, code, backend);
  }
}

/**
 * The reason in a model's `SimulationInputError: <reason>` text. PyTriton
 * answers every exception of the model as HTTP 500 / gRPC INTERNAL with a
 * Python traceback; this line tells bad input apart from a server fault.
 */
export function simulationInputReason(text: string): string | undefined {
  const m = /SimulationInputError: ([^\n]*)/.exec(text);
  return m ? redactPaths(m[1]!.replace(/\\n.*$/, "").trim()) : undefined;
}

/** Replaces file-system paths (which tell tenants about our machines) with `<path>`. */
export function redactPaths(text: string): string {
  return text.replace(/(?:[A-Za-z]:)?(?:[/\\][\w.@+-]+){2,}[/\\]?/g, "<path>");
}

/** Whether a failure says something about the backend's health (and so counts for its breaker). */
export function isBackendFault(err: unknown): boolean {
  if (err instanceof InferenceError) return err.code === "unavailable" || err.code === "deadline_exceeded" || (err.code === "internal" && !(err instanceof BackendFailedError));
  return !(err instanceof Error && err.name === "AbortError");
}
