// A circuit breaker per backend. After `failureThreshold` consecutive faults
// it opens: calls fail at once with BackendUnavailableError and a Retry-After,
// instead of piling up on a dead backend. After `cooldownMs` one probe call is
// let through (half-open); its success closes the breaker again.
import { BackendUnavailableError, isBackendFault } from "./errors.js";

export type BreakerState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  cooldownMs?: number;
  now?: () => number;
  onStateChange?: (state: BreakerState, backend: string) => void;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = "closed";
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(
    readonly backend: string,
    private readonly options: CircuitBreakerOptions = {},
  ) {
    this.threshold = options.failureThreshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === "open" && this.now() - this.openedAt >= this.cooldownMs) return "half-open";
    return this.current;
  }

  /** Seconds until the breaker lets a probe through. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.cooldownMs - (this.now() - this.openedAt)) / 1000));
  }

  /** Why a call would be refused now (open, or half-open with its probe in flight), else undefined. */
  refusal(): { retryAfterSeconds: number; message: string } | undefined {
    const state = this.state;
    if (state === "closed" || (state === "half-open" && !this.probing)) return undefined;
    return { retryAfterSeconds: this.retryAfterSeconds(), message: `${this.backend} is unavailable (circuit open after ${this.failures} consecutive failures)` };
  }

  /** Runs `fn` through the breaker. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === "open" || (state === "half-open" && this.probing)) {
      throw new BackendUnavailableError(`${this.backend} is unavailable (circuit open after ${this.failures} consecutive failures)`, this.backend, this.retryAfterSeconds());
    }
    const probe = state === "half-open";
    if (probe) this.probing = true;
    try {
      const result = await fn();
      this.succeed();
      return result;
    } catch (err) {
      if (isBackendFault(err)) this.fail();
      else if (probe) this.succeed();
      throw err;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private succeed(): void {
    this.failures = 0;
    this.set("closed");
  }

  private fail(): void {
    this.failures++;
    if (this.current === "open" || this.failures >= this.threshold) {
      this.openedAt = this.now();
      this.set("open");
    }
  }

  private set(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state, this.backend);
  }
}
