import { describe, expect, it } from "vitest";
import { BackendFailedError, BackendUnavailableError, CircuitBreaker, InvalidTensorError } from "../src/index.js";

describe("circuit breaker", () => {
  const down = () => Promise.reject(new BackendUnavailableError("connection refused", "triton-grpc"));

  it("opens after consecutive faults, fails fast with Retry-After, and closes after a good probe", async () => {
    let now = 0;
    const states: string[] = [];
    const breaker = new CircuitBreaker("triton-grpc", { failureThreshold: 2, cooldownMs: 5_000, now: () => now, onStateChange: (s) => states.push(s) });
    await expect(breaker.call(down)).rejects.toThrow("connection refused");
    await expect(breaker.call(down)).rejects.toThrow("connection refused");
    expect(breaker.state).toBe("open");
    let called = false;
    const err = await breaker.call(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).retryAfterSeconds).toBe(5);
    expect((err as Error).message).toBe("triton-grpc is unavailable (circuit open after 2 consecutive failures)");
    now = 5_000;
    expect(breaker.state).toBe("half-open");
    await expect(breaker.call(down)).rejects.toThrow("connection refused");
    expect(breaker.state).toBe("open");
    now = 10_000;
    await expect(breaker.call(async () => "ok")).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
    expect(states).toEqual(["open", "closed"]);
  });

  it("does not count the caller's own errors or a job's failure against the backend", async () => {
    const breaker = new CircuitBreaker("ray-job", { failureThreshold: 1 });
    await expect(breaker.call(() => Promise.reject(new InvalidTensorError("bad")))).rejects.toThrow("bad");
    await expect(breaker.call(() => Promise.reject(new BackendFailedError("job failed", "ray-job")))).rejects.toThrow("job failed");
    expect(breaker.state).toBe("closed");
  });
});
