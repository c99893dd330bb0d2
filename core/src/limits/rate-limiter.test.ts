import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './memory.js';
import { createRedisRateLimiter } from './redis.js';
import { describeRateLimiterContract } from '../testing/rate-limiter.contract.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The URL without its password, fit for a test title or a log line. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/** A connected client, or the reason there is none. Fails fast: no retry loop. */
async function connectRedis(): Promise<Redis | Error> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // The 'error' event carries the real cause (ECONNREFUSED…); connect() only
  // rejects with "Connection is closed". Listening also keeps it from being
  // reported as unhandled.
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause = error;
  });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    return cause ?? (error instanceof Error ? error : new Error(String(error)));
  }
}

describeRateLimiterContract('memory', () => {
  let now = 1_700_000_000_000;
  return {
    limiter: createMemoryRateLimiter({ now: () => now }),
    shortWindowMs: 300,
    elapse: async (ms) => {
      now += ms;
    },
  };
});

describe('memory rate limiter', () => {
  it('drops ended windows, so memory stays bounded', async () => {
    let now = 1_700_000_000_000;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const rule = { name: 'bounded', limit: 1, windowMs: 60_000 };
    for (let i = 0; i < 100; i++) await limiter.hit(rule, `key-${i}`);
    expect(limiter.size).toBe(100);
    now += 120_000;
    await limiter.hit(rule, 'key-fresh');
    expect(limiter.size).toBe(1);
    await limiter.close();
  });
});

const redis = await connectRedis();

if (redis instanceof Redis) {
  const prefix = `tandem:test:rl:${randomUUID()}:`;

  describeRateLimiterContract('redis', () => ({
    limiter: createRedisRateLimiter({ redis, prefix }),
    shortWindowMs: 300,
    elapse: (ms) => sleep(ms),
  }));

  describe('redis rate limiter', () => {
    it('stores counters that expire, under its prefix', async () => {
      const limiter = createRedisRateLimiter({ redis, prefix });
      await limiter.hit({ name: 'expiry', limit: 5, windowMs: 60_000 }, 'k');
      const keys = await redis.keys(`${prefix}expiry:k:*`);
      expect(keys).toHaveLength(1);
      const ttl = await redis.pttl(keys[0] ?? '');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await limiter.close();
    });

    it('leaves the client it was handed open on close', async () => {
      const limiter = createRedisRateLimiter({ redis, prefix });
      await limiter.close();
      expect(await redis.ping()).toBe('PONG');
    });
  });

  afterAll(async () => {
    const stream = redis.scanStream({ match: `${prefix}*`, count: 100 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });
} else {
  // The suite needs Redis, as README.md says: a missing Redis fails, it never skips.
  it(`reaches Redis at ${redacted(redisUrl)}`, () => {
    throw new Error(
      `Redis is unreachable at ${redacted(redisUrl)}: ${redis.message}; start Redis or set REDIS_URL`,
    );
  });
}
