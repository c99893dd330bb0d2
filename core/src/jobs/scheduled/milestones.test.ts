import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmPledges,
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
} from '../../testing/index.js';
import { evaluateChallengeNow } from '../handlers/evaluate-challenge.js';
import { MILESTONE_EVENT } from './milestones.js';

describe('milestones written by the evaluation', () => {
  let platform: TestPlatform;
  let client: TestClient;

  beforeAll(async () => {
    platform = await startTestPlatform();
    client = createTestClient(platform.app);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  /** An open challenge with two tiers: 4 people, then 8. */
  async function twoTierChallenge(): Promise<{ id: string; tierIds: string[] }> {
    const { challengeId, challenge } = await openChallenge(client, platform.adminToken, {
      title: 'Milestones',
      actionType: 'pledge-only',
      tiers: [
        { goal: { participants: 4 }, counterpart: { kind: 'act', description: 'A' } },
        { goal: { participants: 8 }, counterpart: { kind: 'act', description: 'B' } },
      ],
    });
    return { id: challengeId, tierIds: challenge.tiers.map((t: { id: string }) => t.id) };
  }

  /**
   * Confirms pledges straight through the engine's write path (no mail round
   * trip), in one transaction: their commit wakes the relay, and the
   * evaluation it sets off must see the jump whole.
   */
  async function pledge(challengeId: string, count: number): Promise<void> {
    await confirmPledges(platform, challengeId, count, { together: true });
  }

  const milestoneEvents = (challengeId: string) =>
    platform.db.query<{ payload: { tierId: string; percent: number; progress: unknown } }>(
      'select payload from outbox_event where challenge_id = ? and type = ? order by seq',
      [challengeId, MILESTONE_EVENT],
    );

  /** Ten evaluations at once, beside the ones the relay runs. */
  const evaluateConcurrently = (challengeId: string) =>
    Promise.all(Array.from({ length: 10 }, () => evaluateChallengeNow(platform.db, challengeId)));

  it('emits 25/50/75/100 % of each tier once, however many evaluations race', async () => {
    const { id, tierIds } = await twoTierChallenge();
    const [low, high] = tierIds as [string, string];
    for (let step = 0; step < 8; step++) {
      await pledge(id, 1);
      await evaluateConcurrently(id);
    }
    await platform.settle();
    await evaluateConcurrently(id);

    const events = await milestoneEvents(id);
    const seen = events.map((e) => `${e.payload.tierId}/${e.payload.percent}`);
    expect(seen).toEqual([
      `${low}/25`,
      `${low}/50`,
      `${high}/25`,
      `${low}/75`,
      `${low}/100`,
      `${high}/50`,
      `${high}/75`,
      `${high}/100`,
    ]);
    expect(events[0]?.payload.progress).toEqual({ participants: 1, quantity: 0, co2eKg: 0 });
    const rows = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from challenge_milestone where challenge_id = ?',
      [id],
    );
    expect(rows[0]?.n).toBe(8);
    // The unlocks stay their own events, one per tier.
    const unlocks = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from outbox_event where challenge_id = ? and type = 'challenge.unlocked'`,
      [id],
    );
    expect(unlocks[0]?.n).toBe(2);
  });

  it('announces a milestone once even when progress drops below it and climbs back', async () => {
    const { id } = await twoTierChallenge();
    await pledge(id, 2); // 50 % of the first tier, 25 % of the second
    await evaluateChallengeNow(platform.db, id);
    expect(await milestoneEvents(id)).toHaveLength(3);
    // Down to nothing (as after withdrawals), then back.
    await platform.db.query(
      `insert into progress_slot (challenge_id, team_id, slot, participants) values (?, '', 99, -2)`,
      [id],
    );
    await evaluateChallengeNow(platform.db, id);
    await platform.db.query(
      `delete from progress_slot where challenge_id = ? and team_id = '' and slot = 99`,
      [id],
    );
    await evaluateConcurrently(id);
    expect(await milestoneEvents(id)).toHaveLength(3);
  });

  it('records every milestone a jump crosses, in order, with the 100 % before the unlock', async () => {
    const { id, tierIds } = await twoTierChallenge();
    await pledge(id, 4);
    await evaluateConcurrently(id);
    const events = await platform.db.query<{ type: string; payload: { percent?: number } }>(
      `select type, payload from outbox_event
        where challenge_id = ? and type in (?, 'challenge.unlocked') order by seq`,
      [id, MILESTONE_EVENT],
    );
    expect(events.map((e) => e.payload.percent ?? e.type)).toEqual([
      25,
      50,
      75,
      100,
      25,
      50,
      'challenge.unlocked',
    ]);
    expect(tierIds).toHaveLength(2);
  });
});
