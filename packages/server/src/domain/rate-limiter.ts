// Per-tenant token buckets. Held in this process by default: with N instances
// behind a load balancer a tenant gets up to N times the rate, which is the
// usual trade for not putting a shared store on every request's path. With
// REDIS_URL the bucket is shared (scale/shared-rate-limiter.ts), and this one
// is its fallback while Redis is unreachable.

/** What the request pipeline asks: 0 when the request may go on, else the seconds to wait. */
export interface TenantLimiter {
  take(tenantId: string): number | Promise<number>;
}

export class RateLimiter implements TenantLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(tenantId: string, now = Date.now()): number {
    let b = this.buckets.get(tenantId);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: this.burst, at: now };
      this.buckets.set(tenantId, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSecond));
  }
}
