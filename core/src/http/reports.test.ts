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

const bikeKm = defineActionType({
  id: 'report-bike-km',
  version: '1.0.0',
  title: { fr: 'Vélo', en: 'Bike' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({
    co2eKg: details.km * 0.2,
    source: 'test factor',
    factors: { car: 0.2 },
  }),
  factors: [
    {
      key: 'car',
      label: 'Car, alone',
      value: 0.2,
      unit: 'kg CO2e / km',
      source: 'test factor',
      datasetId: 'test-4',
      versionDate: '2024',
    },
  ],
});

describe('the campaign report', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let admin: { token: string };
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [bikeKm] });
    client = createTestClient(platform.app);
    admin = { token: platform.adminToken };
  });
  afterAll(() => platform?.stop());

  async function campaignWithTwoChallenges() {
    const slug = unique('rep');
    await client.post('/api/organizations', { slug, name: 'Report Co', kind: 'company' }, admin);
    const sponsorSlug = `${slug}-sponsor`;
    await client.post(
      '/api/organizations',
      { slug: sponsorSlug, name: 'Sponsor', kind: 'company' },
      admin,
    );
    const campaign = (
      await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Mobility week' }, admin)
    ).body;
    const bike = (
      await client.post(
        `/api/campaigns/${campaign.id}/challenges`,
        {
          title: 'Bike',
          actionType: 'report-bike-km',
          goal: { quantity: 50 },
          sponsor: sponsorSlug,
        },
        admin,
      )
    ).body;
    const pledgeOnly = (
      await client.post(
        `/api/campaigns/${campaign.id}/challenges`,
        { title: 'Pledge', actionType: 'pledge-only', goal: { participants: 2 } },
        admin,
      )
    ).body;
    // The sponsor agrees before the challenge opens (it is refused until then).
    expect(await acceptSponsorships(client, admin.token, bike.id)).toHaveLength(1);
    await client.post(`/api/challenges/${bike.id}/open`, undefined, admin);
    await client.post(`/api/challenges/${pledgeOnly.id}/open`, undefined, admin);
    return { slug, sponsorSlug, campaign, bike, pledgeOnly };
  }

  it('counts distinct people across challenges and sums quantity per unit', async () => {
    const { campaign, bike, pledgeOnly } = await campaignWithTwoChallenges();
    const ann = await client.signIn(`ann-${Date.now()}@example.org`);
    const bob = await client.signIn(`bob-${Date.now()}@example.org`);
    // A self-report needs a live pledge.
    for (const token of [ann, bob]) {
      expect((await client.post(`/api/challenges/${bike.id}/pledges`, {}, { token })).status).toBe(
        201,
      );
    }
    await client.post(
      `/api/challenges/${bike.id}/contributions`,
      { details: { km: 30 } },
      { token: ann },
    );
    await client.post(
      `/api/challenges/${bike.id}/contributions`,
      { details: { km: 12.5 } },
      { token: bob },
    );
    await client.post(`/api/challenges/${pledgeOnly.id}/pledges`, {}, { token: ann });
    await platform.settle();

    const report = await client.get(`/api/campaigns/${campaign.id}/report`, admin);
    expect(report.status).toBe(200);
    const byTitle = Object.fromEntries(
      report.body.challenges.map((c: { title: string }) => [c.title, c]),
    );
    expect(byTitle['Bike']).toMatchObject({
      unit: 'km',
      participants: 2,
      quantity: 42.5,
      co2eKg: 8.5,
    });
    expect(byTitle['Pledge']).toMatchObject({ unit: null, participants: 1, quantity: 0 });
    expect(report.body.totals).toEqual({
      participants: 2,
      quantityByUnit: { km: 42.5 },
      co2eKg: 8.5,
    });
    expect(report.body.sources).toContainEqual(
      expect.objectContaining({ actionType: 'report-bike-km' }),
    );
  });

  it('is served as CSV too, with formulas defused', async () => {
    const { campaign, bike } = await campaignWithTwoChallenges();
    const ann = await client.signIn(`csv-${Date.now()}@example.org`);
    await client.post(`/api/challenges/${bike.id}/pledges`, {}, { token: ann });
    await client.post(
      `/api/challenges/${bike.id}/contributions`,
      { details: { km: 7 } },
      { token: ann },
    );
    const csv = await platform.app.inject({
      method: 'GET',
      url: `/api/campaigns/${campaign.id}/report.csv`,
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'challenge_id,title,action_type,unit,status,participants,quantity,co2e_kg,tiers_unlocked,tiers_total,invalidated_participants,invalidated_quantity',
    );
    expect(
      lines.some((l) => l.startsWith(`${bike.id},Bike,report-bike-km,km,open,1,7,1.4,0,1,0,0`)),
    ).toBe(true);
    expect(lines).toContain('TOTAL,Mobility week,,km,,,7,,,,,');
  });

  it('is for the organizer and sponsor admins only', async () => {
    const { campaign, sponsorSlug } = await campaignWithTwoChallenges();
    expect((await client.get(`/api/campaigns/${campaign.id}/report`)).status).toBe(401);
    const outsider = await client.signIn(`out-${Date.now()}@example.org`);
    expect(
      (await client.get(`/api/campaigns/${campaign.id}/report`, { token: outsider })).status,
    ).toBe(403);
    const sponsorAdmin = `spons-${Date.now()}@example.org`;
    await client.post(
      `/api/organizations/${sponsorSlug}/members`,
      { email: sponsorAdmin, role: 'admin' },
      admin,
    );
    const token = await client.signIn(sponsorAdmin);
    expect((await client.get(`/api/campaigns/${campaign.id}/report`, { token })).status).toBe(200);
    expect((await client.get('/api/campaigns/nope/report', admin)).status).toBe(404);
  });
});
