import { describe, expect, it } from "vitest";
import { retryAfterMs, retryDelayMs, shouldRetry } from "../src/core/retries.js";
import { APIConnectionError, ConflictError, InternalServerError, ValidationError } from "../src/index.js";

describe("backoff", () => {
  it("uses full jitter within [0, min(8 s, 0.5 s · 2^n))", () => {
    for (let retry = 0; retry < 8; retry++) {
      const cap = Math.min(8_000, 500 * 2 ** retry);
      expect(retryDelayMs(retry, undefined, () => 0)).toBe(0);
      expect(retryDelayMs(retry, undefined, () => 0.999999)).toBe(Math.floor(0.999999 * cap));
      for (let i = 0; i < 50; i++) {
        const d = retryDelayMs(retry);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
    }
  });

  it("prefers the server's Retry-After (ms, seconds, HTTP date) within 60 s", () => {
    expect(retryDelayMs(3, new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryDelayMs(0, new Headers({ "retry-after": "2" }))).toBe(2_000);
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Tue, 01 Jan 2030 00:00:05 GMT" }), now)).toBe(5_000);
    expect(retryAfterMs(new Headers({ "retry-after": "3600" }))).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
  });
});

describe("shouldRetry", () => {
  const h = (init: Record<string, string> = {}) => new Headers(init);
  it("retries connection errors, 408, 429, 5xx but not 501", () => {
    expect(shouldRetry(new APIConnectionError())).toBe(true);
    expect(shouldRetry(new InternalServerError("x", { status: 503 }))).toBe(true);
    expect(shouldRetry(new InternalServerError("x", { status: 501 }))).toBe(false);
  });
  it("retries 409 only for aborted (the same key still running)", () => {
    expect(shouldRetry(new ConflictError("x", { status: 409, code: "aborted" }))).toBe(true);
    expect(shouldRetry(new ConflictError("x", { status: 409, code: "already_exists" }))).toBe(false);
    expect(shouldRetry(new ConflictError("x", { status: 409, code: "failed_precondition" }))).toBe(false);
  });
  it("follows x-should-retry and never retries validation errors", () => {
    expect(shouldRetry(new InternalServerError("x", { status: 500, headers: h({ "x-should-retry": "false" }) }))).toBe(false);
    expect(shouldRetry(new ValidationError("x", "request", []))).toBe(false);
  });
});
