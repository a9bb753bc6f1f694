import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, SovrenError } from "../core/errors.js";

/** The signal of one attempt: the caller's signal plus the attempt's timeout. */
export interface AttemptSignal {
  signal: AbortSignal;
  /** Stops the timeout (a stream is open: it may then idle as long as it likes). */
  clearTimeout(): void;
  /** Detaches from the caller's signal. */
  release(): void;
  /** Turns whatever the attempt threw into an SDK error, knowing which signal fired. */
  classify(error: unknown): SovrenError;
}

export function attemptSignal(user: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new APIConnectionTimeoutError(`Request timed out after ${timeoutMs} ms.`));
  }, timeoutMs);
  const onAbort = () => controller.abort(user?.reason);
  if (user?.aborted) onAbort();
  else user?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    clearTimeout: () => clearTimeout(timer),
    release() {
      clearTimeout(timer);
      user?.removeEventListener("abort", onAbort);
    },
    classify(error) {
      if (user?.aborted) return error instanceof APIUserAbortError ? error : new APIUserAbortError(undefined, error);
      if (timedOut) return new APIConnectionTimeoutError(`Request timed out after ${timeoutMs} ms.`, error);
      if (error instanceof SovrenError) return error;
      // Runtime messages can quote the URL, userinfo and all.
      const message = error instanceof Error ? `Connection error: ${error.message.replace(/\/\/[^/\s@]+@/g, "//***@")}` : "Connection error.";
      return new APIConnectionError(message, error);
    },
  };
}

/** Throws APIUserAbortError if the caller already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new APIUserAbortError(undefined, signal.reason);
}

/** A UUID v4 (crypto.randomUUID where available: Node, Deno, Bun, browsers in secure contexts). */
export function uuid(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
