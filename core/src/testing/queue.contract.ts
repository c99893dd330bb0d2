import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueOf, type JobContext, type JobQueue } from '../jobs/queue.js';

/** A promise with its resolver, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Polls `check` until it holds; fails with `what` when `ms` pass first. */
async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * The behaviour every {@link JobQueue} adapter must show: enqueue, jobId
 * deduplication, dedupeKey collapsing, retries with exponential backoff,
 * delayed jobs, schedules and graceful close. Call it once per adapter from a
 * `*.test.ts` file; `factory` runs before each test and the queue it returns
 * is closed after it (closing twice must be harmless).
 *
 * Each test uses job names of its own (`c<random>.<job>`, so a queue of its
 * own too), so tests never see each other's jobs even when the factory
 * shares one Redis key prefix.
 *
 * @param name - the adapter's name, as the suite's title.
 * @param factory - builds a fresh, not yet started queue.
 *
 * @example
 * describeQueueContract('local', () => createLocalQueue());
 * describeQueueContract('bullmq', () => createBullQueue({ url, prefix }));
 */
export function describeQueueContract(
  name: string,
  factory: () => JobQueue | Promise<JobQueue>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let queue: JobQueue;
    let job: (label?: string) => string;

    beforeEach(async () => {
      const space = `c${randomUUID().replaceAll('-', '')}`;
      job = (label = 'work') => `${space}.${label}`;
      queue = await factory();
    });
    afterEach(async () => {
      await queue.close();
    });

    it('runs an enqueued job once, with its data, its id and attempt 1', async () => {
      const name = job();
      const seen: Array<{ data: Record<string, unknown>; context: JobContext }> = [];
      queue.handle(name, async (data, context) => {
        seen.push({ data, context });
      });
      await queue.start();
      await queue.enqueue(name, { challengeId: 'chl_a', n: 1 });
      await queue.enqueue(name, { challengeId: 'chl_b', n: 2 }, { jobId: `id-${randomUUID()}` });
      await queue.idle();

      expect(seen.map((s) => s.data).sort((a, b) => Number(a['n']) - Number(b['n']))).toEqual([
        { challengeId: 'chl_a', n: 1 },
        { challengeId: 'chl_b', n: 2 },
      ]);
      expect(seen.map((s) => s.context.attempt)).toEqual([1, 1]);
      expect(new Set(seen.map((s) => s.context.jobId)).size).toBe(2);
      for (const s of seen) expect(s.context.jobId).not.toBe('');
    });

    it('holds jobs enqueued before start() until it is called', async () => {
      const name = job();
      let runs = 0;
      queue.handle(name, async () => {
        runs++;
      });
      for (let n = 0; n < 3; n++) await queue.enqueue(name, { n });
      await sleep(100);
      expect(runs).toBe(0);
      expect((await queue.counts())[queueOf(name)]?.waiting).toBe(3);

      await queue.start();
      await queue.idle();
      expect(runs).toBe(3);
      expect((await queue.counts())[queueOf(name)]).toMatchObject({ waiting: 0, active: 0 });
    });

    it('runs a jobId once, whether enqueued twice at once or again after it ran', async () => {
      const name = job();
      const jobId = `evt-${randomUUID()}`;
      const seen: Array<{ data: Record<string, unknown>; jobId: string }> = [];
      queue.handle(name, async (data, context) => {
        seen.push({ data, jobId: context.jobId });
      });
      await queue.enqueue(name, { n: 1 }, { jobId });
      await queue.enqueue(name, { n: 2 }, { jobId });
      await queue.start();
      await queue.idle();
      expect(seen).toEqual([{ data: { n: 1 }, jobId }]);

      await queue.enqueue(name, { n: 3 }, { jobId });
      // A different id is a different job: it runs, and shows the queue is still working.
      await queue.enqueue(name, { n: 4 }, { jobId: `evt-${randomUUID()}` });
      await queue.idle();
      expect(seen.map((s) => s.data['n'])).toEqual([1, 4]);
    });

    it('collapses a burst of one dedupeKey enqueued while none runs into one run', async () => {
      const name = job();
      const key = `evaluate-${randomUUID()}`;
      let runs = 0;
      queue.handle(name, async () => {
        runs++;
      });
      for (let n = 0; n < 200; n++) await queue.enqueue(name, { n }, { dedupeKey: key });
      await queue.start();
      await queue.idle();
      expect(runs).toBe(1);
    });

    it('collapses a burst of 200 while one runs into exactly one more run, never side by side', async () => {
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
        // Stay a little, so that a second run started too early would overlap.
        await sleep(20);
        running--;
      });
      await queue.start();
      await queue.enqueue(name, { n: 0 }, { dedupeKey: key });
      await entered.promise;
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          queue.enqueue(name, { n: i + 1 }, { dedupeKey: key }),
        ),
      );
      // The first run is still held, so nothing of the burst may have started.
      await sleep(50);
      expect(runs).toBe(1);

      held.open();
      await queue.idle();
      // The burst came after the first run had read its state, so it must
      // cause one more run (an evaluation may never be lost), but only one.
      expect(runs).toBe(2);
      expect(mostAtOnce).toBe(1);
    });

    it('does not collapse jobs of different keys: they may run side by side', async () => {
      const name = job();
      const both = gate();
      let running = 0;
      const seen: number[] = [];
      queue.handle(name, async (data) => {
        seen.push(data['n'] as number);
        running++;
        if (running === 2) both.open();
        // Each waits for the other: this only ends if the two run at once.
        await both.promise;
      });
      await queue.start();
      await queue.enqueue(name, { n: 1 }, { dedupeKey: `evaluate-${randomUUID()}` });
      await queue.enqueue(name, { n: 2 }, { dedupeKey: `evaluate-${randomUUID()}` });
      await queue.idle();
      expect(seen.sort()).toEqual([1, 2]);
    });

    it('retries a failing job with exponential backoff until it succeeds', async () => {
      const name = job();
      const backoffMs = 50;
      const calls: Array<{ attempt: number; at: number }> = [];
      queue.handle(name, async (_data, context) => {
        calls.push({ attempt: context.attempt, at: Date.now() });
        if (context.attempt < 3) throw new Error(`fails on attempt ${context.attempt}`);
      });
      await queue.start();
      await queue.enqueue(name, {}, { attempts: 5, backoffMs });
      await queue.idle();

      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      const [first, second, third] = calls.map((c) => c.at) as [number, number, number];
      // backoffMs, then twice as long (a timer may fire a few ms early).
      expect(second - first).toBeGreaterThanOrEqual(backoffMs - 5);
      expect(third - second).toBeGreaterThanOrEqual(2 * backoffMs - 5);

      await sleep(8 * backoffMs);
      expect(calls).toHaveLength(3);
      expect((await queue.counts())[queueOf(name)]?.failed ?? 0).toBe(0);
    });

    it('gives a job up after `attempts` and counts it as failed', async () => {
      const name = job();
      const backoffMs = 20;
      const attempts: number[] = [];
      queue.handle(name, async (_data, context) => {
        attempts.push(context.attempt);
        throw new Error('always fails');
      });
      await queue.start();
      await queue.enqueue(name, {}, { attempts: 3, backoffMs });
      await queue.idle();
      expect(attempts).toEqual([1, 2, 3]);

      // No fourth attempt comes later.
      await sleep(16 * backoffMs);
      expect(attempts).toEqual([1, 2, 3]);
      expect((await queue.counts())[queueOf(name)]).toMatchObject({
        failed: 1,
        waiting: 0,
        active: 0,
      });
    });

    it('runs a delayed job after its delay, not before', async () => {
      const name = job();
      const delayMs = 400;
      let ranAt: number | null = null;
      queue.handle(name, async () => {
        ranAt = Date.now();
      });
      await queue.start();
      const enqueuedAt = Date.now();
      await queue.enqueue(name, {}, { delayMs });
      await sleep(delayMs / 2);
      expect(ranAt).toBeNull();

      await waitFor(() => ranAt !== null, 'the delayed job', delayMs + 5000);
      expect((ranAt ?? 0) - enqueuedAt).toBeGreaterThanOrEqual(delayMs - 5);
    });

    it('runs a schedule repeatedly, and scheduling again with its id does not duplicate it', async () => {
      const name = job('tick');
      const everyMs = 200;
      const runs: Array<{ at: number; data: Record<string, unknown> }> = [];
      queue.handle(name, async (data) => {
        runs.push({ at: Date.now(), data });
      });
      const id = `sched-${randomUUID()}`;
      await queue.schedule(name, { what: 'tick' }, { id, everyMs });
      await queue.start();
      await waitFor(() => runs.length >= 3, 'three scheduled runs', 20 * everyMs);
      expect(runs[0]?.data).toEqual({ what: 'tick' });

      // Every process schedules its work again at start: that must replace, not add.
      await queue.schedule(name, { what: 'tick' }, { id, everyMs });
      await queue.schedule(name, { what: 'tick' }, { id, everyMs });
      await sleep(everyMs);
      const from = runs.length;
      const windowMs = 8 * everyMs;
      await sleep(windowMs);
      const inWindow = runs.length - from;
      // One schedule makes about 8 runs in the window; a duplicate would make about 16.
      expect(inWindow).toBeGreaterThanOrEqual(4);
      expect(inWindow).toBeLessThanOrEqual(10);
    });

    it('close() lets the running job finish first, and starts nothing after', async () => {
      const name = job();
      const other = job('other');
      const key = `evaluate-${randomUUID()}`;
      const held = gate();
      const entered = gate();
      const events: string[] = [];
      queue.handle(name, async (data) => {
        events.push(`start ${String(data['n'])}`);
        if (data['n'] === 1) {
          entered.open();
          await held.promise;
          await sleep(50);
        }
        events.push(`end ${String(data['n'])}`);
      });
      queue.handle(other, async () => {
        events.push('start other');
      });
      await queue.start();
      await queue.enqueue(name, { n: 1 }, { dedupeKey: key });
      await entered.promise;
      // Both would start once job 1 is done: one waits behind its key, one for its delay.
      await queue.enqueue(name, { n: 2 }, { dedupeKey: key });
      await queue.enqueue(other, {}, { delayMs: 100 });

      const closing = queue.close().then(() => {
        events.push('closed');
      });
      await sleep(20);
      expect(events).toEqual(['start 1']);
      held.open();
      await closing;
      expect(events).toEqual(['start 1', 'end 1', 'closed']);

      await sleep(300);
      expect(events).toEqual(['start 1', 'end 1', 'closed']);
      await expect(queue.enqueue(name, { n: 3 })).rejects.toThrow();
    });
  });
}
