import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmPledges,
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../../testing/index.js';
import { evaluateChallengeNow } from '../handlers/evaluate-challenge.js';
import { Jobs } from '../queue.js';
import { sweepChallenges } from '../sweep.js';

/**
 * Deadlines (issue 3, "Scheduled work"): at its deadline a challenge closes
 * as `succeeded` (a tier reached) or `failed`, exactly once, with one
 * `challenge.closed` event, however many sweeps and evaluations race.
 */

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

/** An open challenge "IF `participants` people pledge", its deadline a day away. */
async function challengeWithDeadline(participants: number): Promise<string> {
  const { challengeId } = await openChallenge(client, platform.adminToken, {
    title: 'Deadline',
    actionType: 'pledge-only',
    goal: { participants },
    counterpart: { kind: 'act', description: 'Something' },
    deadline: new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString(),
  });
  return challengeId;
}

async function pledge(challengeId: string, count: number): Promise<void> {
  await confirmPledges(platform, challengeId, count);
}

/** Moves the deadline to just past, as if time had run out. */
async function expire(challengeId: string): Promise<Date> {
  const [row] = await platform.db.query<{ deadline: Date }>(
    `update challenge set deadline = date_trunc('second', now()) - interval '1 second'
      where id = ? returning deadline`,
    [challengeId],
  );
  return new Date(row?.deadline ?? NaN);
}

/** Every way the close can be triggered, several times and at once. */
async function raceTheClose(challengeId: string): Promise<void> {
  await Promise.all([
    sweepChallenges(platform.db, platform.queue, 'past-deadline'),
    sweepChallenges(platform.db, platform.queue, 'past-deadline'),
    platform.queue.enqueue(Jobs.sweepDeadlines, {}),
    platform.queue.enqueue(Jobs.sweepDeadlines, {}),
    ...Array.from({ length: 6 }, () => evaluateChallengeNow(platform.db, challengeId)),
  ]);
  await platform.settle();
  await platform.queue.enqueue(Jobs.sweepDeadlines, {});
  await platform.settle();
}

const closedEvents = (challengeId: string) =>
  platform.db.query<{ payload: { status: string; closedAt: string } }>(
    `select payload from outbox_event where challenge_id = ? and type = 'challenge.closed'`,
    [challengeId],
  );

describe('deadlines', () => {
  it('closes a challenge that reached its goal as succeeded, once, at its deadline', async () => {
    const id = await challengeWithDeadline(3);
    await pledge(id, 3);
    await platform.settle();
    expect((await client.get(`/api/challenges/${id}`)).body.status).toBe('succeeded');
    const deadline = await expire(id);

    await raceTheClose(id);

    const challenge = (await client.get(`/api/challenges/${id}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(challenge.closedAt).toBe(deadline.toISOString());
    const events = await closedEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toMatchObject({
      status: 'succeeded',
      closedAt: deadline.toISOString(),
    });
    // Pledges after the close are refused.
    const late = await client.post(`/api/challenges/${id}/pledges`, {
      email: `late-${unique()}@example.org`,
    });
    expect(late.status).toBe(409);
  });

  it('closes a challenge that fell short as failed, once, with no unlock', async () => {
    const id = await challengeWithDeadline(5);
    await pledge(id, 2);
    const deadline = await expire(id);

    await raceTheClose(id);

    const challenge = (await client.get(`/api/challenges/${id}`)).body;
    expect(challenge.status).toBe('failed');
    expect(challenge.closedAt).toBe(deadline.toISOString());
    expect(challenge.tiers[0].unlockedAt).toBeNull();
    const events = await closedEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.status).toBe('failed');
  });

  it('unlocks a tier reached just before the deadline but not evaluated yet, then closes as succeeded', async () => {
    const id = await challengeWithDeadline(2);
    // Written straight to the counters and never evaluated: the last pledges
    // came in just before the deadline, and the worker was late.
    await platform.db.query(
      `insert into progress_slot (challenge_id, team_id, slot, participants) values (?, '', 0, 2)`,
      [id],
    );
    const deadline = await expire(id);

    await raceTheClose(id);

    const challenge = (await client.get(`/api/challenges/${id}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(challenge.tiers[0].unlockedAt).toBe(deadline.toISOString());
    expect(await closedEvents(id)).toHaveLength(1);
    const [unlocks] = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from outbox_event where challenge_id = ? and type = 'challenge.unlocked'`,
      [id],
    );
    expect(unlocks?.n).toBe(1);
  });

  it('leaves a challenge whose deadline is ahead open, whatever the sweep', async () => {
    const id = await challengeWithDeadline(5);
    await raceTheClose(id);
    const challenge = (await client.get(`/api/challenges/${id}`)).body;
    expect(challenge.status).toBe('open');
    expect(challenge.closedAt).toBeNull();
    expect(await closedEvents(id)).toHaveLength(0);
  });
});
