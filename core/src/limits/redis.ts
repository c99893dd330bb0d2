import type { Cluster, Redis } from 'ioredis';
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

/** How long a hit waits for Redis before it is let through uncounted. */
const DEFAULT_FAIL_OPEN_AFTER_MS = 500;
/** While Redis stays unavailable, at most one log line per this many ms. */
const UNAVAILABLE_LOG_EVERY_MS = 10_000;

/** Connection states in which ioredis would fail or queue a command at once. */
const LOST = new Set(['reconnecting', 'close', 'end']);

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** A connected (or connecting) ioredis client; the limiter does not own it. */
  redis: Redis | Cluster;
  /** Key prefix, default `tandem:rl:`. */
  prefix?: string;
  /** How long a hit waits for Redis before letting the request through (default 500 ms). */
  failOpenAfterMs?: number;
  /**
   * Told when Redis fails and a hit is let through, and when it answers
   * again (`error` undefined). Default: a `console.warn` line, at most one
   * per 10 s while Redis stays away.
   */
  onUnavailable?: (error: unknown) => void;
}

/** The default reporter: one line when Redis goes, one per 10 s while away, one when back. */
function warnUnavailable(): (error: unknown) => void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let isAway = false;
  return (error) => {
    if (error === undefined) {
      if (isAway) console.warn('Rate limits: Redis answers again; limits apply again.');
      isAway = false;
      return;
    }
    const at = Date.now();
    if (isAway && at - lastLoggedAt < UNAVAILABLE_LOG_EVERY_MS) return;
    isAway = true;
    lastLoggedAt = at;
    console.warn(
      `Rate limits: Redis is unavailable (${String(error)}); letting requests through uncounted.`,
    );
  };
}

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
 * It fails open: while Redis is unavailable (connection lost, an error, or
 * no answer within `failOpenAfterMs`) a hit is allowed without being
 * counted, and the outage is logged. Pledges live in PostgreSQL; a limit
 * that cannot be counted for a while must not refuse them or make them hang.
 *
 * @param options.redis - a connected (or connecting) ioredis client.
 * @param options.prefix - key prefix, default `tandem:rl:`.
 *
 * @example
 * const limiter = createRedisRateLimiter({ redis });
 * await enforce(limiter, { name: 'magic-link', limit: 5, windowMs: 900_000 }, email);
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis } = options;
  const prefix = options.prefix ?? 'tandem:rl:';
  const failOpenAfterMs = options.failOpenAfterMs ?? DEFAULT_FAIL_OPEN_AFTER_MS;
  const onUnavailable = options.onUnavailable ?? warnUnavailable();
  let isClosed = false;
  let isFailingOpen = false;

  /** The script's answer, or the reason Redis gave none in time. */
  async function count(redisKey: string, windowMs: number): Promise<{ value: unknown } | Error> {
    if (LOST.has(redis.status)) return new Error(`the connection is ${redis.status}`);
    let timer: NodeJS.Timeout | undefined;
    // EVAL rather than defineCommand: defining a command would add a method
    // to a client this adapter does not own.
    const answer = redis.eval(HIT_SCRIPT, 1, redisKey, windowMs).then(
      (value) => ({ value }),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    const late = new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`no answer within ${failOpenAfterMs} ms`)),
        failOpenAfterMs,
      );
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async hit(rule: RateLimitRule, key: string): Promise<RateLimitVerdict> {
      if (isClosed) throw closedError('Redis');
      assertValidRule(rule);
      // An unlimited rule needs no counter: no round trip, no key.
      if (rule.limit === 0) return { ...unlimitedVerdict };
      const { index, resetMs } = windowAt(rule.windowMs, Date.now());
      const answer = await count(`${prefix}${rule.name}:${key}:${index}`, rule.windowMs);
      if (answer instanceof Error) {
        isFailingOpen = true;
        onUnavailable(answer);
        return { allowed: true, remaining: rule.limit, resetMs };
      }
      if (isFailingOpen) {
        isFailingOpen = false;
        onUnavailable(undefined);
      }
      if (typeof answer.value !== 'number') {
        throw new Error(
          `Redis answered the rate-limit script with ${typeof answer.value}, not a number.`,
        );
      }
      return verdictFor(rule, answer.value, resetMs);
    },
    async forget(key: string) {
      if (isClosed) throw closedError('Redis');
      // Every rule and window of this key; the key's own glob characters
      // are escaped so that it only ever matches itself.
      const pattern = `${escapeGlob(prefix)}*:${escapeGlob(key)}:*`;
      let dropped = 0;
      // A Cluster's SCAN reads one node: each primary is scanned in turn.
      const nodes: Redis[] =
        'isCluster' in redis && redis.isCluster
          ? (redis as Cluster).nodes('master')
          : [redis as Redis];
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          // A rule name holds no ":", so a longer key that merely ends like
          // this one (`x:<key>`) is told apart here.
          const own = keys.filter((found) => {
            const rest = found.slice(prefix.length);
            const afterRule = rest.slice(rest.indexOf(':') + 1);
            return afterRule.slice(0, afterRule.lastIndexOf(':')) === key;
          });
          // One slot on a Cluster: its prefix is a hash tag (config.ts).
          if (own.length > 0) dropped += await redis.del(...own);
        } while (cursor !== '0');
      }
      return dropped;
    },
    async close() {
      isClosed = true;
    },
  };
}

/** Escapes Redis glob characters (`* ? [ ] \`), so a text matches only itself in SCAN. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
