import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import { recountChallenge } from '../jobs/scheduled/recount.js';
import { readTeamProgress } from '../store/progress.js';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  type TestResponse,
  unique,
} from '../testing/index.js';

/**
 * A participant corrects or deletes what they reported (ADR 0029), and
 * `GET /api/me/pledges` shows it. Real PostgreSQL; the counters are held to
 * the rows by the nightly recount's own arithmetic.
 */

const KG_PER_KM = 0.2;

const testFixKm = defineActionType({
  id: 'test-fix-km',
  version: '1.0.0',
  title: { fr: 'Km à vélo (correction)', en: 'Km by bike (corrections)' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }), date: Type.Optional(Type.String({ format: 'date' })) },
    { additionalProperties: false },
  ),
  dayField: 'date',
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * KG_PER_KM, source: 'test factor, ADEME-like' }),
  limits: {
    maxQuantityPerPersonPerDay: 400,
    check: ({ details }) => (details.km > 300 ? 'Nobody cycles more than 300 km at once.' : null),
  },
});

const someone = () => `fix-${unique()}@example.org`;

let platform: TestPlatform;
let client: TestClient;
const statements: string[] = [];
let counting = false;

beforeAll(async () => {
  platform = await startTestPlatform({
    plugins: [testFixKm],
    onStatement: (statement) => {
      if (counting) statements.push(statement);
    },
  });
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

async function newChallenge(
  goal: Record<string, unknown> = { participants: 50 },
  organization?: string,
) {
  return openChallenge(
    client,
    platform.adminToken,
    {
      title: 'Cycle instead of driving',
      actionType: 'test-fix-km',
      goal,
      counterpart: { kind: 'act', description: 'A tree per 100 km' },
    },
    { kind: 'company', ...(organization ? { organization } : {}) },
  );
}

async function pledged(challengeId: string, email = someone()) {
  const token = await client.signIn(email);
  const answer = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
  expect(answer.status).toBe(201);
  return { token, pledgeId: answer.body.id as string };
}

async function record(challengeId: string, token: string, details: Record<string, unknown>) {
  const answer = await client.post(
    `/api/challenges/${challengeId}/contributions`,
    { details },
    {
      token,
    },
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
}

const send = async (method: 'PATCH' | 'DELETE', id: string, token: string, body?: object) => {
  const response = await platform.app.inject({
    method,
    url: `/api/contributions/${id}`,
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { payload: body } : {}),
  });
  return { status: response.statusCode, body: response.json() as TestResponse['body'] };
};
const correct = (id: string, token: string, body: object) => send('PATCH', id, token, body);
const remove = (id: string, token: string) => send('DELETE', id, token);

async function progress(challengeId: string) {
  const answer = await client.get(`/api/challenges/${challengeId}`);
  const { participants, quantity, co2eKg } = answer.body.progress as {
    participants: number;
    quantity: number;
    co2eKg: number;
  };
  return { participants, quantity, co2eKg };
}

/** Whether the counters equal what the rows say (the recount's check, without its fix). */
async function countersTrue(challengeId: string) {
  const result = await recountChallenge(platform.db, challengeId, new Date());
  return result?.corrected === false;
}

const eventsOf = (challengeId: string, type: string) =>
  platform.db.query<{ payload: Record<string, unknown> }>(
    'select payload from outbox_event where challenge_id = ? and type = ? order by seq',
    [challengeId, type],
  );

describe('correcting a contribution', () => {
  it('turns a typo of 250 km into 25: the challenge loses exactly 225 km, in one event', async () => {
    const { challengeId } = await newChallenge();
    const { token } = await pledged(challengeId);
    const other = await pledged(challengeId);
    await record(challengeId, other.token, { km: 7.5 });
    const id = await record(challengeId, token, { km: 250 });
    const before = await progress(challengeId);
    expect(before).toEqual({ participants: 2, quantity: 257.5, co2eKg: 51.5 });

    const corrected = await correct(id, token, { details: { km: 25 } });
    expect(corrected.status).toBe(200);
    expect(corrected.body).toMatchObject({
      id,
      quantity: 25,
      unit: 'km',
      impact: { co2eKg: 5, source: 'test factor, ADEME-like' },
    });
    const after = await progress(challengeId);
    expect(after.quantity - before.quantity).toBe(-225);
    expect(after).toEqual({ participants: 2, quantity: 32.5, co2eKg: 6.5 });
    expect(await eventsOf(challengeId, 'contribution.corrected')).toEqual([
      {
        payload: {
          contributionId: id,
          participantId: expect.any(String),
          quantity: 25,
          co2eKg: 5,
          quantityDelta: -225,
          co2eKgDelta: -45,
        },
      },
    ]);
    expect(await countersTrue(challengeId)).toBe(true);
  });

  it('loses no update when corrections race (same contribution, and two of one person)', async () => {
    const { challengeId } = await newChallenge();
    const { token } = await pledged(challengeId);
    const a = await record(challengeId, token, { km: 100 });
    const b = await record(challengeId, token, { km: 50 });
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 5, 15, 25];
    const answers = await Promise.all(
      values.map((km, i) => correct(i % 2 === 0 ? a : b, token, { details: { km } })),
    );
    expect(answers.map((r) => r.status)).toEqual(values.map(() => 200));
    const rows = await platform.db.query<{ quantity: string }>(
      'select quantity::text as quantity from contribution where challenge_id = ?',
      [challengeId],
    );
    const sum = rows.reduce((total, row) => total + Number(row.quantity), 0);
    expect((await progress(challengeId)).quantity).toBe(sum);
    expect(await countersTrue(challengeId)).toBe(true);
  });

  it("moves the person's team's counters with the challenge's", async () => {
    const { challengeId, campaignId } = await newChallenge();
    const team = await client.post(
      `/api/campaigns/${campaignId}/teams`,
      { name: `Team ${unique()}` },
      { token: platform.adminToken },
    );
    expect(team.status).toBe(201);
    const token = await client.signIn(someone());
    const pledge = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      { team: team.body.slug },
      { token },
    );
    expect(pledge.status).toBe(201);
    const id = await record(challengeId, token, { km: 250 });
    const teamQuantity = async () =>
      (await readTeamProgress(platform.db, challengeId)).get(team.body.id)?.quantity;
    expect(await teamQuantity()).toBe(250);
    expect((await correct(id, token, { details: { km: 25 } })).status).toBe(200);
    expect(await teamQuantity()).toBe(25);
    expect((await remove(id, token)).status).toBe(200);
    expect(await teamQuantity()).toBe(0);
  });

  it("holds the corrected value to the day's limit, without its own old figure", async () => {
    const { challengeId } = await newChallenge();
    const { token } = await pledged(challengeId);
    const big = await record(challengeId, token, { km: 250 });
    const small = await record(challengeId, token, { km: 100 });
    // 250 + 200 > 400 km that day: refused, nothing moves.
    const over = await correct(small, token, { details: { km: 200 } });
    expect(over.status).toBe(400);
    expect(over.body.error).toBe('TANDEM_REQUEST_INVALID');
    // Past the per-contribution check.
    const absurd = await correct(big, token, { details: { km: 350 } });
    expect(absurd.status).toBe(400);
    expect((await progress(challengeId)).quantity).toBe(350);
    // 300 + 100 = 400: the 250 it replaces does not count against it.
    expect((await correct(big, token, { details: { km: 300 } })).status).toBe(200);
    expect((await progress(challengeId)).quantity).toBe(400);
  });

  it('checks the details and the body like a new contribution', async () => {
    const { challengeId } = await newChallenge();
    const { token } = await pledged(challengeId);
    const id = await record(challengeId, token, { km: 12 });
    for (const [body, code] of [
      [{ details: { km: -1 } }, 'TANDEM_REQUEST_INVALID'],
      [{ details: { km: 3, miles: 2 } }, 'TANDEM_REQUEST_UNKNOWN_FIELD'],
      [{ details: { km: 3 }, quantity: 3 }, 'TANDEM_REQUEST_UNKNOWN_FIELD'],
      [{ details: { km: 3, date: '1970-01-01' } }, 'TANDEM_REQUEST_INVALID'],
      [
        { details: { km: 3 }, occurredAt: new Date(Date.now() + 86_400_000).toISOString() },
        'TANDEM_REQUEST_INVALID',
      ],
      [{}, 'TANDEM_REQUEST_INVALID'],
    ] as const) {
      const refused = await correct(id, token, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error).toBe(code);
    }
    expect((await progress(challengeId)).quantity).toBe(12);
  });

  it('keeps an unlock already reached when a correction takes the challenge back under its goal', async () => {
    const { challengeId } = await newChallenge({ quantity: 200 });
    const { token } = await pledged(challengeId);
    const id = await record(challengeId, token, { km: 250 });
    await platform.settle();
    const unlocked = await client.get(`/api/challenges/${challengeId}`);
    expect(unlocked.body.status).toBe('succeeded');
    const unlockedAt = unlocked.body.tiers[0].unlockedAt as string;
    expect(unlockedAt).not.toBeNull();

    expect((await correct(id, token, { details: { km: 25 } })).status).toBe(200);
    await platform.settle();
    const after = await client.get(`/api/challenges/${challengeId}`);
    expect(after.body.progress.quantity).toBe(25);
    expect(after.body.status).toBe('succeeded');
    expect(after.body.tiers[0].unlockedAt).toBe(unlockedAt);
  });
});

