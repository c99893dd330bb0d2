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
import { ecoDriving } from './index.js';

/**
 * The eco-driving action type on the real engine (a fresh PostgreSQL):
 * completions recorded by an agent through the generic contributions
 * route, progress, refusals naming the field, and the campaign report.
 * Completions sent by a partner (xAPI) are tested in plugins/elearning.
 */

const COURSE = 'https://lms.example/courses/eco-driving';
const YEAR_ESTIMATE = 345.6; // 12,000 km × 0.192 kg/km (fuel) × 15 %

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [ecoDriving] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

/** An organization with a campaign; returns its slug and the campaign id. */
async function campaign(): Promise<{ slug: string; campaignId: string }> {
  const { slug } = await newOrganization(client, admin.token, {
    kind: 'company',
    name: 'Eau d’Île-de-France',
    slugPrefix: 'veolia',
  });
  return {
    slug,
    campaignId: await newCampaign(client, admin.token, slug, { title: 'Écoconduite' }),
  };
}

async function openChallenge(campaignId: string, settings: Record<string, unknown>) {
  const opened = await openSharedChallenge(
    client,
    admin.token,
    {
      title: 'Formés à l’écoconduite',
      actionType: 'eco-driving',
      actionSettings: settings,
      goal: { quantity: 3 },
      counterpart: { kind: 'act', description: 'Plant a hedge at the treatment plant' },
    },
    { campaignId },
  );
  return opened.challenge as { id: string; actionSettings: Record<string, unknown> };
}

const record = (
  challengeId: string,
  details: unknown,
  email = `driver-${unique()}@example.org`,
  token = admin.token,
) =>
  client.post(
    `/api/challenges/${challengeId}/contributions`,
    { details, participant: { email } },
    { token },
  );

