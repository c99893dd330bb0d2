import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  expectStatus,
  newCampaign,
  newOrganization,
  openChallenge as openSharedChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { commute, MODE_GROUPS } from './index.js';

/**
 * The commute action type on the real engine (a fresh PostgreSQL): pledges
 * and contributions through the HTTP API, progress, unlocks and the
 * campaign report of a Humanis-like campaign.
 */

const CAR = 0.2176;

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [commute] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

async function organization(kind = 'company'): Promise<string> {
  const org = await newOrganization(client, admin.token, {
    kind,
    name: 'Commuters Inc',
    slugPrefix: 'commute',
  });
  return org.slug;
}

function campaign(slug: string, audience?: Record<string, unknown>): Promise<string> {
  return newCampaign(client, admin.token, slug, {
    title: 'Au travail autrement',
    // Reports from the start of the year on fall in the campaign's days.
    startsAt: '2026-01-01T00:00:00Z',
    ...(audience ? { audience } : {}),
  });
}

async function openChallenge(
  campaignId: string,
  options: {
    title?: string;
    settings?: Record<string, unknown>;
    goal?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const opened = await openSharedChallenge(
    client,
    admin.token,
    {
      title: options.title ?? 'Commute',
      actionType: 'commute',
      ...(options.settings ? { actionSettings: options.settings } : {}),
      goal: options.goal ?? { quantity: 1_000_000 },
      counterpart: { kind: 'act', description: 'Install a bike shelter' },
    },
    { campaignId },
  );
  return opened.challengeId;
}

/** A public campaign with one open commute challenge. */
async function challenge(options: Parameters<typeof openChallenge>[1] = {}): Promise<string> {
  return openChallenge(await campaign(await organization()), options);
}

const report = (challengeId: string, token: string, details: unknown) =>
  client.post(`/api/challenges/${challengeId}/contributions`, { details }, { token });

const pledge = (challengeId: string, token: string, details?: unknown) =>
  client.post(`/api/challenges/${challengeId}/pledges`, details === undefined ? {} : { details }, {
    token,
  });

describe('commute on the engine', () => {
  it('credits 12 km by bike that replaced the car with 12 × the car factor', async () => {
    const id = await challenge();
    const ann = await client.signIn(`ann-${unique()}@example.org`);
    expectStatus(await pledge(id, ann, { modes: ['bike'], previousMode: 'car' }), 201);

    const answer = expectStatus(
      await report(id, ann, { date: '2026-01-12', trips: [{ mode: 'bike', km: 12 }] }),
      201,
    ) as { quantity: number; unit: string; impact: { co2eKg: number; source: string } };
    expect(answer.quantity).toBe(12);
    expect(answer.unit).toBe('km');
    expect(answer.impact.co2eKg).toBeCloseTo(12 * CAR, 6);
    expect(answer.impact.source).toContain('ADEME');
  });

  it('credits a carpool of 3 with the car factor less its third', async () => {
    const id = await challenge({ settings: { modes: [...MODE_GROUPS.carpool] } });
    const bob = await client.signIn(`bob-${unique()}@example.org`);
    expectStatus(await pledge(id, bob, { modes: ['carpool'], previousMode: 'car' }), 201);

    const answer = expectStatus(
      await report(id, bob, { trips: [{ mode: 'carpool', km: 30, occupants: 3 }] }),
      201,
    ) as { quantity: number; impact: { co2eKg: number } };
    expect(answer.quantity).toBe(30);
    expect(answer.impact.co2eKg).toBeCloseTo(30 * (CAR - CAR / 3), 6);
  });

  it('counts the km but claims no CO2e without a previous mode, or without a pledge', async () => {
    const id = await challenge();
    const cy = await client.signIn(`cy-${unique()}@example.org`);
    const dee = await client.signIn(`dee-${unique()}@example.org`);
    expectStatus(await pledge(id, cy), 201); // no details at all
    expectStatus(await pledge(id, dee, { modes: ['bike'], previousMode: 'bus' }), 201);
    // Eve never pledged: an agent records her trip, which joins her without pledge details.
    const forEve = (details: unknown) =>
      client.post(
        `/api/challenges/${id}/contributions`,
        { details, participant: { email: `eve-${unique()}@example.org` } },
        admin,
      );

    for (const send of [
      (details: unknown) => report(id, cy, details),
      (details: unknown) => report(id, dee, details),
      forEve,
    ]) {
      const answer = expectStatus(await send({ trips: [{ mode: 'bike', km: 10 }] }), 201) as {
        quantity: number;
        impact: { co2eKg: number };
      };
      expect(answer).toMatchObject({ quantity: 10, impact: { co2eKg: 0 } });
    }
    await platform.settle();
    const read = expectStatus(await client.get(`/api/challenges/${id}`), 200) as {
      progress: { participants: number; quantity: number; co2eKg: number };
    };
    expect(read.progress).toMatchObject({ participants: 3, quantity: 30, co2eKg: 0 });
  });

  it('refuses 250 km by bike in a day with a sentence naming the trip', async () => {
    const id = await challenge();
    const fay = await client.signIn(`fay-${unique()}@example.org`);
    expectStatus(await pledge(id, fay), 201);
    const refused = expectStatus(
      await report(id, fay, { trips: [{ mode: 'bike', km: 250 }] }),
      400,
    ) as {
      error: string;
      message: string;
      details: { path: string }[];
    };
    expect(refused.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.details[0]?.path).toBe('details/trips/0/km');
    expect(refused.message).toContain('200 km');
  });

  it('refuses a mode the challenge does not count, in a pledge and in a trip', async () => {
    const id = await challenge({ settings: { modes: [...MODE_GROUPS.bike] } });
    const gil = await client.signIn(`gil-${unique()}@example.org`);
    const pledged = expectStatus(await pledge(id, gil, { modes: ['e-bike', 'bus'] }), 400) as {
      details: { path: string }[];
    };
    expect(pledged.details[0]?.path).toBe('details/modes/1');
    expectStatus(await pledge(id, gil, { modes: ['e-bike'] }), 201);

    const reported = expectStatus(
      await report(id, gil, {
        trips: [
          { mode: 'e-bike', km: 8 },
          { mode: 'bus', km: 5 },
        ],
      }),
      400,
    ) as { error: string; message: string; details: { path: string }[] };
    expect(reported.error).toBe('TANDEM_REQUEST_INVALID');
    expect(reported.details[0]?.path).toBe('details/trips/1/mode');
    expect(reported.message).toMatch(
      /^details\/trips\/1\/mode: "bus" is not a mode this challenge counts/,
    );
  });

  it('refuses a carpool without occupants, and settings with car as a mode', async () => {
    const id = await challenge();
    const hal = await client.signIn(`hal-${unique()}@example.org`);
    expectStatus(await pledge(id, hal), 201);
    const refused = expectStatus(
      await report(id, hal, { trips: [{ mode: 'carpool', km: 18 }] }),
      400,
    ) as {
      details: { path: string }[];
    };
    expect(refused.details[0]?.path).toBe('details/trips/0/occupants');

    const campaignId = await campaign(await organization());
    const bad = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      {
        title: 'Cars',
        actionType: 'commute',
        actionSettings: { modes: ['car'] },
        goal: { quantity: 10 },
      },
      admin,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]?.path).toBe('actionSettings/modes/0');
  });

  it('unlocks a km goal once the km reported reach it', async () => {
    const id = await challenge({ goal: { quantity: 50 } });
    const ivy = await client.signIn(`ivy-${unique()}@example.org`);
    const jon = await client.signIn(`jon-${unique()}@example.org`);
    expectStatus(await pledge(id, ivy), 201);
    expectStatus(await pledge(id, jon), 201);
    expectStatus(
      await report(id, ivy, {
        trips: [
          { mode: 'rer', km: 22 },
          { mode: 'walking', km: 2 },
        ],
      }),
      201,
    );
    await platform.settle();
    const before = expectStatus(await client.get(`/api/challenges/${id}`), 200) as {
      status: string;
      tiers: { unlockedAt: string | null }[];
    };
    expect(before.status).toBe('open');
    expect(before.tiers[0]?.unlockedAt).toBeNull();

    expectStatus(await report(id, jon, { trips: [{ mode: 'e-bike', km: 26 }] }), 201);
    await platform.settle();
    const after = expectStatus(await client.get(`/api/challenges/${id}`), 200) as {
      status: string;
      progress: { quantity: number };
      tiers: { unlockedAt: string | null }[];
    };
    expect(after.progress.quantity).toBe(50);
    expect(after.status).toBe('succeeded');
    expect(after.tiers[0]?.unlockedAt).not.toBeNull();
  });

  it('refuses 76 × 200 km by bike for one day from someone who never pledged', async () => {
    const id = await challenge({ goal: { quantity: 15_000 } });
    const mallory = await client.signIn(`mallory-${unique()}@example.org`);
    const trip = { date: '2026-03-02', trips: [{ mode: 'bike', km: 200 }] };
    const answers = await Promise.all(Array.from({ length: 76 }, () => report(id, mallory, trip)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([409]));
    expect(new Set(answers.map((a) => (a.body as { error: string }).error))).toEqual(
      new Set(['TANDEM_PLEDGE_REQUIRED']),
    );
    await platform.settle();
    const read = expectStatus(await client.get(`/api/challenges/${id}`), 200) as {
      progress: { participants: number; quantity: number };
    };
    expect(read.progress).toMatchObject({ participants: 0, quantity: 0 });
  });

  it('holds a pledged person to 200 km by bike for one day, however many reports race: the tier stays locked', async () => {
    const id = await challenge({ goal: { quantity: 15_000 } });
    const mallory = await client.signIn(`mallory-${unique()}@example.org`);
    expectStatus(await pledge(id, mallory, { modes: ['bike'], previousMode: 'car' }), 201);
    const trip = { date: '2026-03-02', trips: [{ mode: 'bike', km: 200 }] };
    const answers = await Promise.all(Array.from({ length: 76 }, () => report(id, mallory, trip)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(75);
    const refused = answers.find((a) => a.status === 400)?.body as {
      details: { path: string }[];
    };
    expect(refused.details[0]?.path).toBe('details/trips/0/km');
    // Split in small reports, the day still holds 200 km by bike.
    const small = { date: '2026-03-02', trips: [{ mode: 'bike', km: 1 }] };
    expect((await report(id, mallory, small)).status).toBe(400);
    // Without a date, the day is that of occurredAt in the organization's zone
    // (Europe/Paris): 22:30 UTC is still March 2nd there, 23:30 UTC is not.
    const at = (occurredAt: string) =>
      client.post(
        `/api/challenges/${id}/contributions`,
        { details: { trips: [{ mode: 'bike', km: 1 }] }, occurredAt },
        { token: mallory },
      );
    expect((await at('2026-03-02T22:30:00Z')).status).toBe(400);
    expect((await at('2026-03-02T23:30:00Z')).status).toBe(201);
    await platform.settle();
    const read = expectStatus(await client.get(`/api/challenges/${id}`), 200) as {
      status: string;
      progress: { participants: number; quantity: number };
      tiers: { unlockedAt: string | null }[];
    };
    expect(read.progress.participants).toBe(1);
    expect(read.status).toBe('open');
    expect(read.tiers[0]?.unlockedAt).toBeNull();
  });

  it('holds 20 × 1,500 km by train on one date to 1,500 km', async () => {
    const id = await challenge({ goal: { quantity: 15_000 } });
    const tom = await client.signIn(`tom-${unique()}@example.org`);
    expectStatus(await pledge(id, tom), 201);
    const day = { date: '2026-04-10', trips: [{ mode: 'train-tgv', km: 1500 }] };
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await report(id, tom, day)).status);
    expect(statuses).toEqual([201, ...Array(19).fill(400)]);
    await platform.settle();
    const read = expectStatus(await client.get(`/api/challenges/${id}`), 200) as {
      progress: { quantity: number };
    };
    expect(read.progress.quantity).toBe(1500);
    // Another date has its own 1,500 km.
    expect((await report(id, tom, { ...day, date: '2026-04-11' })).status).toBe(201);
  });

  it("refuses a date before the campaign's start or after today, naming details/date", async () => {
    const id = await challenge();
    const una = await client.signIn(`una-${unique()}@example.org`);
    expectStatus(await pledge(id, una), 201);
    for (const date of ['1900-01-01', '2025-12-31', '2999-01-01']) {
      const refused = expectStatus(
        await report(id, una, { date, trips: [{ mode: 'bike', km: 3 }] }),
        400,
      ) as { details: { path: string }[] };
      expect(refused.details[0]?.path).toBe('details/date');
    }
    const old = expectStatus(
      await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { trips: [{ mode: 'bike', km: 3 }] }, occurredAt: '1970-01-01T00:00:00Z' },
        { token: una },
      ),
      400,
    ) as { details: { path: string }[] };
    expect(old.details[0]?.path).toBe('occurredAt');
  });

  it('runs a Humanis-like campaign: five challenges, one per mode group, one report', async () => {
    const slug = await organization();
    const domain = `humanis-${unique()}.example`;
    const campaignId = await campaign(slug, { type: 'email-domain', domains: [domain] });
    const ids = new Map<string, string>();
    for (const [group, modes] of Object.entries(MODE_GROUPS)) {
      ids.set(
        group,
        await openChallenge(campaignId, { title: group, settings: { modes: [...modes] } }),
      );
    }
    const challengeOf = (group: string): string => {
      const id = ids.get(group);
      if (!id) throw new Error(`no challenge for ${group}`);
      return id;
    };

    // Six employees; three of them take part in two or three challenges.
    const plan: { who: string; group: string; previousMode?: string; trips: unknown[] }[] = [
      {
        who: 'alice',
        group: 'public-transport',
        previousMode: 'car',
        trips: [
          { mode: 'rer', km: 24 },
          { mode: 'metro', km: 3 },
        ],
      },
      { who: 'alice', group: 'walk', previousMode: 'car', trips: [{ mode: 'walking', km: 2 }] },
      {
        who: 'bruno',
        group: 'carpool',
        previousMode: 'car',
        trips: [{ mode: 'carpool', km: 40, occupants: 2 }],
      },
      { who: 'chloe', group: 'bike', trips: [{ mode: 'e-bike', km: 14 }] },
      {
        who: 'chloe',
        group: 'public-transport',
        previousMode: 'bus',
        trips: [{ mode: 'tram', km: 6 }],
      },
      {
        who: 'chloe',
        group: 'scooter',
        previousMode: 'car',
        trips: [{ mode: 'e-scooter', km: 5 }],
      },
      { who: 'david', group: 'bike', previousMode: 'car', trips: [{ mode: 'bike', km: 9 }] },
      { who: 'david', group: 'walk', trips: [{ mode: 'walking', km: 3 }] },
      {
        who: 'emma',
        group: 'public-transport',
        previousMode: 'car',
        trips: [{ mode: 'train-ter', km: 35 }],
      },
      { who: 'farid', group: 'scooter', trips: [{ mode: 'e-scooter', km: 7 }] },
    ];
    const tokens = new Map<string, string>();
    let km = 0;
    let co2eKg = 0;
    for (const step of plan) {
      let token = tokens.get(step.who);
      if (!token) {
        token = await client.signIn(`${step.who}@${domain}`);
        tokens.set(step.who, token);
      }
      const id = challengeOf(step.group);
      expectStatus(
        await pledge(
          id,
          token,
          step.previousMode ? { previousMode: step.previousMode } : undefined,
        ),
        201,
      );
      const answer = expectStatus(await report(id, token, { trips: step.trips }), 201) as {
        quantity: number;
        impact: { co2eKg: number };
      };
      km += answer.quantity;
      co2eKg += answer.impact.co2eKg;
    }
    await platform.settle();

    // Someone outside the company is kept out of the campaign.
    const outsider = await client.signIn(`zoe-${unique()}@example.org`);
    expect((await pledge(challengeOf('walk'), outsider)).status).toBe(403);
    // Contributing is no way around it: 403 before anything else (not 201, not 409).
    const contributed = await report(challengeOf('walk'), outsider, {
      trips: [{ mode: 'walking', km: 4 }],
    });
    expect(contributed.status).toBe(403);
    expect((contributed.body as { error: string }).error).toBe('TANDEM_AUTH_FORBIDDEN');

    const answer = expectStatus(
      await client.get(`/api/campaigns/${campaignId}/report`, admin),
      200,
    ) as {
      challenges: { title: string; unit: string; participants: number; quantity: number }[];
      totals: { participants: number; quantityByUnit: Record<string, number>; co2eKg: number };
    };
    expect(km).toBe(148);
    expect(answer.totals.participants).toBe(6);
    expect(answer.totals.quantityByUnit).toEqual({ km: 148 });
    expect(answer.totals.co2eKg).toBeCloseTo(co2eKg, 5);
    const expectedCo2e =
      24 * (CAR - 0.00978) +
      3 * (CAR - 0.00444) +
      2 * CAR +
      40 * (CAR - CAR / 2) +
      5 * (CAR - 0.0249) +
      9 * CAR +
      35 * (CAR - 0.02769);
    expect(answer.totals.co2eKg).toBeCloseTo(expectedCo2e, 4);
    const byTitle = Object.fromEntries(answer.challenges.map((c) => [c.title, c]));
    expect(byTitle['public-transport']).toMatchObject({
      unit: 'km',
      participants: 3,
      quantity: 68,
    });
    expect(byTitle['carpool']).toMatchObject({ participants: 1, quantity: 40 });
    expect(byTitle['bike']).toMatchObject({ participants: 2, quantity: 23 });
    expect(byTitle['walk']).toMatchObject({ participants: 2, quantity: 5 });
    expect(byTitle['scooter']).toMatchObject({ participants: 2, quantity: 12 });
  });
});
