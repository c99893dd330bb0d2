import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import {
  acceptSponsorships,
  createTestClient,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * The campaign dashboard's data (ADR 0038): the teams' ranking and a
 * challenge's daily series, read from the rows the counters count.
 */

const km = defineActionType({
  id: 'dash-km',
  version: '1.0.0',
  title: { fr: 'Vélo', en: 'Bike' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.2, source: 'test factor' }),
  factors: [],
});

const kg = defineActionType({
  id: 'dash-kg',
  version: '1.0.0',
  title: { fr: 'Compost', en: 'Compost' },
  unit: 'kg',
  contributionSchema: Type.Object(
    { kg: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.kg,
  impact: ({ details }) => ({ co2eKg: details.kg * 0.5, source: 'test factor' }),
  factors: [],
});

/** The test's clock: moved by the tests, so days are known in advance. */
let clock = new Date('2026-12-10T09:00:00Z');
const statements: string[] = [];
let counting = false;

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({
    plugins: [km, kg],
    now: () => clock,
    onStatement: (statement) => {
      if (counting) statements.push(statement);
    },
  });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(() => platform?.stop());

async function organization(timeZone = 'Europe/Paris'): Promise<string> {
  const slug = unique('dash');
  const created = await client.post(
    '/api/organizations',
    { slug, name: `Org ${slug}`, kind: 'company', timeZone },
    admin,
  );
  expect(created.status).toBe(201);
  return slug;
}

async function campaign(
  slug: string,
  options: { audience?: string; teams?: string[]; startsAt?: string } = {},
): Promise<string> {
  const created = await client.post(
    `/api/organizations/${slug}/campaigns`,
    {
      title: 'Mobility',
      audience: { type: options.audience ?? 'public' },
      startsAt: options.startsAt ?? '2026-12-05T00:00:00Z',
      teams: (options.teams ?? []).map((name) => ({ slug: name, name: name.toUpperCase() })),
    },
    admin,
  );
  expect(created.status).toBe(201);
  return created.body.id;
}

async function challenge(
  campaignId: string,
  actionType = 'dash-km',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const created = await client.post(
    `/api/campaigns/${campaignId}/challenges`,
    { title: `C ${unique()}`, actionType, goal: { participants: 100 }, ...extra },
    admin,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await acceptSponsorships(client, admin.token, created.body.id);
  const opened = await client.post(`/api/challenges/${created.body.id}/open`, undefined, admin);
  expect(opened.status).toBe(200);
  return created.body.id;
}

/** A pledge in `team`, then what the person did, recorded by the organization. */
async function join(
  challengeId: string,
  email: string,
  team: string | null,
  amounts: { details: Record<string, number>; occurredAt?: string }[] = [],
): Promise<void> {
  await client.pledgeAndConfirm(challengeId, email, team ? { team } : {});
  for (const amount of amounts) {
    const recorded = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { ...amount, participant: { email } },
      admin,
    );
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
  }
}

/**
 * Dates a person's pledge confirmation: the database stamps it with its own
 * clock, which the test's clock does not move.
 */
async function confirmedAt(challengeId: string, email: string, at: Date): Promise<void> {
  const rows = await platform.db.query<{ id: string }>(
    `update pledge set confirmed_at = ?
      where challenge_id = ?
        and participant_id = (select id from participant where canonical_email = lower(?))
     returning id`,
    [at, challengeId, email],
  );
  expect(rows).toHaveLength(1);
}

const names = (teams: { team: { slug: string }; rank: number }[]) =>
  teams.map((t) => `${t.rank}:${t.team.slug}`);

describe('GET /api/campaigns/{id}/ranking', () => {
  it('ranks teams by quantity then people, ties sharing a rank, people counted once', async () => {
    const slug = await organization();
    const campaignId = await campaign(slug, { teams: ['lyon', 'grenoble', 'nantes', 'paris'] });
    const bike = await challenge(campaignId);
    const walk = await challenge(campaignId);
    const mail = (name: string) => `${name}-${unique()}@example.org`;
    const ann = mail('ann');
    await join(bike, ann, 'lyon', [{ details: { km: 20 } }]);
    await join(bike, mail('bob'), 'lyon', [{ details: { km: 10 } }]);
    await join(bike, mail('cat'), 'grenoble', [{ details: { km: 30 } }]);
    await join(bike, mail('dan'), 'grenoble');
    await join(bike, mail('eve'), 'nantes', [{ details: { km: 5 } }]);
    await join(bike, mail('fay'), null, [{ details: { km: 100 } }]);
    // Ann joins the second challenge too, for Lyon: still one person for Lyon.
    await join(walk, ann, 'lyon', [{ details: { km: 1 } }]);
    await platform.settle();

    const ranking = await client.get(`/api/campaigns/${campaignId}/ranking`);
    expect(ranking.status).toBe(200);
    expect(ranking.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    expect(ranking.body).toMatchObject({
      campaignId,
      challenge: null,
      unit: 'km',
      rankedBy: 'quantity',
    });
    expect(ranking.body.teams).toEqual([
      { team: { slug: 'lyon', name: 'LYON' }, participants: 2, quantity: 31, co2eKg: 6.2, rank: 1 },
      {
        team: { slug: 'grenoble', name: 'GRENOBLE' },
        participants: 2,
        quantity: 30,
        co2eKg: 6,
        rank: 2,
      },
      {
        team: { slug: 'nantes', name: 'NANTES' },
        participants: 1,
        quantity: 5,
        co2eKg: 1,
        rank: 3,
      },
      { team: { slug: 'paris', name: 'PARIS' }, participants: 0, quantity: 0, co2eKg: 0, rank: 4 },
    ]);
    expect(names(ranking.body.teams)).toEqual(['1:lyon', '2:grenoble', '3:nantes', '4:paris']);

    // One challenge: Lyon alone counted there; the others level at 0 share rank 2.
    const one = await client.get(`/api/campaigns/${campaignId}/ranking?challenge=${walk}`);
    expect(one.status).toBe(200);
    expect(one.body.challenge).toBe(walk);
    expect(names(one.body.teams)).toEqual(['1:lyon', '2:grenoble', '2:nantes', '2:paris']);
    expect(one.body.teams[0]).toMatchObject({ participants: 1, quantity: 1 });

    // Grenoble catches up with Lyon on quantity, then Lyon on people: a tie.
    const gus = mail('gus');
    await join(walk, gus, 'grenoble', [{ details: { km: 1 } }]);
    const tied = await client.get(`/api/campaigns/${campaignId}/ranking`);
    // Grenoble: 31 km and 3 people; Lyon: 31 km and 2 people.
    expect(names(tied.body.teams)).toEqual(['1:grenoble', '2:lyon', '3:nantes', '4:paris']);
    await join(walk, mail('hal'), 'lyon');
    const level = await client.get(`/api/campaigns/${campaignId}/ranking`);
    expect(names(level.body.teams)).toEqual(['1:grenoble', '1:lyon', '3:nantes', '4:paris']);

    // A challenge in another unit: quantities no longer add up, CO2e ranks.
    await challenge(campaignId, 'dash-kg');
    const mixed = await client.get(`/api/campaigns/${campaignId}/ranking`);
    expect(mixed.body).toMatchObject({ unit: null, rankedBy: 'co2eKg' });
    expect(mixed.body.teams.map((t: { quantity: unknown }) => t.quantity)).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it('refuses a challenge of another campaign, naming the field', async () => {
    const slug = await organization();
    const campaignId = await campaign(slug, { teams: ['aa'] });
    const elsewhere = await challenge(await campaign(slug));
    const refused = await client.get(`/api/campaigns/${campaignId}/ranking?challenge=${elsewhere}`);
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].path).toBe('querystring/challenge');
    const unknownField = await client.get(`/api/campaigns/${campaignId}/ranking?sort=name`);
    expect(unknownField.status).toBe(400);
    expect((await client.get(`/api/campaigns/nope-${unique()}/ranking`)).status).toBe(404);
  });

  it('follows a members-only campaign: 401 anonymous, 403 outsider, 200 member, not cached publicly', async () => {
    const slug = await organization();
    const campaignId = await campaign(slug, { audience: 'members', teams: ['aa', 'bb'] });
    await challenge(campaignId);
    const memberEmail = `m-${unique()}@example.org`;
    expect(
      (
        await client.post(
          `/api/organizations/${slug}/members`,
          { email: memberEmail, role: 'member' },
          admin,
        )
      ).status,
    ).toBe(201);
    const member = await client.signIn(memberEmail);
    const outsider = await client.signIn(`o-${unique()}@example.org`);
    const url = `/api/campaigns/${campaignId}/ranking`;
    const anonymous = await client.get(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
    const stranger = await client.get(url, { token: outsider });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const allowed = await client.get(url, { token: member });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['cache-control']).toBe('private, no-cache');
    expect(allowed.body.teams).toHaveLength(2);
  });

  it('reads in the same few statements whatever the number of teams and challenges', async () => {
    const slug = await organization();
    const small = await campaign(slug, { teams: ['aa'] });
    await challenge(small);
    const large = await campaign(slug, {
      teams: Array.from({ length: 30 }, (_, i) => `t${i}`),
    });
    for (let i = 0; i < 3; i++) {
      const id = await challenge(large);
      await join(id, `p${i}-${unique()}@example.org`, `t${i}`, [{ details: { km: i + 1 } }]);
    }
    await platform.settle();
    const count = async (campaignId: string) => {
      statements.length = 0;
      counting = true;
      try {
        expect((await client.get(`/api/campaigns/${campaignId}/ranking`)).status).toBe(200);
      } finally {
        counting = false;
      }
      // The relay and the scheduled work run beside the request.
      return statements.filter(
        (s) => !/^\[query\] (begin|commit|rollback)\b|outbox_event|scheduled_run|job/.test(s),
      ).length;
    };
    const few = await count(small);
    const many = await count(large);
    expect(few).toBe(2);
    expect(many).toBe(few);
  });
});

describe('GET /api/challenges/{id}/series', () => {
  it('gives every day of the window, zeros included, with running totals and a team filter', async () => {
    clock = new Date('2026-12-10T09:00:00Z');
    const slug = await organization();
    const campaignId = await campaign(slug, {
      teams: ['red', 'blue'],
      startsAt: '2026-12-05T08:00:00Z',
    });
    const id = await challenge(campaignId);
    const ann = `ann-${unique()}@example.org`;
    const bob = `bob-${unique()}@example.org`;
    // Pledges confirmed on the 7th (the clock), contributions dated earlier and later.
    clock = new Date('2026-12-07T10:00:00Z');
    await join(id, ann, 'red', [
      { details: { km: 4 }, occurredAt: '2026-12-06T12:00:00Z' },
      { details: { km: 6 }, occurredAt: '2026-12-07T09:00:00Z' },
    ]);
    await join(id, bob, 'blue');
    await confirmedAt(id, ann, clock);
    await confirmedAt(id, bob, clock);
    clock = new Date('2026-12-09T10:00:00Z');
    const recorded = await client.post(
      `/api/challenges/${id}/contributions`,
      { details: { km: 10 }, participant: { email: bob } },
      admin,
    );
    expect(recorded.status).toBe(201);
    // An unnamed contribution counts for the challenge, for no team.
    await client.post(
      `/api/challenges/${id}/contributions`,
      { details: { km: 1 }, participant: null },
      admin,
    );
    clock = new Date('2026-12-10T09:00:00Z');

    const all = await client.get(`/api/challenges/${id}/series`, admin);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({
      challengeId: id,
      team: null,
      timeZone: 'Europe/Paris',
      from: '2026-12-05',
      to: '2026-12-10',
    });
    const rows = all.body.days.map(
      (d: { day: string; participants: number; participantsTotal: number; quantity: number }) => [
        d.day,
        d.participants,
        d.participantsTotal,
        d.quantity,
      ],
    );
    expect(rows).toEqual([
      ['2026-12-05', 0, 0, 0],
      // Ann's first contribution is dated before her pledge's confirmation.
      ['2026-12-06', 1, 1, 4],
      ['2026-12-07', 1, 2, 6],
      ['2026-12-08', 0, 2, 0],
      ['2026-12-09', 0, 2, 11],
      ['2026-12-10', 0, 2, 0],
    ]);
    expect(all.body.days.at(-1)).toMatchObject({ quantityTotal: 21, co2eKgTotal: 4.2 });
    // The last day's totals are the challenge's counters.
    const progress = (await client.get(`/api/challenges/${id}`)).body.progress;
    expect(progress).toMatchObject({ participants: 2, quantity: 21 });

    const red = await client.get(`/api/challenges/${id}/series?team=red`, admin);
    expect(red.body.team).toBe('red');
    expect(red.body.days.map((d: { quantityTotal: number }) => d.quantityTotal)).toEqual([
      0, 4, 10, 10, 10, 10,
    ]);
    const blue = await client.get(`/api/challenges/${id}/series?team=blue`, admin);
    expect(
      blue.body.days.map((d: { participants: number; quantity: number }) => [
        d.participants,
        d.quantity,
      ]),
    ).toEqual([
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
      [0, 10],
      [0, 0],
    ]);

    // A narrower range keeps the totals of what came before it.
    const narrow = await client.get(
      `/api/challenges/${id}/series?from=2026-12-08&to=2026-12-09`,
      admin,
    );
    expect(narrow.body.days).toEqual([
      {
        day: '2026-12-08',
        participants: 0,
        participantsTotal: 2,
        quantity: 0,
        quantityTotal: 10,
        co2eKg: 0,
        co2eKgTotal: 2,
      },
      {
        day: '2026-12-09',
        participants: 0,
        participantsTotal: 2,
        quantity: 11,
        quantityTotal: 21,
        co2eKg: 2.2,
        co2eKgTotal: 4.2,
      },
    ]);
  });

  it('no longer counts a withdrawn pledge on any day', async () => {
    clock = new Date('2026-12-10T09:00:00Z');
    const slug = await organization();
    const id = await challenge(await campaign(slug));
    const email = `w-${unique()}@example.org`;
    const token = await client.signIn(email);
    const pledged = await client.post(`/api/challenges/${id}/pledges`, {}, { token });
    expect(pledged.status).toBe(201);
    const before = await client.get(`/api/challenges/${id}/series`, admin);
    expect(before.body.days.at(-1).participantsTotal).toBe(1);
    const withdrawn = await client.delete(`/api/pledges/${pledged.body.id}`, { token });
    expect(withdrawn.status).toBe(200);
    const after = await client.get(`/api/challenges/${id}/series`, admin);
    expect(after.body.days.map((d: { participantsTotal: number }) => d.participantsTotal)).toEqual(
      after.body.days.map(() => 0),
    );
  });

  it('no longer counts an invalidated pledge nor its contributions, on any day', async () => {
    clock = new Date('2026-12-10T09:00:00Z');
    const slug = await organization();
    const id = await challenge(await campaign(slug));
    const kept = `kept-${unique()}@example.org`;
    const taken = `taken-${unique()}@example.org`;
    await join(id, kept, null, [{ details: { km: 3 } }]);
    await join(id, taken, null, [{ details: { km: 40 } }]);
    const totals = async () => {
      const series = await client.get(`/api/challenges/${id}/series`, admin);
      expect(series.status, JSON.stringify(series.body)).toBe(200);
      const last = series.body.days.at(-1);
      return [last.participantsTotal, last.quantityTotal];
    };
    expect(await totals()).toEqual([2, 43]);
    const [pledge] = await platform.db.query<{ id: string }>(
      `select id from pledge where challenge_id = ?
          and participant_id = (select id from participant where canonical_email = lower(?))`,
      [id, taken],
    );
    const invalidated = await client.post(
      `/api/challenges/${id}/invalidations`,
      { filter: { pledgeIds: [pledge?.id] }, reason: 'one person, forty kilometres a day' },
      admin,
    );
    expect(invalidated.status, JSON.stringify(invalidated.body)).toBe(201);
    expect(await totals()).toEqual([1, 3]);
  });

  it("puts the days in the organization's time zone", async () => {
    clock = new Date('2026-12-03T09:00:00Z');
    // Auckland is 13 hours ahead of UTC in December.
    const slug = await organization('Pacific/Auckland');
    const id = await challenge(
      await campaign(slug, { teams: ['kiwi'], startsAt: '2026-11-30T12:00:00Z' }),
    );
    const email = `k-${unique()}@example.org`;
    // 10:59 UTC is 23:59 in Auckland; 11:00 UTC is already the next day there.
    clock = new Date('2026-12-01T10:59:00Z');
    await join(id, email, 'kiwi');
    await confirmedAt(id, email, clock);
    clock = new Date('2026-12-01T11:30:00Z');
    for (const [n, occurredAt] of [
      [1, '2026-12-01T10:59:00Z'],
      [2, '2026-12-01T11:00:00Z'],
    ] as const) {
      const recorded = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { km: n }, occurredAt, participant: { email } },
        admin,
      );
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    }
    clock = new Date('2026-12-03T09:00:00Z');
    const series = await client.get(`/api/challenges/${id}/series`, admin);
    expect(series.body.timeZone).toBe('Pacific/Auckland');
    expect(
      series.body.days.map((d: { day: string; participants: number; quantity: number }) => [
        d.day,
        d.participants,
        d.quantity,
      ]),
    ).toEqual([
      ['2026-12-01', 1, 1],
      ['2026-12-02', 0, 2],
      ['2026-12-03', 0, 0],
    ]);
  });

  it('refuses bad days and unknown teams with 400 naming the field', async () => {
    clock = new Date('2026-12-10T09:00:00Z');
    const slug = await organization();
    const id = await challenge(await campaign(slug, { teams: ['red'] }));
    const cases: [string, string][] = [
      ['team=green', 'querystring/team'],
      ['from=2026-02-30', 'querystring/from'],
      ['to=2026-13-01', 'querystring/to'],
      ['from=yesterday', 'querystring/from'],
      ['from=2026-12-09&to=2026-12-01', 'querystring/from'],
      ['from=2020-01-01&to=2026-12-01', 'querystring/to'],
      // An unknown parameter has its own code (TANDEM_REQUEST_UNKNOWN_FIELD).
      ['colour=red', 'querystring/colour'],
    ];
    for (const [query, path] of cases) {
      const refused = await client.get(`/api/challenges/${id}/series?${query}`, admin);
      expect(refused.status, query).toBe(400);
      if (path === 'querystring/colour') continue;
      expect(refused.body.error, query).toBe('TANDEM_REQUEST_INVALID');
      expect(refused.body.details[0].path, query).toBe(path);
    }
    expect((await client.get(`/api/challenges/nope-${unique()}/series`, admin)).status).toBe(404);
  });

  it("is the organizer's agents' and the sponsor admins', no one else's", async () => {
    clock = new Date('2026-12-10T09:00:00Z');
    const slug = await organization();
    const sponsor = await organization();
    const campaignId = await campaign(slug);
    const id = await challenge(campaignId, 'dash-km', { sponsor });
    const person = async (organizationSlug: string, role: string) => {
      const email = `${role}-${unique()}@example.org`;
      const added = await client.post(
        `/api/organizations/${organizationSlug}/members`,
        { email, role },
        admin,
      );
      expect(added.status).toBe(201);
      return client.signIn(email);
    };
    const url = `/api/challenges/${id}/series`;
    const status = async (token?: string) => (await client.get(url, token ? { token } : {})).status;
    expect(await status()).toBe(401);
    expect(await status(await client.signIn(`c-${unique()}@example.org`))).toBe(403);
    expect(await status(await person(slug, 'member'))).toBe(403);
    expect(await status(await person(slug, 'agent'))).toBe(200);
    expect(await status(await person(slug, 'admin'))).toBe(200);
    expect(await status(await person(sponsor, 'admin'))).toBe(200);
    expect(await status(await person(sponsor, 'agent'))).toBe(403);
    expect(await status(await person(await organization(), 'admin'))).toBe(403);
  });
});
