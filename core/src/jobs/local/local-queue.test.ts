import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobContext, JobQueue } from '../queue.js';
import { createLocalQueue, type LocalQueueOptions } from './local-queue.js';

/** A promise with its resolver, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets pending callbacks run (microtasks and one macrotask turn), without a timed sleep. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('local job queue', () => {
  const queues: JobQueue[] = [];
  const open = (options: LocalQueueOptions = {}): JobQueue => {
    const queue = createLocalQueue(options);
    queues.push(queue);
    return queue;
  };
  const job = () => `job-${randomUUID()}`;

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  it('runs handlers only after start(), with the data and the first attempt', async () => {
    const queue = open();
    const name = job();
    const seen: Array<{ data: Record<string, unknown>; context: JobContext }> = [];
    queue.handle(name, async (data, context) => {
      seen.push({ data, context });
    });

    await queue.enqueue(name, { challengeId: 'chl_a' });
    await queue.enqueue(name, { challengeId: 'chl_b' });
    await turn();
    expect(seen).toEqual([]);

    await queue.start();
    await queue.idle();
    expect(seen.map((s) => s.data)).toEqual([{ challengeId: 'chl_a' }, { challengeId: 'chl_b' }]);
    expect(seen.map((s) => s.context.attempt)).toEqual([1, 1]);
    expect(new Set(seen.map((s) => s.context.jobId)).size).toBe(2);
  });

  it('collapses a burst of 1,000 enqueues with one dedupeKey while one runs into at most 2 runs', async () => {
    const queue = open();
    const name = job();
    const key = `evaluate-${randomUUID()}`;
    const held = gate();
    const entered = gate();
    let runs = 0;
    let running = 0;
    let mostAtOnce = 0;
    queue.handle(name, async () => {
      runs++;
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      entered.open();
      await held.promise;
      running--;
    });
    await queue.start();

    await queue.enqueue(name, { n: 0 }, { dedupeKey: key });
    await entered.promise;
    for (let n = 1; n <= 1_000; n++) await queue.enqueue(name, { n }, { dedupeKey: key });
    held.open();
    await queue.idle();

    // One active run, then the one that waited behind it: the burst happened
    // after the first run started, so it must run once more, but only once.
    expect(runs).toBe(2);
    expect(mostAtOnce).toBe(1);
  });

  it('lets other jobs pass a job that waits behind its own key', async () => {
    const queue = open({ concurrency: 2 });
    const name = job();
    const held = gate();
    const entered = gate();
    const order: string[] = [];
    queue.handle(name, async (data) => {
      order.push(data['label'] as string);
      if (data['label'] === 'a1') {
        entered.open();
        await held.promise;
      }
    });
    await queue.start();
    await queue.enqueue(name, { label: 'a1' }, { dedupeKey: 'evaluate-a' });
    await entered.promise;
    await queue.enqueue(name, { label: 'a2' }, { dedupeKey: 'evaluate-a' });
    await queue.enqueue(name, { label: 'b1' }, { dedupeKey: 'evaluate-b' });
    await queue.enqueue(name, { label: 'c1' });
    await turn();
    expect(order).toEqual(['a1', 'b1', 'c1']);

    held.open();
    await queue.idle();
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2']);
  });

  it('does not collapse jobs with different keys, or without a key', async () => {
    const queue = open();
    const name = job();
    const seen: unknown[] = [];
    queue.handle(name, async (data) => {
      seen.push(data['n']);
    });
    await queue.enqueue(name, { n: 1 }, { dedupeKey: 'evaluate-a' });
    await queue.enqueue(name, { n: 2 }, { dedupeKey: 'evaluate-b' });
    await queue.enqueue(name, { n: 3 });
    await queue.enqueue(name, { n: 4 });
    await queue.start();
    await queue.idle();
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
  });

  it('retries a failing job with doubling backoff up to `attempts`, then gives up', async () => {
    const errors: Array<{ attempt: number; message: string }> = [];
    const queue = open({
      backoffMs: 20,
      onError: (error, info) =>
        errors.push({ attempt: info.attempt, message: (error as Error).message }),
    });
    const name = job();
    const calls: Array<{ attempt: number; at: number }> = [];
    queue.handle(name, async (_data, context) => {
      calls.push({ attempt: context.attempt, at: performance.now() });
      throw new Error(`boom ${context.attempt}`);
    });
    await queue.start();
    await queue.enqueue(name, {}, { attempts: 3 });
    await queue.idle();

    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(errors).toEqual([
      { attempt: 1, message: 'boom 1' },
      { attempt: 2, message: 'boom 2' },
      { attempt: 3, message: 'boom 3' },
    ]);
    const [first, second, third] = calls.map((c) => c.at) as [number, number, number];
    // 20 ms, then 40 ms (a timer may fire a millisecond early).
    expect(second - first).toBeGreaterThanOrEqual(19);
    expect(third - second).toBeGreaterThanOrEqual(39);

    // idle() resolved, so no retry is scheduled; nothing more ever runs.
    await sleep(100);
    expect(calls).toHaveLength(3);
  });

  it('stops retrying once an attempt succeeds', async () => {
    const queue = open({ backoffMs: 1 });
    const name = job();
    const attempts: number[] = [];
    queue.handle(name, async (_data, context) => {
      attempts.push(context.attempt);
      if (context.attempt < 3) throw new Error('not yet');
    });
    await queue.start();
    await queue.enqueue(name, {}, { attempts: 5 });
    await queue.idle();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('waits out a delayed job, and idle() waits for it too', async () => {
    const queue = open();
    const name = job();
    let ranAt: number | null = null;
    queue.handle(name, async () => {
      ranAt = performance.now();
    });
    await queue.start();
    const enqueuedAt = performance.now();
    await queue.enqueue(name, {}, { delayMs: 80 });
    await turn();
    expect(ranAt).toBeNull();

    await queue.idle();
    expect(ranAt).not.toBeNull();
    expect((ranAt ?? 0) - enqueuedAt).toBeGreaterThanOrEqual(79);
  });

  it('idle() resolves at once when empty, and only when every job is done', async () => {
    const queue = open({ concurrency: 2 });
    const name = job();
    await queue.idle();

    let done = 0;
    queue.handle(name, async () => {
      await sleep(5);
      done++;
    });
    await queue.start();
    for (let n = 0; n < 10; n++) await queue.enqueue(name, { n });
    await queue.idle();
    expect(done).toBe(10);
  });

  it('close() waits for the active job, drops waiting ones and refuses new enqueues', async () => {
    const queue = open({ concurrency: 1 });
    const name = job();
    const held = gate();
    const entered = gate();
    const started: number[] = [];
    let finished = 0;
    queue.handle(name, async (data) => {
      started.push(data['n'] as number);
      entered.open();
      await held.promise;
      finished++;
    });
    await queue.start();
    await queue.enqueue(name, { n: 1 });
    await queue.enqueue(name, { n: 2 });
    await entered.promise;

    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await turn();
    expect(closed).toBe(false);
    await expect(queue.enqueue(name, { n: 3 })).rejects.toThrow(/closing/);

    held.open();
    await closing;
    expect(finished).toBe(1);
    expect(started).toEqual([1]);
  });

  it('close() cancels a pending retry', async () => {
    const queue = open({ backoffMs: 50 });
    const name = job();
    let calls = 0;
    queue.handle(name, async () => {
      calls++;
      throw new Error('fails');
    });
    await queue.start();
    await queue.enqueue(name, {}, { attempts: 5 });
    await turn();
    expect(calls).toBe(1);
    await queue.close();
    await sleep(120);
    expect(calls).toBe(1);
  });
});
