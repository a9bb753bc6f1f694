/** Per-call options: the last argument of every method. */
export interface RequestOptions {
  /** Retries after the first attempt (default: the client's `maxRetries`, 2). */
  maxRetries?: number;
  /** Milliseconds per attempt before it is abandoned and retried (default: the client's `timeout`, 60 000). */
  timeout?: number;
  /** Aborts the call at once, including while waiting to retry. */
  signal?: AbortSignal;
  /** The Idempotency-Key for a mutating call (default: a fresh UUID, reused across retries). */
  idempotencyKey?: string;
  /** Extra headers for this call; `null` removes a default one. */
  headers?: Record<string, string | null | undefined>;
}
