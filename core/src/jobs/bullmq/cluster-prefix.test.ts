import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createRedisRateLimiter } from '../../limits/redis.js';
import { createRedisLiveBus } from '../../live/redis-bus.js';
import type { LiveMessage } from '../../live/messages.js';
import { freePort } from '../../store/embedded.js';
import { deleteKeys, testRedisUrl } from '../../testing/redis.js';
import { unique } from '../../testing/scenarios.js';
import { Jobs } from '../queue.js';
import { connectRedisOrFail, createBullQueue } from './bullmq-queue.js';

/**
 * A Redis Cluster runs a script or a MULTI only on keys of one hash slot,
 * and BullMQ's scripts touch several keys of a queue at once; so on a
 * Cluster every key of a queue must share a slot, which a hash-tagged
 * prefix (`TANDEM_REDIS_PREFIX={tandem}`) ensures (ADR 0046). This file runs
 * Tandem's queues and rate limiter on the local Redis under such a prefix
 * and checks the slot of every key they wrote, computed as a Cluster does.
 * Without the tag, the same work spreads its keys over several slots: the
 * check can tell them apart. Then the same work runs on a real Redis
 * Cluster of three primaries that this file starts on loopback ports
 * (`TANDEM_REDIS_CLUSTER=1`): queues, rate limits and the live channel
 * work under `{…}`, and a queue without a tag is refused by the Cluster.
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

/** Where the work runs: the local Redis, or a Cluster through one of its nodes. */
interface Target {
  url: string;
  cluster: boolean;
}
const local: Target = { url: testRedisUrl(), cluster: false };

/** Every key under `prefix`, from every primary of a Cluster (a SCAN reads one node). */
async function keysUnder(target: Target, prefix: string): Promise<string[]> {
  const client = await connectRedisOrFail(target.url, { cluster: target.cluster });
  try {
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    const keys: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    return keys;
  } finally {
    client.disconnect();
  }
}

/** Runs a little of every kind of queue work under `prefix`; returns the keys it left. */
async function keysLeftBy(prefix: string, target: Target = local): Promise<string[]> {
  if (!target.cluster) prefixes.push(prefix);
  const queue = await createBullQueue({
    url: target.url,
    cluster: target.cluster,
    prefix,
    lockDurationMs: 2000,
  });
  const limiterConnection = await connectRedisOrFail(target.url, { cluster: target.cluster });
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
    expect(await limiter.forget('ada@x.example')).toBe(1);
    await limiter.hit({ name: 'pledge', limit: 5, windowMs: 60_000 }, 'ada@x.example');
    await limiter.close();
  } finally {
    await queue.close();
    limiterConnection.disconnect();
  }
  return keysUnder(target, prefix);
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

/** Three cluster-enabled `redis-server` on free loopback ports, joined into one Cluster. */
async function startCluster(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) {
      let output = '';
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `${port}.conf`)],
          ...['--dir', dir, '--logfile', ''],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 20_000;
      while (!/Ready to accept connections/.test(output)) {
        if (child.exitCode !== null) throw new Error(`redis-server exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`redis-server did not start:\n${output}`);
        await sleep(20);
      }
    }
    await promisify(execFile)(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    // Every node must agree that all slots are served before the Cluster takes commands.
    const deadline = Date.now() + 30_000;
    for (const port of ports) {
      const node = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      try {
        while (!/cluster_state:ok/.test(String(await node.call('cluster', 'info')))) {
          if (Date.now() > deadline) throw new Error(`the Cluster did not form on ${port}`);
          await sleep(100);
        }
      } finally {
        node.disconnect();
      }
    }
    return { url: `redis://127.0.0.1:${ports[0]}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe('a Redis Cluster (TANDEM_REDIS_CLUSTER=1)', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('refuses to start without a hash-tagged prefix', () => {
    expect(() => loadConfig({ TANDEM_REDIS_CLUSTER: '1' })).toThrow(/TANDEM_REDIS_PREFIX/);
    expect(() => loadConfig({ TANDEM_REDIS_CLUSTER: '1', TANDEM_REDIS_PREFIX: 'a{}b' })).toThrow(
      /hash tag/,
    );
    expect(
      loadConfig({ TANDEM_REDIS_CLUSTER: '1', TANDEM_REDIS_PREFIX: '{tandem}' }).redisCluster,
    ).toBe(true);
  });

  it('runs queues and rate limits under `{…}`, every key in one slot', async () => {
    const prefix = `{${unique('tandem-cl')}}`;
    const keys = await keysLeftBy(prefix, { url: cluster!.url, cluster: true });
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.some((k) => k.startsWith(`${prefix}:rl:`))).toBe(true);
    expect(new Set(keys.map(keySlot)).size).toBe(1);
  });

  it('carries live messages between two processes’ connections', async () => {
    const channel = `{${unique('tandem-cl')}}:live`;
    const [publisher, subscriber] = [
      await connectRedisOrFail(cluster!.url, { cluster: true, commandTimeoutMs: 1000 }),
      await connectRedisOrFail(cluster!.url, { cluster: true, commandTimeoutMs: 1000 }),
    ];
    const sending = createRedisLiveBus({ redis: publisher, channel });
    const receiving = createRedisLiveBus({ redis: subscriber, channel });
    try {
      const received: LiveMessage[] = [];
      await receiving.subscribe({ message: (message) => received.push(message) });
      const message: LiveMessage = {
        challengeId: 'chl_cluster',
        type: 'challenge.unlocked',
        seq: 1,
        payload: { tierId: 'tier_1' },
      };
      await sending.publish([message]);
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await sleep(20);
      expect(received).toEqual([message]);
    } finally {
      await sending.close();
      await receiving.close();
      publisher.disconnect();
      subscriber.disconnect();
    }
  });

  it('refuses a queue whose keys are not hash-tagged (why the prefix needs one)', async () => {
    const queue = await createBullQueue({
      url: cluster!.url,
      cluster: true,
      prefix: unique('tandem-plain'),
    });
    try {
      await expect(
        queue.enqueue(Jobs.evaluateChallenge, { n: 1 }, { dedupeKey: 'chl_one' }),
      ).rejects.toThrow(/CROSSSLOT|same slot/i);
    } finally {
      await queue.close();
    }
  });
});
