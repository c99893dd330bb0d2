import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateChallengeNow, Jobs, openDatabase, Queues, type Database } from '@tandem/core';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  testRedisUrl,
  type TestClient,
  type TestPlatform,
} from '@tandem/core/testing';

/**
 * Issue 3, "a stalled job run twice concurrently → one effect". A challenge
 * sits exactly at its threshold with no evaluation yet (its API process
 * runs no jobs). One evaluate-challenge job is taken by a worker that stops
 * renewing its lock — as one whose event loop is blocked, or which is cut
 * off from Redis — so BullMQ's stalled check hands the same job to a second
 * worker while the first still runs it. Both runs evaluate at once, each on
 * its own connection pool (two worker processes' worth): exactly one
 * unlock row and one `challenge.unlocked` event.
 */

const GOAL = 3;

/** A promise with its resolver. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Rejects with `what` if `promise` takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a stalled evaluation job run twice concurrently', () => {
  let platform: TestPlatform | undefined;
  let client: TestClient;
  let otherDb: Database | undefined;

  beforeAll(async () => {
    platform = await startTestPlatform({ redis: true, runJobs: false });
    client = createTestClient(platform.app);
    otherDb = await openDatabase({ url: platform.config.databaseUrl as string });
  });

  afterAll(async () => {
    await otherDb?.close();
    await platform?.stop();
  });

  /** A challenge whose progress has just reached its goal, not evaluated yet. */
  async function challengeAtThreshold(): Promise<string> {
    const { challengeId } = await setUpClichy(client, platform!.adminToken, {
      participants: GOAL,
    });
    for (let n = 0; n < GOAL; n++) {
      await client.pledgeAndConfirm(challengeId, `stall-${n}-${randomUUID()}@clichy.example`);
    }
    const challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.progress.participants).toBe(GOAL);
    expect(challenge.status).toBe('open');
    expect(await unlockRows(challengeId)).toEqual({ unlocks: 0, events: 0 });
    return challengeId;
  }

  async function unlockRows(challengeId: string): Promise<{ unlocks: number; events: number }> {
    const [row] = await platform!.db.query<{ unlocks: number; events: number }>(
      `select (select count(*)::int from unlock where challenge_id = ?) as unlocks,
              (select count(*)::int from outbox_event
                where challenge_id = ? and type = 'challenge.unlocked') as events`,
      [challengeId, challengeId],
    );
    return row as { unlocks: number; events: number };
  }

  it('BullMQ hands the job to a second worker while the first still runs it: one unlock', async () => {
    const challengeId = await challengeAtThreshold();
    const prefix = `tandem-stall-${randomUUID().slice(0, 8)}`;
    const connections = [0, 1, 2].map(
      () => new Redis(testRedisUrl(), { maxRetriesPerRequest: null }),
    );
    const [producer, first, second] = connections as [Redis, Redis, Redis];
    const queue = new Queue(Queues.thresholds, { connection: producer, prefix });
    const workers: Worker[] = [];
    try {
      const runs: Array<{ worker: string; jobId: string | undefined }> = [];
      const outcomes: Array<{ worker: string; unlockedTierIds: string[] }> = [];
      const bothRunning = gate();
      let running = 0;
      let mostAtOnce = 0;
      const handler = (name: string, db: Database) => async (job: Job) => {
        runs.push({ worker: name, jobId: job.id });
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        if (running === 2) bothRunning.open();
        try {
          // The first run waits until the job has been handed to the second
          // one; then both evaluate at the same moment.
          await bothRunning.promise;
          const outcome = await evaluateChallengeNow(db, job.data.challengeId as string);
          outcomes.push({ worker: name, unlockedTierIds: outcome.unlockedTierIds });
        } finally {
          running--;
        }
      };

      // This worker takes the job and then never renews its lock.
      const stalling = new Worker(Queues.thresholds, handler('stalling', platform!.db), {
        connection: first,
        prefix,
        lockDuration: 500,
        skipLockRenewal: true,
        skipStalledCheck: true,
      });
      workers.push(stalling);
      stalling.on('error', () => undefined);
      await stalling.waitUntilReady();
      await queue.add(
        Jobs.evaluateChallenge,
        { challengeId },
        { jobId: `evaluate-${challengeId}`, attempts: 3 },
      );
      await within(
        (async () => {
          while (runs.length === 0) await sleep(10);
        })(),
        10_000,
        'the first worker taking the job',
      );

      // This one finds the job stalled (its lock expired) and runs it again.
      const rescuing = new Worker(Queues.thresholds, handler('rescuing', otherDb!), {
        connection: second,
        prefix,
        stalledInterval: 200,
        maxStalledCount: 1,
      });
      workers.push(rescuing);
      rescuing.on('error', () => undefined);
      await within(bothRunning.promise, 15_000, 'the stalled job running in a second worker');
      await within(
        (async () => {
          while (outcomes.length < 2) await sleep(10);
        })(),
        15_000,
        'both runs to finish',
      );

      expect(mostAtOnce).toBe(2);
      expect(runs.map((r) => r.worker).sort()).toEqual(['rescuing', 'stalling']);
      expect(new Set(runs.map((r) => r.jobId))).toEqual(new Set([`evaluate-${challengeId}`]));
      // One run unlocked the tier; the other found it done.
      expect(outcomes.map((o) => o.unlockedTierIds.length).sort()).toEqual([0, 1]);
      expect(await unlockRows(challengeId)).toEqual({ unlocks: 1, events: 1 });
      const challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
      expect(challenge.status).toBe('succeeded');
      expect(challenge.tiers.filter((t: { unlockedAt: unknown }) => t.unlockedAt)).toHaveLength(1);
    } finally {
      await Promise.all(workers.map((worker) => worker.close(true)));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      for (const connection of connections) connection.disconnect();
    }
  });

  it('evaluations racing from two connection pools unlock once', async () => {
    const challengeId = await challengeAtThreshold();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        evaluateChallengeNow(n % 2 === 0 ? platform!.db : otherDb!, challengeId),
      ),
    );
    expect(outcomes.filter((o) => o.unlockedTierIds.length > 0)).toHaveLength(1);
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(await unlockRows(challengeId)).toEqual({ unlocks: 1, events: 1 });
  });
});
