import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisRateLimiter } from '../../limits/redis.js';
import { deleteKeys, testRedisUrl } from '../../testing/redis.js';
import { unique } from '../../testing/scenarios.js';
import { Jobs } from '../queue.js';
import { createBullQueue } from './bullmq-queue.js';

/**
 * A Redis Cluster runs a script or a MULTI only on keys of one hash slot,
 * and BullMQ's scripts touch several keys of a queue at once; so on a
 * Cluster every key of a queue must share a slot, which a hash-tagged
 * prefix (`TANDEM_REDIS_PREFIX={tandem}`) ensures (ADR 0046). This file runs
 * Tandem's queues and rate limiter on the local Redis under such a prefix
 * and checks the slot of every key they wrote, computed as a Cluster does.
 * Without the tag, the same work spreads its keys over several slots: the
 * check can tell them apart.
 */

/** CRC16/XMODEM, the checksum of Redis Cluster's key slots. */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The slot of `key` in a Redis Cluster: of its hash tag (`{…}`, non-empty) when it has one. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(Buffer.from(key.slice(open + 1, close))) % 16384;
  }
  return crc16(Buffer.from(key)) % 16384;
}

const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(prefix);
});

/** Runs a little of every kind of queue work under `prefix`; returns the keys it left. */
async function keysLeftBy(prefix: string): Promise<string[]> {
  prefixes.push(prefix);
  const queue = await createBullQueue({ url: testRedisUrl(), prefix, lockDurationMs: 2000 });
  const limiterConnection = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  try {
    const done = new Set<string>();
    queue.handle<{ n: number }>(Jobs.evaluateChallenge, async ({ n }) => {
      done.add(`evaluate-${n}`);
    });
    queue.handle<{ n: number }>(Jobs.deliverEvent, async ({ n }) => {
      done.add(`deliver-${n}`);
    });
    queue.handle(Jobs.sweepDeadlines, async () => undefined);
    await queue.schedule(Jobs.sweepDeadlines, {}, { id: 'sweep-deadlines', everyMs: 60_000 });
    await queue.start();
    await queue.enqueue(Jobs.evaluateChallenge, { n: 1 }, { dedupeKey: 'chl_one' });
    await queue.enqueue(Jobs.evaluateChallenge, { n: 2 }, { dedupeKey: 'chl_two' });
    await queue.enqueue(Jobs.deliverEvent, { n: 1 }, { jobId: 'evt_one' });
    await queue.enqueue(Jobs.deliverEvent, { n: 2 }, { delayMs: 100 });
    await queue.idle();
    expect([...done].sort()).toEqual(['deliver-1', 'deliver-2', 'evaluate-1', 'evaluate-2']);

    const limiter = createRedisRateLimiter({ redis: limiterConnection, prefix: `${prefix}:rl:` });
    const verdict = await limiter.hit(
      { name: 'pledge', limit: 5, windowMs: 60_000 },
      'ada@x.example',
    );
    expect(verdict.allowed).toBe(true);
    await limiter.close();
  } finally {
    await queue.close();
    limiterConnection.disconnect();
  }
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

describe('Redis keys under a hash-tagged prefix', () => {
  it('computes slots as Redis Cluster does', () => {
    // Values given by CLUSTER KEYSLOT on a Cluster.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // The cases of the Cluster specification: the first `{…}`, and only when it is not empty.
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it('puts every key of the queues and the rate limits in one slot with `{…}`', async () => {
    const prefix = `{${unique('tandem-cp')}}`;
    const keys = await keysLeftBy(prefix);
    // Queue metadata, job hashes, events streams, deduplication, schedulers, a rate counter.
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.some((k) => k.startsWith(`${prefix}:rl:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}:thresholds:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}:events:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}:schedules:`))).toBe(true);
    expect(new Set(keys.map(keySlot)).size).toBe(1);
  });

  it('spreads them over several slots without a tag (what a Cluster refuses)', async () => {
    const keys = await keysLeftBy(unique('tandem-cp'));
    expect(new Set(keys.map(keySlot)).size).toBeGreaterThan(1);
  });
});
