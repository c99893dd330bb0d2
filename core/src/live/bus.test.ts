import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectRedisOrFail } from '../jobs/bullmq/bullmq-queue.js';
import type { OutboxEvent } from '../store/outbox.js';
import { testRedisUrl } from '../testing/redis.js';
import { createMemoryLiveBus, type LiveBus } from './bus.js';
import { discreteFrameOf, toLiveMessages, type LiveMessage } from './messages.js';
import { createRedisLiveBus } from './redis-bus.js';
import { unique } from '../testing/scenarios.js';

const message = (seq: number, type = 'pledge.confirmed'): LiveMessage => ({
  challengeId: 'chl_1',
  type,
  seq,
  payload: {},
});

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Two "processes" on one bus: the first publishes, the second listens. */
type Pair = () => Promise<{ publisher: LiveBus; listener: LiveBus; channel: string }>;

const pairs: Record<string, Pair> = {
  'in-process': async () => {
    const bus = createMemoryLiveBus();
    closers.push(() => bus.close());
    return { publisher: bus, listener: bus, channel: '' };
  },
  'Redis pub/sub': async () => {
    const channel = `live-test-${unique()}:live`;
    const a = await connectRedisOrFail(testRedisUrl(), { commandTimeoutMs: 1000 });
    const b = await connectRedisOrFail(testRedisUrl(), { commandTimeoutMs: 1000 });
    const publisher = createRedisLiveBus({ redis: a, channel });
    const listener = createRedisLiveBus({ redis: b, channel });
    closers.push(() => a.disconnect());
    closers.push(() => b.disconnect());
    closers.push(() => publisher.close());
    closers.push(() => listener.close());
    return { publisher, listener, channel };
  },
};

describe.each(Object.entries(pairs))('live bus: %s', (_name, pair) => {
  it('delivers published batches in order, and nothing once closed', async () => {
    const { publisher, listener } = await pair();
    const received: number[] = [];
    await listener.subscribe({ message: (m) => received.push(m.seq) });
    await publisher.publish([message(1), message(2, 'challenge.unlocked')]);
    await publisher.publish([message(3)]);
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3]), { timeout: 2000 });

    await listener.close();
    await publisher.publish([message(4)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([1, 2, 3]);
  });
});

describe('live bus: Redis pub/sub after a lost connection', () => {
  it('reports a gap when its subscriber reconnects, and delivers again', async () => {
    const { publisher, listener, channel } = await (pairs['Redis pub/sub'] as Pair)();
    const received: number[] = [];
    let gaps = 0;
    await listener.subscribe({ message: (m) => received.push(m.seq), gap: () => gaps++ });
    await publisher.publish([message(1)]);
    await vi.waitFor(() => expect(received).toEqual([1]), { timeout: 2000 });

    // Kill exactly this bus's subscriber connection (others' tests share Redis).
    const admin = new Redis(testRedisUrl());
    closers.push(() => admin.disconnect());
    const clients = String(await admin.client('LIST')).split('\n');
    const mine = clients.filter((line) => line.includes(` name=${channel}:subscriber `));
    expect(mine).toHaveLength(1);
    for (const line of mine) {
      const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
      if (id) await admin.client('KILL', 'ID', id);
    }
    await vi.waitFor(() => expect(gaps).toBe(1), { timeout: 5000 });
    await publisher.publish([message(2)]);
    await vi.waitFor(() => expect(received).toEqual([1, 2]), { timeout: 2000 });
  });
});

describe('live messages', () => {
  // The platform-wide seq is far from the challenge's own numbers: messages carry the latter.
  const event = (seq: number, type: string, payload: Record<string, unknown>): OutboxEvent => ({
    id: `evt_${seq}`,
    seq: 7000 + seq,
    challengeSeq: seq,
    type,
    challengeId: seq % 2 === 0 ? 'chl_a' : 'chl_b',
    organizationId: 'org_1',
    payload,
    createdAt: new Date(),
  });

  it('keeps every unlock, milestone and status, one progress hint per challenge, slim payloads', () => {
    const progress = { participants: 3, quantity: 0, co2eKg: 0 };
    const messages = toLiveMessages([
      event(2, 'pledge.confirmed', { pledgeId: 'plg_1', participantId: 'prt_1' }),
      event(3, 'pledge.confirmed', { pledgeId: 'plg_2' }),
      event(4, 'challenge.milestone', { tierId: 'tier_1', percent: 50, progress }),
      event(6, 'challenge.unlocked', {
        tierId: 'tier_1',
        unlockedAt: '2026-01-01T00:00:00.000Z',
        progress,
      }),
      event(8, 'contribution.recorded', { quantity: 12, participantId: 'prt_9' }),
      event(10, 'challenge.closed', {
        status: 'succeeded',
        closedAt: '2026-01-02T00:00:00.000Z',
        progress,
      }),
      event(12, 'pledge.withdrawn', { pledgeId: 'plg_3' }),
      { ...event(14, 'pledge.confirmed', {}), challengeId: null },
    ]);
    expect(messages).toEqual([
      { challengeId: 'chl_b', type: 'pledge.confirmed', seq: 3, payload: {} },
      {
        challengeId: 'chl_a',
        type: 'challenge.milestone',
        seq: 4,
        payload: { tierId: 'tier_1', percent: 50 },
      },
      {
        challengeId: 'chl_a',
        type: 'challenge.unlocked',
        seq: 6,
        payload: { tierId: 'tier_1', unlockedAt: '2026-01-01T00:00:00.000Z' },
      },
      {
        challengeId: 'chl_a',
        type: 'challenge.closed',
        seq: 10,
        payload: { status: 'succeeded', closedAt: '2026-01-02T00:00:00.000Z' },
      },
      { challengeId: 'chl_a', type: 'pledge.withdrawn', seq: 12, payload: {} },
    ]);
    expect(discreteFrameOf('challenge.succeeded', { status: 'succeeded' })).toEqual({
      event: 'status',
      data: { status: 'succeeded', closedAt: null },
    });
    expect(discreteFrameOf('pledge.confirmed', {})).toBeNull();
  });
});
