import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tandem/core/testing';
import { buildOnce, startTandem, type RunningTandem } from '../process.js';
import {
  eventually,
  faultClient,
  openChallenge,
  pg,
  pledgeBurst,
  runTandem,
  setUpCampaign,
  startRedisServer,
  unlockFacts,
  type RedisServer,
} from './harness.js';

/**
 * Issue 3, "exactly once, whatever happens": Redis stopped and started again
 * during a pledge burst. One `tandem serve` and one `tandem worker` use a
 * `redis-server` this file starts on a free port (never the shared one).
 * Each iteration stops Redis a few confirmations into a burst (SIGKILL or
 * SHUTDOWN NOSAVE, in turn), keeps pledging and confirming while it is
 * down, across the threshold, and starts it again on the same port. Every
 * request must be answered, none with a 5xx and none after the client's
 * 5 s timeout (pledges live in PostgreSQL and its outbox, and the Redis rate
 * limiter must not stand in the way); then the relay catches up, the
 * challenge unlocks exactly once and counts every acknowledged confirmation.
 */

const ITERATIONS = 5;
const GOAL = 25;
const PEOPLE = 60;
const LANES = 4;
/** A request that takes longer than this counts as hung. */
const REQUEST_TIMEOUT_MS = 5000;
/**
 * Redis stays down at least this long, and until the burst is past the goal;
 * the rest of the burst waits for it to be back, so some confirmations come
 * before, during and after the outage.
 */
const DOWN_AT_LEAST_MS = 1500;
const CATCH_UP_WITHIN_MS = 30_000;

