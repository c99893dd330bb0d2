import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Contributions through the HTTP API (API.md, `POST
 * /api/challenges/{id}/contributions` and "Who counts"), with a measured
 * action type defined here: kilometres cycled instead of driven.
 */

const KG_CO2E_PER_KM = 0.2176;

const testBikeKm = defineActionType({
  id: 'test-bike-km',
  version: '1.0.0',
  title: { fr: 'Kilomètres à vélo (test)', en: 'Kilometres by bike (test)' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }), date: Type.Optional(Type.String({ format: 'date' })) },
    { additionalProperties: false },
  ),
  dayField: 'date',
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({
    co2eKg: details.km * KG_CO2E_PER_KM,
    source: 'test factor, average car',
  }),
  limits: {
    maxQuantityPerPersonPerDay: 200,
    check: ({ details }) => (details.km > 200 ? 'Nobody cycles more than 200 km a day.' : null),
  },
});

const someone = () => `p-${unique()}@example.org`;

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [testBikeKm] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

interface Setup {
  slug: string;
  campaignId: string;
  challengeId: string;
}

/**
 * An organization, a public campaign and an open test-bike-km challenge
 * with `goal`; `organization` and `campaign` add to their bodies.
 */
async function newChallenge(
  goal: Record<string, unknown> = { participants: 50 },
  extra: { organization?: Record<string, unknown>; campaign?: Record<string, unknown> } = {},
): Promise<Setup> {
  const slug = `org-${unique()}`;
  expect(
    (
      await client.post(
        '/api/organizations',
        { slug, name: 'Bikes', kind: 'company', ...extra.organization },
        admin,
      )
    ).status,
  ).toBe(201);
  const campaign = await client.post(
    `/api/organizations/${slug}/campaigns`,
    { title: 'Bike month', ...extra.campaign },
    admin,
  );
  expect(campaign.status).toBe(201);
  const challenge = await client.post(
    `/api/campaigns/${campaign.body.id}/challenges`,
    {
      title: 'Cycle instead of driving',
      actionType: 'test-bike-km',
      goal,
      counterpart: { kind: 'act', description: 'We plant a tree per 100 km' },
    },
    admin,
  );
  expect(challenge.status).toBe(201);
  expect(challenge.body.unit).toBe('km');
  const opened = await client.post(`/api/challenges/${challenge.body.id}/open`, undefined, admin);
  expect(opened.status).toBe(200);
  return { slug, campaignId: campaign.body.id, challengeId: challenge.body.id };
}

async function progress(challengeId: string) {
  const response = await client.get(`/api/challenges/${challengeId}`);
  expect(response.status).toBe(200);
  const { participants, quantity, co2eKg } = response.body.progress as Record<string, number>;
  return { participants, quantity, co2eKg };
}

const contribute = (challengeId: string, body: Record<string, unknown>, token?: string) =>
  client.post(`/api/challenges/${challengeId}/contributions`, body, token ? { token } : {});

/** Signs someone in and confirms their pledge: a self-report needs a live pledge. */
async function pledged(challengeId: string, email = someone()): Promise<string> {
  const token = await client.signIn(email);
  const answer = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return token;
}

async function member(slug: string, role: string): Promise<string> {
  const email = someone();
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return client.signIn(email);
}