describe('deleting a contribution', () => {
  it('takes it off the counters, and the person counts no more when it alone made them count', async () => {
    const { challengeId } = await newChallenge();
    const { token, pledgeId } = await pledged(challengeId);
    const first = await record(challengeId, token, { km: 12 });
    const second = await record(challengeId, token, { km: 3 });
    expect(await progress(challengeId)).toMatchObject({ participants: 1, quantity: 15 });

    const gone = await remove(first, token);
    expect(gone).toEqual({ status: 200, body: { status: 'deleted' } });
    expect(await progress(challengeId)).toMatchObject({ participants: 1, quantity: 3 });
    expect((await remove(first, token)).status).toBe(404);

    // Withdrawn, they count for their last contribution; deleting it too, they count no more.
    expect((await client.delete(`/api/pledges/${pledgeId}`, { token })).status).toBe(200);
    expect(await progress(challengeId)).toMatchObject({ participants: 1, quantity: 3 });
    expect((await remove(second, token)).status).toBe(200);
    expect(await progress(challengeId)).toEqual({ participants: 0, quantity: 0, co2eKg: 0 });
    const deleted = await eventsOf(challengeId, 'contribution.deleted');
    expect(deleted.map((e) => e.payload['participantsDelta'])).toEqual([0, -1]);
    expect(deleted.map((e) => e.payload['quantity'])).toEqual([12, 3]);
    expect(await countersTrue(challengeId)).toBe(true);
  });
});

