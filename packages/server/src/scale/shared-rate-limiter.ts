// The per-tenant token bucket shared by every instance: one Redis hash per
// tenant, refilled and taken from in one Lua script, so the check-and-take is
// atomic however many instances call it at once. The clock is Redis's own
// (TIME), so instances with skewed clocks agree on the refill.
//
// A script rather than rate-limiter-flexible: that library's Redis limiters
// count fixed windows (up to twice the limit across a window boundary) and
// its burst is a second limiter on top; ours is the same bucket (rate, burst)
// as the in-process limiter, so moving to Redis changes where the bucket
// lives, not what it allows. ioredis loads the script once (EVALSHA, falling
// back to EVAL after a Redis restart).
//
// Redis down (or slower than the command timeout): fail OPEN to this
// instance's own bucket (domain/rate-limiter.ts). The limit is a fairness
// and capacity guard, not a security boundary; refusing every request while
// Redis is out would turn a cache outage into an API outage. Each instance
// still enforces the tenant's rate locally, so the worst case is N instances
// × the rate, the pre-Redis behaviour. Readiness reports Redis as
// NOT_SERVING meanwhile.
import type { Redis } from "ioredis";
import { RateLimiter, type TenantLimiter } from "../domain/rate-limiter.js";
import type { RedisConnection } from "./redis-connection.js";

const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

type WithTake = Redis & { sovrenTakeToken(key: string, rate: number, burst: number): Promise<number> };

export class SharedRateLimiter implements TenantLimiter {
  private readonly local: RateLimiter;
  private readonly redis: WithTake;

  constructor(
    private readonly conn: RedisConnection,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.local = new RateLimiter(ratePerSecond, burst);
    conn.command.defineCommand("sovrenTakeToken", { numberOfKeys: 1, lua: TAKE });
    this.redis = conn.command as WithTake;
  }

  /** Takes one token from the tenant's shared bucket; 0 when allowed, else whole seconds to wait. */
  async take(tenantId: string): Promise<number> {
    if (!this.conn.ready) return this.local.take(tenantId);
    try {
      const waitMs = await this.redis.sovrenTakeToken(this.conn.key("ratelimit", tenantId), this.ratePerSecond, this.burst);
      return waitMs <= 0 ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
    } catch (err) {
      this.conn.unavailable(err);
      return this.local.take(tenantId);
    }
  }
}
