import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../store/embedded.js';
import { testRedisUrl } from '../testing/redis.js';
import { enforce } from './rate-limiter.js';
import { createRedisRateLimiter } from './redis.js';

/**
 * The Redis rate limiter fails open: while Redis is unavailable a hit is let
 * through uncounted, at once or within `failOpenAfterMs`, and the outage is
 * reported; when Redis answers again, counting resumes.
 */
describe('redis rate limiter without Redis', () => {
  const prefix = `tandem:test:rl-open:${randomUUID()}:`;
  const rule = { name: 'writes', limit: 5, windowMs: 60_000 };
  const clients: Redis[] = [];
  const client = (url: string, options: RedisOptions = {}) => {
    const redis = new Redis(url, options);
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };

  afterAll(async () => {
    const cleaner = client(testRedisUrl());
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    for (const redis of clients) redis.disconnect();
  });

  it('lets hits through at once while the connection is lost, and says so', async () => {
    const port = await freePort();
    const redis = client(`redis://127.0.0.1:${port}`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    const reports: unknown[] = [];
    const limiter = createRedisRateLimiter({
      redis,
      prefix,
      onUnavailable: (e) => reports.push(e),
    });
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      // Far over the limit: nothing is counted, so nothing is refused.
      await expect(enforce(limiter, rule, 'someone')).resolves.toBeUndefined();
    }
    expect(performance.now() - started).toBeLessThan(1000);
    expect(reports).toHaveLength(20);
    expect(reports.every((r) => r instanceof Error)).toBe(true);
    await limiter.close();
  });

  it('lets a hit through after failOpenAfterMs when a command would wait for Redis', async () => {
    const port = await freePort();
    // The default client queues commands until it connects: they would wait forever.
    const redis = client(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
    const reports: unknown[] = [];
    const limiter = createRedisRateLimiter({
      redis,
      prefix,
      failOpenAfterMs: 200,
      onUnavailable: (e) => reports.push(e),
    });
    const started = performance.now();
    const verdict = await limiter.hit(rule, 'someone');
    const took = performance.now() - started;
    expect(verdict).toMatchObject({ allowed: true, remaining: rule.limit });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1500);
    expect(String(reports[0])).toMatch(/no answer within 200 ms/);
    await limiter.close();
  });

  it('counts again once Redis answers again', async () => {
    const redis = client(testRedisUrl(), { enableOfflineQueue: false, lazyConnect: true });
    await redis.connect();
    const reports: unknown[] = [];
    const limiter = createRedisRateLimiter({
      redis,
      prefix,
      onUnavailable: (e) => reports.push(e),
    });
    const key = `k-${randomUUID()}`;
    expect(await limiter.hit(rule, key)).toMatchObject({ allowed: true, remaining: 4 });

    const ended = once(redis, 'end');
    redis.disconnect();
    expect(await limiter.hit(rule, key)).toMatchObject({ allowed: true, remaining: 5 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toBeInstanceOf(Error);

    await ended;
    await redis.connect();
    expect(await limiter.hit(rule, key)).toMatchObject({ allowed: true, remaining: 3 });
    expect(reports).toEqual([reports[0], undefined]);
    await limiter.close();
  });
});