describe('Redis stopped and started again during a pledge burst', () => {
  const adminToken = `fault-admin-${randomUUID()}`;
  let database: TestDatabase | undefined;
  let redis: RedisServer | undefined;
  let pool: pg.Pool | undefined;
  let serve: RunningTandem | undefined;
  let worker: RunningTandem | undefined;

  beforeAll(async () => {
    buildOnce();
    database = await createTestDatabase();
    redis = await startRedisServer();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      TANDEM_ADMIN_TOKEN: adminToken,
      TANDEM_DEV_MAILBOX: '1',
      // Limits on, and high: every write goes through the Redis rate limiter
      // (a limit of 0 would skip Redis) without any being refused.
      TANDEM_RATE_LIMIT_PER_IP: '1000000',
      TANDEM_RATE_LIMIT_PER_EMAIL: '1000',
    };
    runTandem('migrate', env);
    serve = await startTandem('serve', env);
    worker = await startTandem('worker', env, { ready: /is processing jobs/ });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled([serve?.stop(), worker?.stop()]);
    await pool?.end();
    await redis?.dispose();
    await database?.drop();
  }, 60_000);

  it(`accepts every pledge while Redis is down and unlocks once after, ${ITERATIONS} times`, async () => {
    const api = faultClient(serve!.url, REQUEST_TIMEOUT_MS);
    const campaign = await setUpCampaign(api, adminToken);
    const lines: string[] = [];
    const began = Date.now();

    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const t0 = Date.now();
      const challengeId = await openChallenge(api, adminToken, campaign, GOAL);
      const emails = Array.from(
        { length: PEOPLE },
        (_, n) => `walker-${iteration}-${n}-${randomUUID().slice(0, 8)}@clichy.example`,
      );
      const how = iteration % 2 === 1 ? 'kill' : 'shutdown';
      const downAt = 4 + Math.floor(Math.random() * 6);
      const upAfter = GOAL + 3;
      let acknowledgedNow = 0;
      const outage = {
        done: null as Promise<void> | null,
        /** Confirmations acknowledged when Redis had stopped, and when it was back. */
        down: 0,
        up: 0,
        downMs: 0,
      };
      let reachedUpAfter: () => void = () => undefined;
      const pastGoal = new Promise<void>((resolve) => (reachedUpAfter = resolve));
      const firstAnswer = api.answers.length;

      const acknowledged = await pledgeBurst(api, challengeId, emails, LANES, (count) => {
        if (count === downAt) {
          outage.done = (async () => {
            await redis!.stop(how);
            outage.down = acknowledgedNow;
            const downSince = Date.now();
            await pastGoal;
            await sleep(Math.max(0, DOWN_AT_LEAST_MS - (Date.now() - downSince)));
            outage.up = acknowledgedNow;
            await redis!.start();
            outage.downMs = Date.now() - downSince;
          })();
        }
        acknowledgedNow = count;
        if (count === upAfter) reachedUpAfter();
        // Past the goal, each lane waits for Redis to be back before going on.
        if (count >= upAfter && outage.done) return outage.done;
        return undefined;
      });
      reachedUpAfter();
      expect(outage.done, 'Redis was stopped during the burst').not.toBeNull();
      await outage.done;

      const answers = api.answers.slice(firstAnswer);
      const unanswered = answers.filter((a) => typeof a.status !== 'number' || a.status >= 500);
      expect(unanswered.slice(0, 3), serve!.output().slice(-3000)).toEqual([]);
      const slowest = Math.max(...answers.map((a) => a.ms));
      expect(acknowledged).toBe(PEOPLE);
      // The threshold was crossed while Redis was down.
      expect(outage.down).toBeLessThan(GOAL);
      expect(outage.up).toBeGreaterThanOrEqual(GOAL);

      const read = async () => {
        const challenge = await api.get(`/api/challenges/${challengeId}`);
        return { ...(await unlockFacts(pool!, challengeId)), challenge: challenge.body };
      };
      const facts = await eventually(
        read,
        (f) =>
          f.pendingOutbox === 0 &&
          f.unlocks >= 1 &&
          f.challenge?.status === 'succeeded' &&
          f.challenge?.progress?.participants === acknowledged,
        CATCH_UP_WITHIN_MS,
      );
      expect(facts.pendingOutbox, 'the relay caught up').toBe(0);
      expect(facts.unlocks).toBe(1);
      expect(facts.unlockedEvents).toBe(1);
      expect(facts.challenge.status).toBe('succeeded');
      expect(facts.challenge.progress.participants).toBe(acknowledged);
      lines.push(
        `#${iteration}: Redis stopped (${how}) at ${downAt}/${GOAL} confirmations for ` +
          `${outage.downMs} ms, ${outage.up - outage.down} confirmed meanwhile and ` +
          `${acknowledged - outage.up} after; ${answers.length} ` +
          `requests all answered (slowest ${slowest} ms); unlocked once, ${acknowledged} ` +
          `participants, ${Date.now() - t0} ms`,
      );
    }
    // The rate limiter let requests through uncounted, and said so.
    expect(serve!.output()).toMatch(/Rate limits: Redis is unavailable/);
    expect(serve!.output()).toMatch(/Rate limits: Redis answers again/);
    console.warn(
      `redis-restart: ${ITERATIONS} iterations, ${api.answers.length} requests, ` +
        `${Math.round((Date.now() - began) / 1000)} s\n${lines.join('\n')}`,
    );
  }, 600_000);

  it('redoes the evaluations Redis lost with its data, once the worker reconnects', async () => {
    const api = faultClient(serve!.url, REQUEST_TIMEOUT_MS);
    const campaign = await setUpCampaign(api, adminToken);
    const goal = 5;
    const challengeId = await openChallenge(api, adminToken, campaign, goal);
    // The worker stops fetching, so the crossing's evaluation waits in Redis
    // (as it would behind a busy or paused worker) when Redis loses its data.
    process.kill(-worker!.pid, 'SIGSTOP');
    let acknowledged: number;
    try {
      acknowledged = await pledgeBurst(
        api,
        challengeId,
        Array.from({ length: goal + 1 }, (_, n) => `late-${n}-${randomUUID()}@clichy.example`),
        2,
      );
      // serve relayed every event: PostgreSQL holds them as delivered to Redis.
      const relayed = await eventually(
        () => unlockFacts(pool!, challengeId),
        (f) => f.pendingOutbox === 0,
        CATCH_UP_WITHIN_MS,
      );
      expect(relayed.pendingOutbox).toBe(0);
      expect(relayed.unlocks).toBe(0);
      await redis!.stop('kill');
      await redis!.start();
    } finally {
      process.kill(-worker!.pid, 'SIGCONT');
    }
    expect(acknowledged).toBe(goal + 1);

    const facts = await eventually(
      () => unlockFacts(pool!, challengeId),
      (f) => f.unlocks >= 1,
      CATCH_UP_WITHIN_MS,
    );
    expect(facts.unlocks, worker!.output().slice(-3000)).toBe(1);
    expect(facts.unlockedEvents).toBe(1);
    const challenge = (await api.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(challenge.progress.participants).toBe(acknowledged);
  }, 120_000);
});