describe('who may correct, and until when', () => {
  it("answers 404 for someone else's contribution, and for an unknown one", async () => {
    const { challengeId, slug } = await newChallenge();
    const owner = await pledged(challengeId);
    const id = await record(challengeId, owner.token, { km: 12 });
    const stranger = await pledged(challengeId);
    const adminEmail = someone();
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: adminEmail, role: 'admin' },
      { token: platform.adminToken },
    );
    const orgAdmin = await client.signIn(adminEmail);
    for (const token of [stranger.token, orgAdmin]) {
      expect((await correct(id, token, { details: { km: 1 } })).status).toBe(404);
      expect((await remove(id, token)).status).toBe(404);
    }
    expect((await correct('ctb_nope', owner.token, { details: { km: 1 } })).status).toBe(404);
    expect((await correct(id, platform.adminToken, { details: { km: 1 } })).status).toBe(403);
    const anonymous = await platform.app.inject({
      method: 'DELETE',
      url: `/api/contributions/${id}`,
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await progress(challengeId)).quantity).toBe(12);
  });

  it('answers 409 TANDEM_CONTRIBUTION_LOCKED once the window has passed', async () => {
    const { challengeId } = await newChallenge();
    const { token } = await pledged(challengeId);
    const id = await record(challengeId, token, { km: 12 });
    // Recorded 3 days and a minute ago (TANDEM_CONTRIBUTION_EDIT_DAYS defaults to 3).
    await platform.db.query(
      `update contribution set created_at = now() - interval '3 days 1 minute' where id = ?`,
      [id],
    );
    for (const answer of [
      await correct(id, token, { details: { km: 1 } }),
      await remove(id, token),
    ]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error).toBe('TANDEM_CONTRIBUTION_LOCKED');
    }
    expect((await progress(challengeId)).quantity).toBe(12);
    const mine = await client.get('/api/me/pledges', { token });
    expect(mine.body.pledges[0].contributions[0].editableUntil).toBe(
      new Date(
        new Date(mine.body.pledges[0].contributions[0].recordedAt).getTime() + 3 * 86_400_000,
      ).toISOString(),
    );
  });

  it("leaves an agent's record as it stands: the participant cannot correct it (409)", async () => {
    const { challengeId, slug } = await newChallenge();
    const resident = someone();
    const agentEmail = someone();
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: agentEmail, role: 'agent' },
      { token: platform.adminToken },
    );
    const agent = await client.signIn(agentEmail);
    const recorded = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { km: 30 }, participant: { email: resident } },
      { token: agent },
    );
    expect(recorded.status).toBe(201);
    const token = await client.signIn(resident);
    const refused = await correct(recorded.body.id, token, { details: { km: 3 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_CONTRIBUTION_LOCKED');
    // The agent recorded it for someone else: to them it is not theirs to correct here.
    expect((await correct(recorded.body.id, agent, { details: { km: 3 } })).status).toBe(404);
    const mine = await client.get('/api/me/pledges', { token });
    expect(mine.body.pledges[0].contributions[0].editableUntil).toBeNull();
  });
});