describe('recording contributions', () => {
  it('records 12 km for a signed-in participant with its quantity and impact', async () => {
    const { challengeId } = await newChallenge();
    const token = await pledged(challengeId);
    const recorded = await contribute(challengeId, { details: { km: 12 } }, token);
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({
      id: expect.any(String),
      quantity: 12,
      unit: 'km',
      impact: { co2eKg: expect.any(Number) },
    });
    expect(recorded.body.impact.co2eKg).toBeCloseTo(12 * KG_CO2E_PER_KM, 6);
    expect(recorded.body.impact.source).toBe('test factor, average car');

    const after = await progress(challengeId);
    expect(after.quantity).toBe(12);
    expect(after.co2eKg).toBeCloseTo(12 * KG_CO2E_PER_KM, 6);
    expect(after.participants).toBe(1);
  });

  it('counts a contributor once, across contributions and a pledge', async () => {
    const { challengeId } = await newChallenge();
    const token = await client.signIn(someone());
    const pledge = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
    expect(pledge.status).toBe(201);
    expect((await contribute(challengeId, { details: { km: 12 } }, token)).status).toBe(201);
    expect((await contribute(challengeId, { details: { km: 8.5 } }, token)).status).toBe(201);
    let now = await progress(challengeId);
    expect(now.quantity).toBe(20.5);
    expect(now.participants).toBe(1);

    // Someone else who only pledged counts too.
    await client.pledgeAndConfirm(challengeId, someone());
    now = await progress(challengeId);
    expect(now.participants).toBe(2);
    expect(now.quantity).toBe(20.5);

    // Withdrawing the pledge does not stop the contributor from counting…
    expect((await client.delete(`/api/pledges/${pledge.body.id}`, { token })).status).toBe(200);
    now = await progress(challengeId);
    expect(now.participants).toBe(2);
    expect(now.quantity).toBe(20.5);
    // …but without a live pledge they report no more.
    const after = await contribute(challengeId, { details: { km: 3 } }, token);
    expect(after.status).toBe(409);
    expect(after.body.error).toBe('TANDEM_PLEDGE_REQUIRED');
    expect((await progress(challengeId)).quantity).toBe(20.5);
  });

  it('refuses 250 km with 400 on details, counting nothing', async () => {
    const { challengeId } = await newChallenge();
    const token = await pledged(challengeId);
    const refused = await contribute(challengeId, { details: { km: 250 } }, token);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/details/);
    expect(await progress(challengeId)).toEqual({ participants: 1, quantity: 0, co2eKg: 0 });
    // 200 km is still plausible.
    expect((await contribute(challengeId, { details: { km: 200 } }, token)).status).toBe(201);
  });

  it.each([
    [{ km: -3 }, 'TANDEM_REQUEST_INVALID', /details\/km/],
    [{ km: '12' }, 'TANDEM_REQUEST_INVALID', /details\/km/],
    [{}, 'TANDEM_REQUEST_INVALID', /details\/km/],
    [{ km: 12, miles: 7 }, 'TANDEM_REQUEST_UNKNOWN_FIELD', /details\/miles/],
  ])('refuses the details %j', async (details, code, field) => {
    const { challengeId } = await newChallenge();
    const token = await client.signIn(someone());
    const refused = await contribute(challengeId, { details }, token);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(code);
    expect(refused.body.message).toMatch(field);
    expect((await progress(challengeId)).participants).toBe(0);
  });

  it('refuses a contribution dated in the future', async () => {
    const { challengeId } = await newChallenge();
    const token = await client.signIn(someone());
    const refused = await contribute(
      challengeId,
      { details: { km: 5 }, occurredAt: new Date(Date.now() + 86_400_000).toISOString() },
      token,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/occurredAt/);
  });

  it('refuses contributions to a pledge-only challenge with 409', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const token = await client.signIn(someone());
    const refused = await contribute(challengeId, { details: {} }, token);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_CHALLENGE_TAKES_NO_CONTRIBUTIONS');
  });
});

