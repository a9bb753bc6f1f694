import { APIConnectionError, APIError, APIUserAbortError, ValidationError } from "./errors.js";

export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 8_000;
/** A server-requested delay longer than this is ignored in favour of our own backoff. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Whether a failed attempt may be sent again. Every mutating call carries an
 * idempotency key reused across attempts, so a retry never duplicates work.
 */
export function shouldRetry(error: unknown): boolean {
  if (!(error instanceof APIError) || error instanceof APIUserAbortError || error instanceof ValidationError) return false;
  if (error instanceof APIConnectionError) return true; // includes timeouts
  const override = error.headers.get("x-should-retry");
  if (override === "true") return true;
  if (override === "false") return false;
  const status = error.status;
  if (status === undefined) return false;
  if (status === 408 || status === 429) return true;
  // 409 means three things on this API (wire-conventions): `aborted` is a
  // concurrent request with the same idempotency key still running, which will
  // finish and then replay, so waiting and retrying is right. `already_exists`
  // and `failed_precondition` answer the same every time. 422 (key reused with
  // another body) is the caller's bug and is never retried.
  if (status === 409) return error.code === "aborted" || error.code === undefined;
  if (status === 501) return false;
  return status >= 500;
}

/** The server's `retry-after-ms` / `Retry-After` (seconds or HTTP date), if usable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0 && value <= MAX_RETRY_AFTER_MS) return value;
  }
  const after = headers.get("retry-after");
  if (after !== null && after.trim() !== "") {
    const seconds = Number(after);
    const value = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - now;
    if (Number.isFinite(value) && value >= 0 && value <= MAX_RETRY_AFTER_MS) return value;
  }
  return undefined;
}

/**
 * Exponential backoff with full jitter: a uniformly random delay in
 * [0, min(8 s, 0.5 s · 2^retry)), unless the server said how long to wait.
 */
export function retryDelayMs(retry: number, headers?: Headers, random: () => number = Math.random): number {
  const fromServer = retryAfterMs(headers);
  if (fromServer !== undefined) return fromServer;
  const cap = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** retry);
  return Math.floor(random() * cap);
}

/** Resolves after `ms`, or rejects with APIUserAbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError(undefined, signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new APIUserAbortError(undefined, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
