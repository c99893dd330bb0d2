import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../../index.js';
import { recordContribution } from '../../services/contributions.js';
import { newId } from '../../ids.js';
import { confirmPledgeRow, withdrawPledge } from '../../services/pledges.js';
import { loadChallenge } from '../../store/challenges.js';
import { readChallengeProgress } from '../../store/progress.js';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../../testing/index.js';
import { Jobs } from '../queue.js';
import {
  MISMATCH_EVENT,
  RECOUNT_SLOT,
  isSerializationFailure,
  recountChallenge,
  recountOpenChallenges,
} from './recount.js';

/**
 * The nightly recount (issue 3, "Scheduled work"): progress recomputed from
 * the rows; a mismatch is corrected, logged and announced, never silent;
 * and pledges arriving while it runs cause no false mismatch.
 */

const testRecountKm = defineActionType({
  id: 'test-recount-km',
  version: '1.0.0',
  title: { fr: 'Km (test)', en: 'Km (test)' },
  unit: 'km',
  contributionSchema: Type.Object({ km: Type.Number({ minimum: 0 }) }),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.2 }),
});

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [testRecountKm] });
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

async function openRecountChallenge(goal: Record<string, number> = { participants: 1000 }) {
  const { challengeId } = await openChallenge(
    client,
    platform.adminToken,
    {
      title: 'Recount',
      actionType: 'test-recount-km',
      goal,
      counterpart: { kind: 'act', description: 'Something' },
    },
    { kind: 'company' },
  );
  return challengeId;
}

const noDetails = {
  details: {},
  displayName: null,
  mapCell: null,
  communeCode: null,
  showAs: 'anonymous' as const,
  teamId: null,
};

/** `count` new participants, inserted at once (the recount reads rows, not how they came). */
async function newPeople(count: number): Promise<string[]> {
  const run = unique();
  const ids = Array.from({ length: count }, () => newId('ptc'));
  const emails = ids.map((_, i) => `r-${run}-${i}@example.org`);
  await platform.db.query(
    `insert into participant (id, canonical_email, email) values ${ids.map(() => '(?, ?, ?)').join(', ')}`,
    ids.flatMap((id, i) => [id, emails[i], emails[i]]),
  );
  return ids;
}

async function confirm(challengeId: string, participantId: string): Promise<void> {
  const challenge = await loadChallenge(platform.db, challengeId);
  if (!challenge) throw new Error('no challenge');
  await platform.db.transaction((tx) => confirmPledgeRow(tx, challenge, participantId, noDetails));
}

/** Reports `km` as the participant, through the engine's contribution use case. */
async function contribute(challengeId: string, participantId: string, km: number) {
  await recordContribution(
    platform.ctx,
    { kind: 'participant', participantId, email: null, roles: new Map() },
    challengeId,
    { details: { km } },
  );
}

/** Withdraws the participant's pledge, as they would themselves. */
async function withdraw(challengeId: string, participantId: string) {
  const [pledge] = await platform.db.query<{ id: string }>(
    'select id from pledge where challenge_id = ? and participant_id = ?',
    [challengeId, participantId],
  );
  if (!pledge) throw new Error('no pledge to withdraw');
  await withdrawPledge(
    platform.ctx,
    { kind: 'participant', participantId, email: null, roles: new Map() },
    pledge.id,
  );
}

const mismatchEvents = (challengeId: string) =>
  platform.db.query<{ payload: Record<string, unknown> }>(
    'select payload from outbox_event where challenge_id = ? and type = ? order by seq',
    [challengeId, MISMATCH_EVENT],
  );

const logRows = (challengeId: string) =>
  platform.db.query<{ expected: unknown; found: unknown }>(
    'select expected, found from recount_log where challenge_id = ? order by id',
    [challengeId],
  );