describe('who may record', () => {
  it('lets an agent record for someone else by e-mail, who then counts', async () => {
    const { slug, challengeId } = await newChallenge();
    const agent = await member(slug, 'agent');
    const resident = someone();
    const recorded = await contribute(
      challengeId,
      { details: { km: 30 }, participant: { email: resident } },
      agent,
    );
    expect(recorded.status).toBe(201);
    expect(recorded.body.quantity).toBe(30);
    const now = await progress(challengeId);
    expect(now.participants).toBe(1);
    expect(now.quantity).toBe(30);

    // It is the resident who counts, not the agent: their own report adds no one.
    const residentToken = await client.signIn(resident.toUpperCase());
    expect((await contribute(challengeId, { details: { km: 5 } }, residentToken)).status).toBe(201);
    expect((await progress(challengeId)).participants).toBe(1);
    const rows = await platform.db.query<{ n: number }>(
      'select count(distinct participant_id)::int as n from contribution where challenge_id = ?',
      [challengeId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('lets the platform admin record for someone, but not for nobody', async () => {
    const { challengeId } = await newChallenge();
    const forSomeone = await contribute(
      challengeId,
      { details: { km: 3 }, participant: { email: someone() } },
      admin.token,
    );
    expect(forSomeone.status).toBe(201);
    const forNobody = await contribute(challengeId, { details: { km: 3 } }, admin.token);
    expect(forNobody.status).toBe(400);
    expect(forNobody.body.message).toMatch(/participant/);
  });

  it('answers 403 to a non-agent recording for someone else', async () => {
    const { slug, challengeId } = await newChallenge();
    const outsider = await client.signIn(someone());
    const plainMember = await member(slug, 'member');
    for (const token of [outsider, plainMember]) {
      const refused = await contribute(
        challengeId,
        { details: { km: 10 }, participant: { email: someone() } },
        token,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    }
    expect(await progress(challengeId)).toEqual({ participants: 0, quantity: 0, co2eKg: 0 });
  });

  it('answers 401 to an anonymous contribution', async () => {
    const { challengeId } = await newChallenge();
    const refused = await contribute(challengeId, { details: { km: 10 } });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('TANDEM_AUTH_REQUIRED');
    const forSomeone = await contribute(challengeId, {
      details: { km: 10 },
      participant: { email: someone() },
    });
    expect(forSomeone.status).toBe(401);
    expect((await progress(challengeId)).quantity).toBe(0);
  });

  it('refuses a bad participant e-mail from an agent', async () => {
    const { slug, challengeId } = await newChallenge();
    const agent = await member(slug, 'agent');
    const refused = await contribute(
      challengeId,
      { details: { km: 10 }, participant: { email: 'nobody-at-all' } },
      agent,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/participant\/email/);
    for (const email of ['resident+x,eve@example.org', '"resident"@example.org']) {
      const listed = await contribute(
        challengeId,
        { details: { km: 10 }, participant: { email } },
        agent,
      );
      expect(listed.status, email).toBe(400);
      expect(listed.body.details[0].path).toBe('participant/email');
    }
  });

  it('answers 404 on an unknown challenge and on a draft it cannot see, 409 to an admin on a draft', async () => {
    const token = await client.signIn(someone());
    const unknown = await contribute('chl_nope', { details: { km: 1 } }, token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('TANDEM_NOT_FOUND');

    const { campaignId } = await newChallenge();
    const draft = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      { title: 'Draft', actionType: 'test-bike-km', goal: { quantity: 10 } },
      admin,
    );
    expect(draft.status).toBe(201);
    // Drafts are invisible to a participant: 404, as a read of it.
    const refused = await contribute(draft.body.id, { details: { km: 1 } }, token);
    expect(refused.status).toBe(404);
    expect(refused.body.error).toBe('TANDEM_NOT_FOUND');
    const byAdmin = await contribute(draft.body.id, { details: { km: 1 } }, admin.token);
    expect(byAdmin.status).toBe(409);
    expect(byAdmin.body.error).toBe('TANDEM_CHALLENGE_NOT_OPEN');
  });
});

describe('quantity goals', () => {
  it('unlocks a 100 km goal when it is reached, not before', async () => {
    const { challengeId } = await newChallenge({ quantity: 100 });
    const riders = [await pledged(challengeId), await pledged(challengeId)];
    expect((await contribute(challengeId, { details: { km: 60 } }, riders[0])).status).toBe(201);
    await platform.settle();
    let challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('open');
    expect(challenge.tiers[0].unlockedAt).toBeNull();
    expect(challenge.goal).toMatchObject({ quantity: 100 });

    expect((await contribute(challengeId, { details: { km: 39.5 } }, riders[1])).status).toBe(201);
    await platform.settle();
    challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('open');
    expect(challenge.progress.quantity).toBe(99.5);

    expect((await contribute(challengeId, { details: { km: 0.5 } }, riders[0])).status).toBe(201);
    await platform.settle();
    challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(challenge.progress).toMatchObject({ quantity: 100, participants: 2 });
    expect(challenge.tiers[0].unlockedAt).not.toBeNull();
  });

  it('needs both targets with match "all" and either with "any"', async () => {
    const all = await newChallenge({ participants: 2, quantity: 10 });
    const any = await newChallenge({ participants: 2, quantity: 10, match: 'any' });
    for (const { challengeId } of [all, any]) {
      const token = await pledged(challengeId);
      expect((await contribute(challengeId, { details: { km: 15 } }, token)).status).toBe(201);
    }
    await platform.settle();
    expect((await client.get(`/api/challenges/${all.challengeId}`)).body.status).toBe('open');
    expect((await client.get(`/api/challenges/${any.challengeId}`)).body.status).toBe('succeeded');
  });

  it('counts one person once under concurrent contributions', async () => {
    const { challengeId } = await newChallenge();
    const token = await pledged(challengeId);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => contribute(challengeId, { details: { km: 2 } }, token)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    const now = await progress(challengeId);
    expect(now.participants).toBe(1);
    expect(now.quantity).toBe(16);
  });
});

const DAY_MS = 86_400_000;

describe('limits hold per person, not per contribution', () => {
  it('refuses 76 × 200 km for one day from someone who never pledged (409), counting nothing', async () => {
    const { challengeId } = await newChallenge({ quantity: 15_000 });
    const token = await client.signIn(someone());
    const answers = await Promise.all(
      Array.from({ length: 76 }, () => contribute(challengeId, { details: { km: 200 } }, token)),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([409]));
    expect(new Set(answers.map((a) => a.body.error))).toEqual(new Set(['TANDEM_PLEDGE_REQUIRED']));
    expect(await progress(challengeId)).toEqual({ participants: 0, quantity: 0, co2eKg: 0 });
  });

  it('lets a pledged person record 200 km of one day once, however many requests race', async () => {
    const { challengeId } = await newChallenge({ quantity: 15_000 });
    const token = await pledged(challengeId);
    const answers = await Promise.all(
      Array.from({ length: 76 }, () => contribute(challengeId, { details: { km: 200 } }, token)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(75);
    const refused = answers.find((a) => a.status === 400);
    expect(refused?.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused?.body.details[0].path).toBe('details');
    await platform.settle();
    const read = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(read.progress).toMatchObject({ participants: 1, quantity: 200 });
    expect(read.status).toBe('open');
    expect(read.tiers[0].unlockedAt).toBeNull();
    // Another day has its own 200 km.
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    const other = await contribute(challengeId, { details: { km: 150, date: yesterday } }, token);
    expect(other.status).toBe(400); // the campaign started today: yesterday is outside it
    expect(other.body.details[0].path).toBe('details/date');
  });

  it("counts a day in the organization's time zone", async () => {
    const startsAt = new Date(Date.now() - 4 * DAY_MS).toISOString();
    const midnight = Date.parse(new Date(Date.now() - 2 * DAY_MS).toISOString().slice(0, 10));
    // 23:30 and 00:30 UTC: two days in London's winter… and one in Paris.
    const late = new Date(midnight - 30 * 60_000).toISOString();
    const early = new Date(midnight + 30 * 60_000).toISOString();
    const paris = await newChallenge({ quantity: 1000 }, { campaign: { startsAt } });
    const utc = await newChallenge(
      { quantity: 1000 },
      { organization: { timeZone: 'UTC' }, campaign: { startsAt } },
    );
    for (const { challengeId } of [paris, utc]) {
      const token = await pledged(challengeId);
      expect(
        (await contribute(challengeId, { details: { km: 150 }, occurredAt: late }, token)).status,
      ).toBe(201);
      const second = await contribute(
        challengeId,
        { details: { km: 100 }, occurredAt: early },
        token,
      );
      expect(second.status).toBe(challengeId === paris.challengeId ? 400 : 201);
    }
    const days = await platform.db.query<{ day: string }>(
      `select to_char(day, 'YYYY-MM-DD') as day from contribution where challenge_id = ? order by occurred_at`,
      [utc.challengeId],
    );
    expect(days.map((row) => row.day)).toEqual([late.slice(0, 10), early.slice(0, 10)]);
  });

  it('takes a time zone on a new organization, Europe/Paris by default, and refuses an unknown one', async () => {
    const made = await client.post(
      '/api/organizations',
      { slug: `tz-${unique()}`, name: 'Cayenne', kind: 'city', timeZone: 'America/Cayenne' },
      admin,
    );
    expect(made.status).toBe(201);
    expect(made.body.timeZone).toBe('America/Cayenne');
    expect((await client.get(`/api/organizations/${made.body.slug}`)).body.timeZone).toBe(
      'America/Cayenne',
    );
    const plain = await client.post(
      '/api/organizations',
      { slug: `tz-${unique()}`, name: 'Paris', kind: 'city' },
      admin,
    );
    expect(plain.body.timeZone).toBe('Europe/Paris');
    for (const timeZone of ['Mars/Olympus', '+02:00', '']) {
      const slug = `tz-${unique()}`;
      const refused = await client.post(
        '/api/organizations',
        { slug, name: 'Nowhere', kind: 'city', timeZone },
        admin,
      );
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/timeZone/);
      expect((await client.get(`/api/organizations/${slug}`)).status).toBe(404);
    }
  });
});

describe("a contribution's day falls in the campaign's window", () => {
  it('refuses occurredAt in 1970 and details.date in 1900 (400 naming each), and tomorrow', async () => {
    const { challengeId } = await newChallenge(
      { quantity: 1000 },
      { campaign: { startsAt: new Date(Date.now() - 10 * DAY_MS).toISOString() } },
    );
    const token = await pledged(challengeId);
    const old = await contribute(
      challengeId,
      { details: { km: 5 }, occurredAt: '1970-01-01T00:00:00Z' },
      token,
    );
    expect(old.status).toBe(400);
    expect(old.body.details[0].path).toBe('occurredAt');
    const ancient = await contribute(
      challengeId,
      { details: { km: 5, date: '1900-01-01' } },
      token,
    );
    expect(ancient.status).toBe(400);
    expect(ancient.body.details[0].path).toBe('details/date');
    const tomorrow = new Date(Date.now() + 2 * DAY_MS).toISOString().slice(0, 10);
    const ahead = await contribute(challengeId, { details: { km: 5, date: tomorrow } }, token);
    expect(ahead.status).toBe(400);
    expect(ahead.body.details[0].path).toBe('details/date');
    expect((await progress(challengeId)).quantity).toBe(0);

    // A day of the campaign is fine, by its own date or by occurredAt.
    const lastWeek = new Date(Date.now() - 7 * DAY_MS);
    const dated = await contribute(
      challengeId,
      { details: { km: 5, date: lastWeek.toISOString().slice(0, 10) } },
      token,
    );
    expect(dated.status).toBe(201);
    const timed = await contribute(
      challengeId,
      { details: { km: 5 }, occurredAt: lastWeek.toISOString() },
      token,
    );
    expect(timed.status).toBe(201);
    expect((await progress(challengeId)).quantity).toBe(10);
  });

  it("opens the window at the challenge's opening when the campaign has no start", async () => {
    const { challengeId } = await newChallenge({ quantity: 1000 });
    const token = await pledged(challengeId);
    const lastWeek = new Date(Date.now() - 7 * DAY_MS).toISOString();
    const refused = await contribute(
      challengeId,
      { details: { km: 5 }, occurredAt: lastWeek },
      token,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].path).toBe('occurredAt');
  });
});

describe('the audience comes before anything else', () => {
  it('answers 403 to an outsider of an e-mail-domain campaign, not 201 nor the 409 of a pledge', async () => {
    const domain = `corp-${unique()}.example`;
    const { slug, challengeId } = await newChallenge(
      { quantity: 1000 },
      { campaign: { audience: { type: 'email-domain', domains: [domain] } } },
    );
    const outsider = await client.signIn(someone());
    for (const details of [{ km: 12 }, { km: -1 }, { nonsense: true }]) {
      const refused = await contribute(challengeId, { details }, outsider);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    }
    // An agent cannot bring an outsider in either; an employee can be.
    const agent = await member(slug, 'agent');
    const forOutsider = await contribute(
      challengeId,
      { details: { km: 12 }, participant: { email: someone() } },
      agent,
    );
    expect(forOutsider.status).toBe(403);
    const forEmployee = await contribute(
      challengeId,
      { details: { km: 12 }, participant: { email: `ann-${unique()}@${domain}` } },
      agent,
    );
    expect(forEmployee.status).toBe(201);
    expect(await progress(challengeId)).toMatchObject({ participants: 1, quantity: 12 });

    const insider = await pledged(challengeId, `bob-${unique()}@${domain}`);
    expect((await contribute(challengeId, { details: { km: 3 } }, insider)).status).toBe(201);
    expect(await progress(challengeId)).toMatchObject({ participants: 2, quantity: 15 });
  });

  it('answers 403 to an outsider of a members-only campaign, and to an agent naming one', async () => {
    const { slug, challengeId } = await newChallenge(
      { quantity: 1000 },
      { campaign: { audience: { type: 'members' } } },
    );
    const outsider = await client.signIn(someone());
    const refused = await contribute(challengeId, { details: { km: 1 } }, outsider);
    expect(refused.status).toBe(403);
    const agent = await member(slug, 'agent');
    const forOutsider = await contribute(
      challengeId,
      { details: { km: 1 }, participant: { email: someone() } },
      agent,
    );
    expect(forOutsider.status).toBe(403);
    const forCode = await contribute(
      challengeId,
      { details: { km: 1 }, participant: { code: `R-${unique()}`.slice(0, 20) } },
      agent,
    );
    expect(forCode.status).toBe(403);
    const [stored] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from contribution where challenge_id = ?',
      [challengeId],
    );
    expect(stored?.n).toBe(0);
  });
});

describe("an agent's record for someone", () => {
  it("confirms the person's pledge, so they count and may report themselves", async () => {
    const { slug, challengeId } = await newChallenge();
    const agent = await member(slug, 'agent');
    const resident = someone();
    expect(
      (
        await contribute(
          challengeId,
          { details: { km: 7 }, participant: { email: resident } },
          agent,
        )
      ).status,
    ).toBe(201);
    const rows = await platform.db.query<{ status: string }>(
      `select p.status from pledge p join participant t on t.id = p.participant_id
        where p.challenge_id = ? and t.canonical_email = ?`,
      [challengeId, resident],
    );
    expect(rows.map((row) => row.status)).toEqual(['confirmed']);
    expect(await progress(challengeId)).toMatchObject({ participants: 1, quantity: 7 });
  });

  it('keeps what the person chose in a pledge they left unconfirmed', async () => {
    const { slug, challengeId } = await newChallenge();
    const agent = await member(slug, 'agent');
    const resident = someone();
    const pending = await client.post(`/api/challenges/${challengeId}/pledges`, {
      email: resident,
      displayName: 'Claire',
    });
    expect(pending.status).toBe(202);
    const recorded = await contribute(
      challengeId,
      { details: { km: 3 }, participant: { email: resident } },
      agent,
    );
    expect(recorded.status).toBe(201);
    const rows = await platform.db.query<{ status: string; display_name: string | null }>(
      `select p.status, p.display_name from pledge p join participant t on t.id = p.participant_id
        where p.challenge_id = ? and t.canonical_email = ?`,
      [challengeId, resident],
    );
    expect(rows).toEqual([{ status: 'confirmed', display_name: 'Claire' }]);
    expect(await progress(challengeId)).toMatchObject({ participants: 1, quantity: 3 });
  });
});
