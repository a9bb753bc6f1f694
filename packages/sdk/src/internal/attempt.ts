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

/**
 * `origin` (`scheme://host:port`, no path, query or credentials) is named in
 * connection and timeout errors.
 */
export function attemptSignal(user: AbortSignal | undefined, timeoutMs: number, origin?: string): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timedOutError = (cause?: unknown) =>
    new APIConnectionTimeoutError(`Request${origin ? ` to ${origin}` : ""} timed out after ${timeoutMs} ms.`, cause, { origin });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(timedOutError());
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
      if (timedOut) return timedOutError(error);
      // A wire's own connection error (Connect) gets the origin and system code too.
      if (error instanceof APIConnectionError && !(error instanceof APIConnectionTimeoutError) && error.origin === undefined) {
        return connectionError(error.cause ?? error, origin);
      }
      if (error instanceof SovrenError) return error;
      return connectionError(error, origin);
    },
  };
}

/**
 * "Connection error: cannot reach http://127.0.0.1:9 (ECONNREFUSED): fetch
 * failed". fetch reports "fetch failed" and hides the system error two
 * causes down (undici); connect-node one down: the first `code` that looks
 * like a system error's is named.
 */
export function connectionError(cause: unknown, origin: string | undefined): APIConnectionError {
  const systemCode = findSystemCode(cause);
  // Runtime messages can quote the URL, userinfo and all.
  const detail = messages(cause).replace(/\/\/[^/\s@]+@/g, "//***@");
  const where = origin ? ` cannot reach ${origin}` : "";
  const code = systemCode ? ` (${systemCode})` : "";
  const message = where || code ? `Connection error:${where}${code}${detail ? `: ${detail}` : "."}` : detail ? `Connection error: ${detail}` : "Connection error.";
  return new APIConnectionError(message, cause, { systemCode, origin });
}

/** The messages down the cause chain ("fetch failed: connect ECONNREFUSED 127.0.0.1:1"), each once. */
function messages(error: unknown): string {
  const seen: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.message && !seen.some((m) => m.includes(e.message))) seen.push(e.message);
  }
  return seen.join(": ");
}

function findSystemCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === "object" && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    // AggregateError (Happy Eyeballs: one error per address tried).
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) {
      for (const item of inner) {
        const found = findSystemCode(item);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** The origin of a URL (`scheme://host:port`), without userinfo, path or query; undefined if it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? undefined : origin;
  } catch {
    return undefined;
  }
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
