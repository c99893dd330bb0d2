import {
  createTestClient,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collection } from './index.js';

describe('the collection plugin on the real engine', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let admin: { token: string };
  let slug: string;
  let campaignId: string;
  let agent: { token: string };
  let pointId: string;

  async function createChallenge(body: Record<string, unknown>, open = true) {
    const created = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      { title: 'Marc de café', actionType: 'collection', ...body },
      admin,
    );
    if (created.status !== 201) return created;
    if (open) await client.post(`/api/challenges/${created.body.id}/open`, undefined, admin);
    return created;
  }

  async function challengeId(settings: Record<string, unknown>): Promise<string> {
    const created = await createChallenge({ actionSettings: settings, goal: { quantity: 500 } });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [collection] });
    client = createTestClient(platform.app);
    admin = { token: platform.adminToken };
    slug = `coll-${unique()}`;
    await client.post('/api/organizations', { slug, name: 'Ville', kind: 'city' }, admin);
    campaignId = (
      await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Collecte' }, admin)
    ).body.id;
    const agentEmail = `agent-${unique()}@ville.example`;
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: agentEmail, role: 'agent' },
      admin,
    );
    agent = { token: await client.signIn(agentEmail) };
    const point = await client.post(
      `/api/organizations/${slug}/collection-points`,
      { name: 'Marché', location: { lat: 48.78, lon: 2.31 } },
      admin,
    );
    pointId = point.body.id;
  });
  afterAll(() => platform?.stop());

  describe('collection points', () => {
    it('an admin adds one; its location is coarsened and its hours kept', async () => {
      const created = await client.post(
        `/api/organizations/${slug}/collection-points`,
        {
          name: 'Mairie',
          address: '6 boulevard Carnot',
          location: { lat: 48.779_876_5, lon: 2.316_543_21 },
          openingHours: [
            { day: 'mon', from: '08:00', to: '12:00' },
            { day: 'sat', from: '09:30', to: '13:00' },
          ],
        },
        admin,
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Mairie',
        address: '6 boulevard Carnot',
        location: { lat: 48.7799, lon: 2.3165 },
        openingHours: [
          { day: 'mon', from: '08:00', to: '12:00' },
          { day: 'sat', from: '09:30', to: '13:00' },
        ],
        active: true,
      });
      expect(created.body.id).toMatch(/^clp_/);
    });

    it('refuses unknown fields, bad hours and slots that end before they start', async () => {
      const url = `/api/organizations/${slug}/collection-points`;
      const unknown = await client.post(url, { name: 'X', capacityKg: 50 }, admin);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
      expect(unknown.body.message).toContain('capacityKg');

      const blank = await client.post(url, { name: '   ' }, admin);
      expect(blank.status).toBe(400);
      expect(blank.body.details[0].path).toBe('name');

      const badTime = await client.post(
        url,
        { name: 'X', openingHours: [{ day: 'mon', from: '8h', to: '12:00' }] },
        admin,
      );
      expect(badTime.status).toBe(400);
      expect(badTime.body.message).toContain('openingHours/0/from');

      const backwards = await client.post(
        url,
        { name: 'X', openingHours: [{ day: 'tue', from: '14:00', to: '09:00' }] },
        admin,
      );
      expect(backwards.status).toBe(400);
      expect(backwards.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(backwards.body.details[0].path).toBe('openingHours/0/to');
    });

    it('only admins add points: 401 anonymous, 403 agent, 404 unknown organization', async () => {
      const url = `/api/organizations/${slug}/collection-points`;
      expect((await client.post(url, { name: 'X' })).status).toBe(401);
      const byAgent = await client.post(url, { name: 'X' }, agent);
      expect(byAgent.status).toBe(403);
      expect(byAgent.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
      const nowhere = await client.post(
        `/api/organizations/nowhere-${unique()}/collection-points`,
        {
          name: 'X',
        },
        admin,
      );
      expect(nowhere.status).toBe(404);
    });

    it('anyone lists the active points; agents also see closed ones; GeoJSON is lon, lat', async () => {
      const closed = await client.post(
        `/api/organizations/${slug}/collection-points`,
        { name: 'Ancienne déchèterie', active: false },
        admin,
      );
      expect(closed.status).toBe(201);
      const url = `/api/organizations/${slug}/collection-points`;
      const publicList = await client.get(url);
      expect(publicList.status).toBe(200);
      const publicIds = publicList.body.points.map((p: { id: string }) => p.id);
      expect(publicIds).toContain(pointId);
      expect(publicIds).not.toContain(closed.body.id);
      const agentIds = (await client.get(url, agent)).body.points.map((p: { id: string }) => p.id);
      expect(agentIds).toContain(closed.body.id);

      const geo = await client.get(`${url}.geojson`);
      expect(geo.status).toBe(200);
      expect(String(geo.headers['content-type'])).toContain('application/geo+json');
      expect(geo.body.type).toBe('FeatureCollection');
      const marche = geo.body.features.find((f: { id: string }) => f.id === pointId);
      expect(marche.geometry).toEqual({ type: 'Point', coordinates: [2.31, 48.78] });
      expect(geo.body.features.some((f: { id: string }) => f.id === closed.body.id)).toBe(false);
    });
  });

  describe('settings', () => {
    it('a challenge must say what it collects, from the known list', async () => {
      const missing = await createChallenge({ goal: { quantity: 500 } }, false);
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('actionSettings/material');
      const unknown = await createChallenge(
        { actionSettings: { material: 'plutonium' }, goal: { quantity: 500 } },
        false,
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain('actionSettings/material');
    });
  });

  describe('weigh-ins', () => {
    it('an agent records one for a resident: kg, and CO2e at 0.0692 kg per kg', async () => {
      const id = await challengeId({ material: 'coffee-grounds' });
      const recorded = await client.post(
        `/api/challenges/${id}/weigh-ins`,
        { kg: 12.5, pointId, participant: { email: `resident-${unique()}@example.org` } },
        agent,
      );
      expect(recorded.status).toBe(201);
      expect(recorded.body).toMatchObject({ quantity: 12.5, unit: 'kg', pointId });
      expect(recorded.body.impact.co2eKg).toBeCloseTo(12.5 * 0.0692, 6);
      expect(recorded.body.impact.source).toContain('ADEME');
      const progress = (await client.get(`/api/challenges/${id}`)).body.progress;
      expect(progress).toMatchObject({ participants: 1, quantity: 12.5 });
    });

    it('names a resident by any spelling of one address, and refuses a list or a quoted one', async () => {
      const id = await challengeId({ material: 'coffee-grounds' });
      const tag = unique();
      for (const email of [
        `resident-${tag}@bücher.example`,
        `Resident-${tag}+bin@XN--BCHER-KVA.example`,
        `resident-${tag}@bu\u0308cher.example`,
      ]) {
        const recorded = await client.post(
          `/api/challenges/${id}/weigh-ins`,
          { kg: 1, pointId, participant: { email } },
          agent,
        );
        expect(recorded.status, email).toBe(201);
      }
      expect((await client.get(`/api/challenges/${id}`)).body.progress).toMatchObject({
        participants: 1,
        quantity: 3,
      });
      for (const email of [`resident-${tag},eve@example.org`, `"resident-${tag}"@example.org`]) {
        const refused = await client.post(
          `/api/challenges/${id}/weigh-ins`,
          { kg: 1, pointId, participant: { email } },
          agent,
        );
        expect(refused.status, email).toBe(400);
        expect(refused.body.details[0].path).toBe('participant/email');
      }
    });

    it('shared composting claims more; textile claims no CO2e but counts its kg', async () => {
      const shared = await challengeId({ material: 'biowaste', treatment: 'shared-composting' });
      const a = await client.post(
        `/api/challenges/${shared}/weigh-ins`,
        { kg: 10, pointId, participant: null },
        agent,
      );
      expect(a.body.impact.co2eKg).toBeCloseTo(2.002, 6);
      const textile = await challengeId({ material: 'textile' });
      const b = await client.post(
        `/api/challenges/${textile}/weigh-ins`,
        { kg: 10, pointId, participant: null },
        agent,
      );
      expect(b.status).toBe(201);
      expect(b.body.quantity).toBe(10);
      expect(b.body.impact.co2eKg).toBe(0);
    });

    it('refuses a point of another organization, an unknown one and a closed one, naming pointId', async () => {
      const id = await challengeId({ material: 'coffee-grounds' });
      const otherSlug = `other-${unique()}`;
      await client.post(
        '/api/organizations',
        { slug: otherSlug, name: 'Autre', kind: 'city' },
        admin,
      );
      const foreign = await client.post(
        `/api/organizations/${otherSlug}/collection-points`,
        { name: 'Ailleurs' },
        admin,
      );
      const closed = await client.post(
        `/api/organizations/${slug}/collection-points`,
        { name: 'Fermé', active: false },
        admin,
      );
      for (const badPoint of [foreign.body.id, 'clp_nothing', closed.body.id]) {
        const refused = await client.post(
          `/api/challenges/${id}/weigh-ins`,
          { kg: 2, pointId: badPoint, participant: null },
          agent,
        );
        expect(refused.status).toBe(400);
        expect(refused.body.details[0].path).toBe('pointId');
        // Core's generic route checks the same reference, for agents and self-reports alike.
        const viaCore = await client.post(
          `/api/challenges/${id}/contributions`,
          { details: { kg: 2, pointId: badPoint }, participant: null },
          agent,
        );
        expect(viaCore.status).toBe(400);
        expect(viaCore.body.error).toBe('TANDEM_REQUEST_INVALID');
        expect(viaCore.body.details[0].path).toBe('details/pointId');
      }
      expect((await client.get(`/api/challenges/${id}`)).body.progress.quantity).toBe(0);
      const known = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { kg: 2, pointId }, participant: null },
        agent,
      );
      expect(known.status).toBe(201);
    });

    it('answers 403 to an outsider of an e-mail-domain campaign before anything else', async () => {
      const domain = `ville-${unique()}.example`;
      const closedCampaign = (
        await client.post(
          `/api/organizations/${slug}/campaigns`,
          { title: 'Agents only', audience: { type: 'email-domain', domains: [domain] } },
          admin,
        )
      ).body.id as string;
      const created = await client.post(
        `/api/campaigns/${closedCampaign}/challenges`,
        {
          title: 'Marc',
          actionType: 'collection',
          actionSettings: { material: 'coffee-grounds', selfReport: true },
          goal: { quantity: 500 },
        },
        admin,
      );
      expect(
        (await client.post(`/api/challenges/${created.body.id}/open`, undefined, admin)).status,
      ).toBe(200);
      const outsider = { token: await client.signIn(`out-${unique()}@example.org`) };
      // Whatever else is wrong with the request (kg too high, unknown point), 403 first.
      for (const body of [
        { kg: 1, pointId },
        { kg: 99_999, pointId: 'clp_nothing' },
      ]) {
        const refused = await client.post(
          `/api/challenges/${created.body.id}/weigh-ins`,
          body,
          outsider,
        );
        expect(refused.status).toBe(403);
        expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
      }
      const viaCore = await client.post(
        `/api/challenges/${created.body.id}/contributions`,
        { details: { kg: 1, pointId } },
        outsider,
      );
      expect(viaCore.status).toBe(403);
    });

    it('refuses an absurd weigh-in for the material, or what the challenge allows', async () => {
      const coffee = await challengeId({ material: 'coffee-grounds' });
      const absurd = await client.post(
        `/api/challenges/${coffee}/weigh-ins`,
        { kg: 150, pointId, participant: null },
        agent,
      );
      expect(absurd.status).toBe(400);
      expect(absurd.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(absurd.body.details[0].path).toBe('kg');
      expect(absurd.body.message).toContain('100 kg');
      // Through core's own route too: the limit is the action type's.
      const viaCore = await client.post(
        `/api/challenges/${coffee}/contributions`,
        { details: { kg: 100.5 }, participant: null },
        agent,
      );
      expect(viaCore.status).toBe(400);
      expect(viaCore.body.message).toContain('kg:');

      const roastery = await challengeId({ material: 'coffee-grounds', maxKgPerWeighIn: 300 });
      const big = await client.post(
        `/api/challenges/${roastery}/weigh-ins`,
        { kg: 150, pointId, participant: null },
        agent,
      );
      expect(big.status).toBe(201);
      const zero = await client.post(
        `/api/challenges/${roastery}/weigh-ins`,
        { kg: 0, pointId, participant: null },
        agent,
      );
      expect(zero.status).toBe(400);
      expect(zero.body.message).toContain('kg');
    });

    it('a tablet retrying with the same Idempotency-Key records the weigh-in once', async () => {
      const id = await challengeId({ material: 'coffee-grounds' });
      const body = { kg: 4, pointId, participant: null };
      const headers = { 'idempotency-key': `tablet-${unique()}` };
      const first = await client.post(`/api/challenges/${id}/weigh-ins`, body, {
        ...agent,
        headers,
      });
      const again = await client.post(`/api/challenges/${id}/weigh-ins`, body, {
        ...agent,
        headers,
      });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(first.body.id);
      expect((await client.get(`/api/challenges/${id}`)).body.progress.quantity).toBe(4);
    });

    it('self reports are refused unless the challenge allows them', async () => {
      const email = `self-${unique()}@example.org`;
      const me = { token: await client.signIn(email) };
      const closedToSelf = await challengeId({ material: 'coffee-grounds' });
      // A self-report needs a live pledge; the rules below hold with one.
      expect((await client.post(`/api/challenges/${closedToSelf}/pledges`, {}, me)).status).toBe(
        201,
      );
      const refused = await client.post(
        `/api/challenges/${closedToSelf}/weigh-ins`,
        { kg: 1, pointId },
        me,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
      // Core's generic contributions route refuses it too (limits.check sees who records).
      const viaCore = await client.post(
        `/api/challenges/${closedToSelf}/contributions`,
        { details: { kg: 1 } },
        me,
      );
      expect(viaCore.status).toBe(400);
      expect(viaCore.body.message).toMatch(/self-reports/);

      const openToSelf = await challengeId({ material: 'coffee-grounds', selfReport: true });
      const unpledged = await client.post(
        `/api/challenges/${openToSelf}/weigh-ins`,
        { kg: 1, pointId },
        me,
      );
      expect(unpledged.status).toBe(409);
      expect(unpledged.body.error).toBe('TANDEM_PLEDGE_REQUIRED');
      expect((await client.post(`/api/challenges/${openToSelf}/pledges`, {}, me)).status).toBe(201);
      const mine = await client.post(
        `/api/challenges/${openToSelf}/weigh-ins`,
        { kg: 1, pointId },
        me,
      );
      expect(mine.status).toBe(201);
      expect((await client.get(`/api/challenges/${openToSelf}`)).body.progress.participants).toBe(
        1,
      );

      // Naming someone else stays the agents' right (core's rule).
      const forOther = await client.post(
        `/api/challenges/${openToSelf}/weigh-ins`,
        { kg: 1, pointId, participant: { email: `other-${unique()}@example.org` } },
        me,
      );
      expect(forOther.status).toBe(403);
    });

    it('refuses unknown fields, anonymous callers and challenges of another action type', async () => {
      const id = await challengeId({ material: 'coffee-grounds' });
      const unknown = await client.post(
        `/api/challenges/${id}/weigh-ins`,
        { kg: 1, pointId, participant: null, bin: 'B' },
        agent,
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
      const anonymous = await client.post(`/api/challenges/${id}/weigh-ins`, {
        kg: 1,
        pointId,
        participant: null,
      });
      expect(anonymous.status).toBe(401);

      const pledgeOnly = await client.post(
        `/api/campaigns/${campaignId}/challenges`,
        { title: 'Pledge', actionType: 'pledge-only', goal: { participants: 10 } },
        admin,
      );
      await client.post(`/api/challenges/${pledgeOnly.body.id}/open`, undefined, admin);
      const wrongType = await client.post(
        `/api/challenges/${pledgeOnly.body.id}/weigh-ins`,
        { kg: 1, pointId, participant: null },
        agent,
      );
      expect(wrongType.status).toBe(409);
    });
  });

  it('Bourg-la-Reine: ~1 t collected unlocks the kg tier, the people tier fails, the report shows both', async () => {
    const started = Date.now();
    const campaign = (
      await client.post(
        `/api/organizations/${slug}/campaigns`,
        { title: 'Marc de café — Bourg-la-Reine' },
        admin,
      )
    ).body;
    const created = await client.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title: 'Collecte de marc de café',
        actionType: 'collection',
        actionSettings: { material: 'coffee-grounds' },
        tiers: [
          {
            goal: { quantity: 500, participants: 10 },
            counterpart: { kind: 'act', description: 'Compost offert aux jardins partagés' },
          },
          {
            goal: { quantity: 500, participants: 200 },
            counterpart: { kind: 'act', description: 'Un composteur par école' },
          },
        ],
      },
      admin,
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await client.post(`/api/challenges/${id}/open`, undefined, admin);

    // 40 weigh-ins: 12 residents known by e-mail bring 28 of them, 12 are unnamed.
    const residents = Array.from({ length: 12 }, (_, i) => `bourg-${i}-${unique()}@example.org`);
    let total = 0;
    for (let i = 0; i < 40; i++) {
      const kg = 17.5 + (i % 7) * 2.5;
      total += kg;
      const recorded = await client.post(
        `/api/challenges/${id}/weigh-ins`,
        {
          kg,
          pointId,
          participant: i < 28 ? { email: residents[i % residents.length] as string } : null,
        },
        agent,
      );
      expect(recorded.status).toBe(201);
    }
    expect(total).toBeGreaterThan(950);
    expect(total).toBeLessThan(1050);
    await platform.settle();

    const challenge = (await client.get(`/api/challenges/${id}`)).body;
    expect(challenge.progress.quantity).toBeCloseTo(total, 6);
    expect(challenge.progress.participants).toBe(12);
    expect(challenge.tiers[0].unlockedAt).not.toBeNull();
    expect(challenge.tiers[1].unlockedAt).toBeNull();

    const closed = await client.post(`/api/challenges/${id}/close`, undefined, admin);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('succeeded');

    const report = await client.get(`/api/campaigns/${campaign.id}/report`, admin);
    expect(report.status).toBe(200);
    const row = report.body.challenges[0];
    expect(row).toMatchObject({ unit: 'kg', participants: 12, status: 'succeeded' });
    expect(row.quantity).toBeCloseTo(total, 6);
    expect(row.co2eKg).toBeCloseTo(total * 0.0692, 3);
    expect(row.tiers.map((t: { unlockedAt: string | null }) => t.unlockedAt !== null)).toEqual([
      true,
      false,
    ]);
    expect(report.body.totals.participants).toBe(12);
    expect(report.body.totals.quantityByUnit.kg).toBeCloseTo(total, 6);
    expect(report.body.sources).toContainEqual(
      expect.objectContaining({ actionType: 'collection' }),
    );
    // Forty weigh-ins and a report through the real engine stay well under the suite's budget.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  describe('personal data', () => {
    it('erasing a resident removes the notes of her weigh-ins and keeps their weight', async () => {
      const id = await challengeId({ material: 'coffee-grounds' });
      const email = `resident-${unique()}@example.org`;
      const note = `Brought by Mme Erasable-${unique()}`;
      const recorded = await client.post(
        `/api/challenges/${id}/weigh-ins`,
        { kg: 4.5, pointId, note, participant: { email } },
        agent,
      );
      expect(recorded.status).toBe(201);
      const session = { token: await client.signIn(email) };
      const exported = await client.get('/api/me/export', session);
      expect(exported.status).toBe(200);
      expect(exported.body.contributions).toEqual([
        expect.objectContaining({ challengeId: id, quantity: 4.5, recordedBy: 'agent' }),
      ]);
      expect(exported.body.contributions[0].details).toMatchObject({ note, pointId });

      expect((await client.delete('/api/me', session)).status).toBe(200);
      const [row] = await platform.db.query<{ details: Record<string, unknown> }>(
        'select details from contribution where id = ?',
        [recorded.body.id],
      );
      expect(row?.details).toEqual({ kg: 4.5, pointId });
      const progress = (await client.get(`/api/challenges/${id}`)).body.progress;
      expect(progress).toMatchObject({ participants: 1, quantity: 4.5 });
    });
  });
});
