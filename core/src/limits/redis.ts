import type { Redis } from 'ioredis';
import {
  assertValidRule,
  closedError,
  unlimitedVerdict,
  verdictFor,
  windowAt,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitVerdict,
} from './rate-limiter.js';

/**
 * Counts a hit and makes sure the counter expires, atomically and in one
 * round trip. The TTL is set on the first hit of a window (and repaired if a
 * counter ever lacks one), never pushed back by later hits.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`;

/**
 * A rate limiter shared by every process through Redis: fixed windows, one
 * counter per rule, key and window at `<prefix><rule>:<key>:<window index>`.
 *
 * Windows are computed from this process's clock; each counter lives for one
 * full window after its first hit, so processes whose clocks differ by less
 * than a window still share counters instead of recreating expired ones.
 *
 * The limiter is handed its client and does not own it: `close()` leaves the
 * connection open for whoever created it to quit.
 *
 * @param options.redis - a connected (or connecting) ioredis client.
 * @param options.prefix - key prefix, default `tandem:rl:`.
 *
 * @example
 * const limiter = createRedisRateLimiter({ redis });
 * await enforce(limiter, { name: 'magic-link', limit: 5, windowMs: 900_000 }, email);
 */
export function createRedisRateLimiter(options: { redis: Redis; prefix?: string }): RateLimiter {
  const { redis } = options;
  const prefix = options.prefix ?? 'tandem:rl:';
  let isClosed = false;

  return {
    async hit(rule: RateLimitRule, key: string): Promise<RateLimitVerdict> {
      if (isClosed) throw closedError('Redis');
      assertValidRule(rule);
      // An unlimited rule needs no counter: no round trip, no key.
      if (rule.limit === 0) return { ...unlimitedVerdict };
      const { index, resetMs } = windowAt(rule.windowMs, Date.now());
      const redisKey = `${prefix}${rule.name}:${key}:${index}`;
      // EVAL rather than defineCommand: defining a command would add a method
      // to a client this adapter does not own.
      const count = await redis.eval(HIT_SCRIPT, 1, redisKey, rule.windowMs);
      if (typeof count !== 'number') {
        throw new Error(`Redis answered the rate-limit script with ${typeof count}, not a number.`);
      }
      return verdictFor(rule, count, resetMs);
    },
    async close() {
      isClosed = true;
    },
  };
}