describe('recount', () => {
  it('corrects a corrupted slot, logs it and emits one progress.mismatch', async () => {
    const id = await openRecountChallenge();
    const [a, b, c] = (await newPeople(3)) as [string, string, string];
    await confirm(id, a);
    await confirm(id, b);
    await contribute(id, b, 12.5);
    // c counts by contributing, without a live pledge: they reported, then withdrew.
    await confirm(id, c);
    await contribute(id, c, 3.25);
    await withdraw(id, c);
    const truth = { participants: 3, quantity: 15.75, co2eKg: 3.15 };
    expect(await readChallengeProgress(platform.db, id)).toEqual(truth);

    await platform.db.query(
      `update progress_slot set participants = participants + 4, quantity = quantity - 2.5
        where challenge_id = ? and team_id = '' and slot = (
          select min(slot) from progress_slot where challenge_id = ? and team_id = '')`,
      [id, id],
    );
    const found = { participants: 7, quantity: 13.25, co2eKg: 3.15 };
    expect(await readChallengeProgress(platform.db, id)).toEqual(found);

    const result = await recountChallenge(platform.db, id, new Date());
    expect(result).toEqual({
      challengeId: id,
      expected: truth,
      found,
      corrected: true,
      shares: [],
    });
    expect(await readChallengeProgress(platform.db, id)).toEqual(truth);
    expect(await logRows(id)).toEqual([{ expected: truth, found }]);
    expect((await mismatchEvents(id)).map((e) => e.payload)).toEqual([{ expected: truth, found }]);
    // The correction sits in the recount's own slot.
    const [slot] = await platform.db.query<{ participants: number; quantity: string }>(
      `select participants, quantity::text from progress_slot where challenge_id = ? and slot = ?`,
      [id, RECOUNT_SLOT],
    );
    expect(slot).toEqual({ participants: -4, quantity: '2.500000' });

    // A second run finds nothing left to correct.
    const again = await recountChallenge(platform.db, id, new Date());
    expect(again?.corrected).toBe(false);
    expect(await mismatchEvents(id)).toHaveLength(1);
    expect(await logRows(id)).toHaveLength(1);
  });

  it('reports no mismatch while 100 pledges are confirmed during the recount, and ends true', async () => {
    const id = await openRecountChallenge();
    const people = await newPeople(100);
    let done = false;
    // Ten chains of ten confirmations, so the burst outlasts a few recounts
    // even when a confirmation is quick.
    const chains = Array.from({ length: 10 }, (_, chain) =>
      people.slice(chain * 10, chain * 10 + 10),
    );
    const burst = Promise.all(
      chains.map(async (chain) => {
        for (const person of chain) await confirm(id, person);
      }),
    ).finally(() => {
      done = true;
    });
    let runs = 0;
    while (!done || runs < 3) {
      const result = await recountChallenge(platform.db, id, new Date());
      runs++;
      expect(result?.corrected).toBe(false);
      // Both sides come from one snapshot: whatever was committed is in both.
      expect(result?.found).toEqual(result?.expected);
    }
    await burst;
    expect(runs).toBeGreaterThan(3);
    expect(await mismatchEvents(id)).toHaveLength(0);
    expect(await logRows(id)).toHaveLength(0);
    expect((await readChallengeProgress(platform.db, id)).participants).toBe(100);
  });

  it('corrects a corruption exactly once while 100 pledges arrive, and ends true', async () => {
    const id = await openRecountChallenge();
    const people = await newPeople(100);
    await confirm(id, people[0] as string);
    await platform.db.query(
      `update progress_slot set participants = participants + 7
        where challenge_id = ? and team_id = '' and slot = (
          select min(slot) from progress_slot where challenge_id = ? and team_id = '')`,
      [id, id],
    );
    let done = false;
    const burst = Promise.all(people.slice(1).map((p) => confirm(id, p))).finally(() => {
      done = true;
    });
    // Several recounts at once, over and over, while the burst goes on.
    let corrections = 0;
    while (!done) {
      const results = await Promise.all([
        recountChallenge(platform.db, id, new Date()),
        recountChallenge(platform.db, id, new Date()),
      ]);
      corrections += results.filter((r) => r?.corrected).length;
    }
    await burst;
    corrections += (await recountChallenge(platform.db, id, new Date()))?.corrected ? 1 : 0;

    expect(corrections).toBe(1);
    const events = await mismatchEvents(id);
    expect(events).toHaveLength(1);
    const { expected, found } = events[0]?.payload as {
      expected: { participants: number };
      found: { participants: number };
    };
    expect(found.participants - expected.participants).toBe(7);
    expect((await readChallengeProgress(platform.db, id)).participants).toBe(100);
  });

  it('recounts every open challenge from the scheduled job, once per day', async () => {
    const id = await openRecountChallenge({ participants: 2 });
    const [a] = (await newPeople(1)) as [string];
    await confirm(id, a);
    await platform.settle();
    // Lost counts: the slot says nobody.
    await platform.db.query(
      `update progress_slot set participants = 0 where challenge_id = ? and team_id = ''`,
      [id],
    );
    await platform.queue.enqueue(Jobs.recountProgress, {});
    await platform.settle();
    expect((await readChallengeProgress(platform.db, id)).participants).toBe(1);
    expect(await mismatchEvents(id)).toHaveLength(1);

    // Within the day, ticks (or a replayed job) do not run it again.
    await platform.db.query(
      `update progress_slot set participants = participants + 5
        where challenge_id = ? and team_id = '' and slot = ?`,
      [id, RECOUNT_SLOT],
    );
    await platform.queue.enqueue(Jobs.recountProgress, {});
    await platform.settle();
    expect((await readChallengeProgress(platform.db, id)).participants).toBe(6);

    // The summary of a direct run names what it corrected.
    const summary = await recountOpenChallenges({
      db: platform.db,
      queue: platform.queue,
      now: () => new Date(),
    });
    expect(summary.checked).toBeGreaterThanOrEqual(1);
    expect(summary.corrected.map((r) => r.challengeId)).toEqual([id]);
    expect((await readChallengeProgress(platform.db, id)).participants).toBe(1);
  });

  it('recognises serialization failures however the driver wraps them', () => {
    expect(isSerializationFailure({ code: '40001' })).toBe(true);
    expect(isSerializationFailure(new Error('x', { cause: { code: '40001' } }))).toBe(true);
    expect(isSerializationFailure({ code: '23505' })).toBe(false);
    expect(isSerializationFailure(undefined)).toBe(false);
  });
});