describe('GET /api/me/pledges', () => {
  it('lists my pledges with their contributions, sources and my total CO2e', async () => {
    const first = await newChallenge();
    const second = await newChallenge();
    const email = someone();
    const { token } = await pledged(first.challengeId, email);
    await client.post(`/api/challenges/${second.challengeId}/pledges`, {}, { token });
    const a = await record(first.challengeId, token, { km: 10 });
    await record(first.challengeId, token, { km: 2.5 });
    await record(second.challengeId, token, { km: 40 });
    // Someone else's contribution never shows.
    const other = await pledged(first.challengeId);
    await record(first.challengeId, other.token, { km: 99 });

    const mine = await client.get('/api/me/pledges', { token });
    expect(mine.status).toBe(200);
    expect(mine.body.totals).toEqual({ co2eKg: 10.5 });
    expect(mine.body.pledges.map((p: { challenge: { id: string } }) => p.challenge.id)).toEqual([
      second.challengeId,
      first.challengeId,
    ]);
    const [, onFirst] = mine.body.pledges;
    expect(onFirst).toMatchObject({
      status: 'confirmed',
      showAs: 'anonymous',
      team: null,
      details: {},
      confirmedAt: expect.any(String),
      withdrawnAt: null,
      challenge: {
        id: first.challengeId,
        title: 'Cycle instead of driving',
        status: 'open',
        actionType: 'test-fix-km',
        unit: 'km',
      },
    });
    expect(onFirst.contributions).toHaveLength(2);
    const tenKm = onFirst.contributions.find((c: { id: string }) => c.id === a);
    expect(tenKm).toMatchObject({
      quantity: 10,
      co2eKg: 2,
      source: 'test factor, ADEME-like',
      details: { km: 10 },
    });
    expect(Date.parse(tenKm.editableUntil) - Date.parse(tenKm.recordedAt)).toBe(3 * 86_400_000);
    expect(await client.get('/api/me/pledges')).toMatchObject({ status: 401 });
    expect((await client.get('/api/me/pledges', { token: platform.adminToken })).status).toBe(403);
  });

  it('reads in the same few statements however many pledges and contributions there are', async () => {
    const email = someone();
    const token = await client.signIn(email);
    const count = async () => {
      await platform.settle(); // background work (relay, evaluations) would add its own statements
      statements.length = 0;
      counting = true;
      const answer = await client.get('/api/me/pledges', { token });
      counting = false;
      expect(answer.status).toBe(200);
      return statements.length;
    };
    const { challengeId } = await newChallenge();
    await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
    await record(challengeId, token, { km: 1 });
    // Work in the background (a relay, a scheduled sweep) can slip its own
    // statements into a window; it only ever adds, so the least of three
    // reads is the read's own count.
    const least = async () => Math.min(await count(), await count(), await count());
    await count(); // the first request of a session warms what the process remembers
    const few = await least();
    for (let i = 0; i < 4; i++) {
      const next = await newChallenge();
      await client.post(`/api/challenges/${next.challengeId}/pledges`, {}, { token });
      await record(next.challengeId, token, { km: 1 });
      await record(next.challengeId, token, { km: 2 });
    }
    const many = await least();
    expect(many).toBe(few);
    // The session, the pledges, the contributions.
    expect(few).toBe(3);
    expect((await client.get('/api/me/pledges', { token })).body.pledges).toHaveLength(5);
  });
});