describe('eco-driving on the engine', () => {
  it('counts one course and its one-year estimate per completion, and unlocks at the goal', async () => {
    const { campaignId } = await campaign();
    const challenge = await openChallenge(campaignId, { courseId: COURSE });
    // The defaults are stored with the challenge: its assumptions stay put.
    expect(challenge.actionSettings).toMatchObject({
      courseId: COURSE,
      annualKmPerDriver: 12_000,
      carFactorKgPerKm: 0.192,
      savingShare: 0.15,
    });

    const answer = expectStatus(
      await record(challenge.id, {
        courseId: COURSE,
        completedAt: '2026-01-12T09:30:00Z',
        score: 92,
      }),
      201,
    ) as { quantity: number; unit: string; impact: { co2eKg: number; source: string } };
    expect(answer.quantity).toBe(1);
    expect(answer.unit).toBe('course');
    expect(answer.impact.co2eKg).toBeCloseTo(YEAR_ESTIMATE, 6);
    expect(answer.impact.source).toMatch(/one year/);

    for (let i = 0; i < 2; i++) expectStatus(await record(challenge.id, { courseId: COURSE }), 201);
    await platform.settle();
    const view = (await client.get(`/api/challenges/${challenge.id}`)).body;
    expect(view.progress.participants).toBe(3);
    expect(view.progress.quantity).toBe(3);
    expect(view.progress.co2eKg).toBeCloseTo(3 * YEAR_ESTIMATE, 6);
    expect(view.status).toBe('succeeded');
  });

  it('counts one course once per person, however often and by whomever it is reported', async () => {
    const { campaignId } = await campaign();
    const challenge = await openChallenge(campaignId, { courseId: COURSE });
    const email = `driver-${unique()}@example.org`;
    const token = await client.signIn(email);
    expectStatus(await client.post(`/api/challenges/${challenge.id}/pledges`, {}, { token }), 201);
    const self = () =>
      client.post(
        `/api/challenges/${challenge.id}/contributions`,
        { details: { courseId: COURSE } },
        { token },
      );
    // Ten at once: one counts.
    const racing = await Promise.all(Array.from({ length: 10 }, self));
    expect(racing.filter((a) => a.status === 201)).toHaveLength(1);
    const duplicates = racing.filter((a) => a.status !== 201);
    expect(new Set(duplicates.map((a) => a.status))).toEqual(new Set([409]));
    expect(new Set(duplicates.map((a) => a.body.error))).toEqual(
      new Set(['TANDEM_CONTRIBUTION_ALREADY_COUNTED']),
    );
    // Again and again, then by an agent naming the same person: still once.
    for (let i = 0; i < 3; i++) expect((await self()).status).toBe(409);
    const byAgent = await record(challenge.id, { courseId: COURSE }, email.toUpperCase());
    expect(byAgent.status).toBe(409);
    const view = (await client.get(`/api/challenges/${challenge.id}`)).body;
    expect(view.progress).toMatchObject({ participants: 1, quantity: 1 });
  });

  it('refuses a self-reported course from someone who never pledged (409)', async () => {
    const { campaignId } = await campaign();
    const challenge = await openChallenge(campaignId, { courseId: COURSE });
    const token = await client.signIn(`driver-${unique()}@example.org`);
    const refused = await client.post(
      `/api/challenges/${challenge.id}/contributions`,
      { details: { courseId: COURSE } },
      { token },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_PLEDGE_REQUIRED');
  });

  it("uses the challenge's assumptions: 20,000 km a year and a cautious 7 %", async () => {
    const { campaignId } = await campaign();
    const challenge = await openChallenge(campaignId, {
      courseId: COURSE,
      annualKmPerDriver: 20_000,
      savingShare: 0.07,
    });
    const answer = expectStatus(await record(challenge.id, { courseId: COURSE }), 201) as {
      impact: { co2eKg: number };
    };
    expect(answer.impact.co2eKg).toBeCloseTo(20_000 * 0.192 * 0.07, 6);
  });

  it('refuses another course, a score out of range and unknown fields, naming the field', async () => {
    const { campaignId } = await campaign();
    const challenge = await openChallenge(campaignId, { courseId: COURSE });

    const other = await record(challenge.id, { courseId: 'https://lms.example/courses/other' });
    expect(other.status).toBe(400);
    expect(other.body.details[0].path).toBe('details/courseId');

    const score = await record(challenge.id, { courseId: COURSE, score: 150 });
    expect(score.status).toBe(400);
    expect(score.body.details[0].path).toBe('details/score');

    const unknown = await record(challenge.id, { courseId: COURSE, km: 12 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(unknown.body.details[0].path).toBe('details/km');

    expect((await client.get(`/api/challenges/${challenge.id}`)).body.progress.quantity).toBe(0);
  });

  it('refuses a challenge without a course, or with a percentage typed for a share', async () => {
    const { campaignId } = await campaign();
    const post = (actionSettings: Record<string, unknown>) =>
      client.post(
        `/api/campaigns/${campaignId}/challenges`,
        {
          title: 'Écoconduite',
          actionType: 'eco-driving',
          actionSettings,
          goal: { quantity: 10 },
          counterpart: { kind: 'act', description: 'x' },
        },
        admin,
      );
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(missing.body.details[0].path).toBe('actionSettings/courseId');
    const percent = await post({ courseId: COURSE, savingShare: 15 });
    expect(percent.status).toBe(400);
    expect(percent.body.details[0].path).toBe('actionSettings/savingShare');
  });

  it('shows courses and the estimated CO2e in the campaign report', async () => {
    const { campaignId } = await campaign();
    const challenge = await openChallenge(campaignId, { courseId: COURSE });
    for (let i = 0; i < 2; i++) expectStatus(await record(challenge.id, { courseId: COURSE }), 201);
    const report = expectStatus(
      await client.get(`/api/campaigns/${campaignId}/report`, admin),
      200,
    ) as {
      challenges: { unit: string; quantity: number; co2eKg: number; participants: number }[];
      totals: { participants: number; quantityByUnit: Record<string, number>; co2eKg: number };
    };
    expect(report.challenges[0]).toMatchObject({ unit: 'course', quantity: 2, participants: 2 });
    expect(report.totals.quantityByUnit['course']).toBe(2);
    expect(report.totals.co2eKg).toBeCloseTo(2 * YEAR_ESTIMATE, 6);
  });
});
