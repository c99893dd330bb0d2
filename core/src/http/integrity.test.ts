import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recountChallenge } from '../jobs/scheduled/index.js';
import { defineActionType } from '../plugins/index.js';
import {
  createTestClient,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Integrity (ADR 0039) through the HTTP API on a real database: alerts on
 * a burst from one domain and one network range, batch invalidation that
 * moves the counts once (the recount and the report agree), restoring it,
 * the audit log in order, and who may read or act.
 */

const bikeKm = defineActionType({
  id: 'integrity-bike-km',
  version: '1.0.0',
  title: { fr: 'Vélo', en: 'Bike' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0, maximum: 100 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.2, source: 'test factor', factors: {} }),
  factors: [],
});

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [bikeKm] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(() => platform?.stop());

/** An anonymous pledge sent from `address`, confirmed through the mailed link. */
async function pledgeFrom(challengeId: string, email: string, address: string): Promise<string> {
  const asked = await platform.app.inject({
    method: 'POST',
    url: `/api/challenges/${challengeId}/pledges`,
    payload: { email },
    remoteAddress: address,
  });
  expect(asked.statusCode, asked.body).toBe(202);
  const token = await client.mailedToken(email, 'pledge-confirmation');
  const confirmed = await client.post('/api/pledges/confirm', { token });
  expect(confirmed.status).toBe(200);
  return confirmed.body.id as string;
}

/** A signed-in person's pledge sent from `address`, and a ride of `km`. */
async function rideFrom(challengeId: string, email: string, address: string, km: number) {
  const token = await client.signIn(email);
  const pledged = await platform.app.inject({
    method: 'POST',
    url: `/api/challenges/${challengeId}/pledges`,
    payload: {},
    headers: { authorization: `Bearer ${token}` },
    remoteAddress: address,
  });
  expect(pledged.statusCode, pledged.body).toBe(201);
  const ride = await client.post(
    `/api/challenges/${challengeId}/contributions`,
    { details: { km } },
    { token },
  );
  expect(ride.status, JSON.stringify(ride.body)).toBe(201);
  return token;
}

async function setUp(options: { audience?: Record<string, unknown>; goal?: number } = {}) {
  const slug = unique('igy');
  const sponsorSlug = `${slug}-sponsor`;
  for (const s of [slug, sponsorSlug]) {
    expect(
      (await client.post('/api/organizations', { slug: s, name: s, kind: 'company' }, admin))
        .status,
    ).toBe(201);
  }
  const campaign = await client.post(
    `/api/organizations/${slug}/campaigns`,
    { title: 'Staff week', audience: options.audience ?? { type: 'public' } },
    admin,
  );
  expect(campaign.status).toBe(201);
  const created = await client.post(
    `/api/campaigns/${campaign.body.id}/challenges`,
    {
      title: 'Bike to work',
      actionType: 'integrity-bike-km',
      tiers: [
        {
          goal: { participants: options.goal ?? 1000 },
          counterpart: { kind: 'act', description: 'Plant trees' },
          sponsor: sponsorSlug,
        },
      ],
    },
    admin,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  const tierId = created.body.tiers[0].id as string;
  expect(
    (
      await client.post(
        `/api/challenges/${id}/tiers/${tierId}/sponsorship`,
        { decision: 'accept' },
        admin,
      )
    ).status,
  ).toBe(200);
  expect((await client.post(`/api/challenges/${id}/open`, undefined, admin)).status).toBe(200);
  return { slug, sponsorSlug, campaignId: campaign.body.id as string, id, tierId };
}

async function progressOf(id: string) {
  const read = await client.get(`/api/challenges/${id}`, admin);
  return { participants: read.body.progress.participants, quantity: read.body.progress.quantity };
}

describe('concentration alerts', () => {
  it('flags one person behind 30 addresses of one domain from one network range', async () => {
    const { id } = await setUp();
    for (let i = 0; i < 5; i++) {
      await pledgeFrom(id, `honest-${unique()}@site${i}.example`, `198.51.${i}.10`);
    }
    for (let i = 0; i < 30; i++) {
      await pledgeFrom(id, `x${i}-${unique()}@burst.example`, `203.0.113.${i + 1}`);
    }
    const answer = await client.get(`/api/challenges/${id}/integrity`, admin);
    expect(answer.status).toBe(200);
    const domain = answer.body.alerts.find(
      (a: { kind: string; metric: string }) => a.kind === 'email-domain' && a.metric === 'pledges',
    );
    expect(domain).toMatchObject({ key: 'burst.example', count: 30, total: 35, threshold: 0.3 });
    expect(domain.share).toBeCloseTo(30 / 35, 3);
    const network = answer.body.alerts.find((a: { kind: string }) => a.kind === 'network');
    expect(network).toMatchObject({ count: 30, total: 35 });
    expect(network.key).toMatch(/^[0-9a-f]{24}$/);
    // The range is named by its key, never by its address.
    expect(JSON.stringify(answer.body)).not.toContain('203.0.113');
    const [stored] = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from pledge where challenge_id = ? and network_key = ?`,
      [id, network.key],
    );
    expect(stored?.n).toBe(30);
    // The honest ones: one pledge per domain and range, far below the threshold.
    expect(answer.body.alerts.filter((a: { count: number }) => a.count < 20)).toEqual([]);
  });

  it('does not flag the domain a campaign is made for', async () => {
    const { id } = await setUp({
      audience: { type: 'email-domain', domains: ['corp.example'] },
    });
    for (let i = 0; i < 25; i++) {
      await pledgeFrom(id, `staff${i}-${unique()}@corp.example`, `192.0.${i}.7`);
    }
    const answer = await client.get(`/api/challenges/${id}/integrity`, admin);
    expect(answer.status).toBe(200);
    expect(answer.body.alerts).toEqual([]);
  });
});

describe('batch invalidation', () => {
  it('drops the count once, keeps the unlock, and restores it; the recount and the report agree', async () => {
    const { id, campaignId, tierId } = await setUp({ goal: 20 });
    const honest = await rideFrom(id, `h-${unique()}@honest.example`, '198.51.100.1', 5);
    await pledgeFrom(id, `h2-${unique()}@other.example`, '198.51.101.1');
    await pledgeFrom(id, `h3-${unique()}@third.example`, '198.51.102.1');
    const burstRider = `r-${unique()}@burst.example`;
    const riderToken = await rideFrom(id, burstRider, '203.0.113.200', 10);
    await rideFrom(id, `r2-${unique()}@burst.example`, '203.0.113.201', 10);
    for (let i = 0; i < 22; i++) {
      await pledgeFrom(id, `b${i}-${unique()}@burst.example`, `203.0.113.${i + 1}`);
    }
    await platform.settle();
    expect(await progressOf(id)).toEqual({ participants: 27, quantity: 25 });
    const unlocked = await client.get(`/api/challenges/${id}`, admin);
    expect(unlocked.body.tiers[0].unlockedAt).not.toBeNull();

    const body = { filter: { emailDomain: 'Burst.Example' }, reason: 'One person, many addresses' };
    const preview = await client.post(
      `/api/challenges/${id}/invalidations?dryRun=true`,
      body,
      admin,
    );
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      dryRun: true,
      effect: { pledges: 24, contributions: 2, participants: 24, quantity: 20, co2eKg: 4 },
    });
    expect(await progressOf(id)).toEqual({ participants: 27, quantity: 25 });

    // The same request twice at once: one takes the pledges, the other finds none left.
    const both = await Promise.all([
      client.post(`/api/challenges/${id}/invalidations`, body, admin),
      client.post(`/api/challenges/${id}/invalidations`, body, admin),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    const done = both.find((r) => r.status === 201)!.body;
    expect(both.find((r) => r.status === 409)!.body.error).toBe('TANDEM_INVALIDATION_EMPTY');
    expect(done).toMatchObject({
      reason: 'One person, many addresses',
      pledges: 24,
      participants: 24,
      quantity: 20,
      restoredAt: null,
    });
    expect(await progressOf(id)).toEqual({ participants: 3, quantity: 5 });
    expect(await recountChallenge(platform.db, id, new Date())).toMatchObject({ corrected: false });
    await platform.settle();
    const after = await client.get(`/api/challenges/${id}`, admin);
    expect(after.body.tiers[0].unlockedAt).toBe(unlocked.body.tiers[0].unlockedAt);

    // The person sees it; nothing more counts for them, and pledging again does not revive it.
    const mine = await client.get('/api/me/pledges', { token: riderToken });
    expect(
      mine.body.pledges.find((p: { challenge: { id: string } }) => p.challenge.id === id),
    ).toMatchObject({ status: 'invalidated' });
    const more = await client.post(
      `/api/challenges/${id}/contributions`,
      { details: { km: 3 } },
      { token: riderToken },
    );
    expect(more.status).toBe(409);
    expect(more.body.error).toBe('TANDEM_INVALIDATED');
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, {}, { token: riderToken })).status,
    ).toBe(200);
    expect(await progressOf(id)).toEqual({ participants: 3, quantity: 5 });

    const report = await client.get(`/api/campaigns/${campaignId}/report`, admin);
    expect(report.body.challenges[0]).toMatchObject({
      participants: 3,
      quantity: 5,
      invalidated: { participants: 24, quantity: 20, co2eKg: 4 },
    });
    const csv = await client.get(`/api/campaigns/${campaignId}/report.csv`, admin);
    expect(String(csv.body)).toContain(',24,20\r\n');

    const list = await client.get(`/api/challenges/${id}/invalidations`, admin);
    expect(list.body.invalidations).toHaveLength(1);
    expect(list.body.invalidations[0].id).toBe(done.id);

    const restored = await client.post(
      `/api/challenges/${id}/invalidations/${done.id}/restore`,
      undefined,
      admin,
    );
    expect(restored.status).toBe(200);
    expect(restored.body.restoredAt).not.toBeNull();
    expect(await progressOf(id)).toEqual({ participants: 27, quantity: 25 });
    const again = await client.post(
      `/api/challenges/${id}/invalidations/${done.id}/restore`,
      undefined,
      admin,
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('TANDEM_INVALIDATION_RESTORED');
    expect(await recountChallenge(platform.db, id, new Date())).toMatchObject({ corrected: false });
    const reportAfter = await client.get(`/api/campaigns/${campaignId}/report`, admin);
    expect(reportAfter.body.challenges[0].invalidated).toEqual({
      participants: 0,
      quantity: 0,
      co2eKg: 0,
    });
    // A ride counts again for the restored rider; the honest rider was never touched.
    expect(
      (
        await client.post(
          `/api/challenges/${id}/contributions`,
          { details: { km: 1 } },
          { token: riderToken },
        )
      ).status,
    ).toBe(201);
    expect((await client.get('/api/me/pledges', { token: honest })).body.pledges[0].status).toBe(
      'confirmed',
    );

    const audit = await client.get(`/api/challenges/${id}/audit`, admin);
    expect(audit.status).toBe(200);
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual([
      'pledges.restored',
      'pledges.invalidated',
      'challenge.succeeded',
      'tier.unlocked',
      'challenge.opened',
      'sponsorship.accepted',
      'challenge.created',
    ]);
    const invalidated = audit.body.entries[1];
    expect(invalidated.actor).toEqual({ kind: 'admin', label: 'platform admin' });
    expect(invalidated.details).toMatchObject({
      invalidationId: done.id,
      pledges: 24,
      quantity: 20,
      unlockedTiersAboveCount: [tierId],
      filter: { emailDomain: 'Burst.Example' },
    });
    expect(audit.body.entries[3].actor).toEqual({ kind: 'system', label: 'evaluation' });
    // No address of anyone in the log.
    expect(JSON.stringify(audit.body)).not.toMatch(/@|203\.0\.113/);
    // Pages, newest first.
    const first = await client.get(`/api/challenges/${id}/audit?limit=3`, admin);
    expect(first.body.entries).toHaveLength(3);
    const second = await client.get(
      `/api/challenges/${id}/audit?limit=3&before=${first.body.next}`,
      admin,
    );
    expect(second.body.entries.map((e: { action: string }) => e.action)).toEqual(
      actions.slice(3, 6),
    );
  });

  it('takes an explicit list of pledges and refuses an empty or ambiguous filter', async () => {
    const { id } = await setUp();
    const one = await pledgeFrom(id, `a-${unique()}@a.example`, '198.51.100.9');
    await pledgeFrom(id, `b-${unique()}@b.example`, '198.51.100.10');
    const url = `/api/challenges/${id}/invalidations`;
    const taken = await client.post(url, { filter: { pledgeIds: [one] }, reason: 'Test' }, admin);
    expect(taken.status).toBe(201);
    expect(taken.body.pledges).toBe(1);
    expect(await progressOf(id)).toEqual({ participants: 1, quantity: 0 });
    const two = await client.post(
      url,
      { filter: { emailDomain: 'a.example', network: 'x' }, reason: 'Test' },
      admin,
    );
    expect(two.status).toBe(400);
    const blank = await client.post(
      url,
      { filter: { emailDomain: 'b.example' }, reason: '  ' },
      admin,
    );
    expect(blank.status).toBe(400);
    expect(blank.body.details[0].path).toBe('reason');
    const none = await client.post(
      url,
      { filter: { emailDomain: 'nobody.example' }, reason: 'Test' },
      admin,
    );
    expect(none.status).toBe(409);
    expect(
      (
        await client.post(
          '/api/challenges/nope/invalidations',
          { filter: { agent: 'x' }, reason: 'r' },
          admin,
        )
      ).status,
    ).toBe(404);
    expect(await progressOf(id)).toEqual({ participants: 1, quantity: 0 });
  });
});

describe('an agent', () => {
  it('flags the people and the quantity one agent brought in, and invalidates them with the unnamed records', async () => {
    const { id, slug } = await setUp();
    const email = `agent-${unique()}@example.org`;
    const added = await client.post(
      `/api/organizations/${slug}/members`,
      { email, role: 'agent' },
      admin,
    );
    expect(added.status).toBe(201);
    const agentId = added.body.participantId as string;
    const agent = { token: await client.signIn(email) };
    for (let i = 0; i < 20; i++) {
      const recorded = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { km: 2 }, participant: { email: `door${i}-${unique()}@resident${i}.example` } },
        agent,
      );
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    }
    const unnamed = await client.post(
      `/api/challenges/${id}/contributions`,
      { details: { km: 5 }, participant: null },
      agent,
    );
    expect(unnamed.status).toBe(201);
    await rideFrom(id, `self-${unique()}@self.example`, '198.51.100.50', 4);
    expect(await progressOf(id)).toEqual({ participants: 21, quantity: 49 });

    const answer = await client.get(`/api/challenges/${id}/integrity`, admin);
    const byAgent = answer.body.alerts.filter((a: { kind: string }) => a.kind === 'agent');
    expect(byAgent).toEqual([
      expect.objectContaining({ metric: 'pledges', key: agentId, count: 20, total: 21 }),
      expect.objectContaining({ metric: 'quantity', key: agentId, count: 45, total: 49 }),
    ]);

    const done = await client.post(
      `/api/challenges/${id}/invalidations`,
      { filter: { agent: agentId }, reason: 'Residents nobody met' },
      admin,
    );
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({
      pledges: 20,
      contributions: 21,
      participants: 20,
      quantity: 45,
    });
    expect(await progressOf(id)).toEqual({ participants: 1, quantity: 4 });
    expect(await recountChallenge(platform.db, id, new Date())).toMatchObject({ corrected: false });
    const restored = await client.post(
      `/api/challenges/${id}/invalidations/${done.body.id}/restore`,
      undefined,
      admin,
    );
    expect(restored.status).toBe(200);
    expect(await progressOf(id)).toEqual({ participants: 21, quantity: 49 });
    expect(await recountChallenge(platform.db, id, new Date())).toMatchObject({ corrected: false });
  });
});

describe('who reads and who acts', () => {
  it('lets the organizer act, the sponsor read, and nobody else in', async () => {
    const { id, slug, sponsorSlug } = await setUp();
    await pledgeFrom(id, `c-${unique()}@c.example`, '198.51.100.20');
    const member = async (org: string, role: string) => {
      const email = `${role}-${unique()}@example.org`;
      const added = await client.post(`/api/organizations/${org}/members`, { email, role }, admin);
      expect(added.status).toBe(201);
      return { token: await client.signIn(email) };
    };
    const organizer = await member(slug, 'admin');
    const agent = await member(slug, 'agent');
    const sponsor = await member(sponsorSlug, 'admin');
    const citizen = { token: await client.signIn(`cit-${unique()}@example.org`) };
    const reads = ['audit', 'integrity', 'invalidations'].map((p) => `/api/challenges/${id}/${p}`);
    for (const url of reads) {
      expect((await client.get(url)).status, url).toBe(401);
      expect((await client.get(url, citizen)).status, url).toBe(403);
      expect((await client.get(url, agent)).status, url).toBe(403);
      expect((await client.get(url, sponsor)).status, url).toBe(200);
      expect((await client.get(url, organizer)).status, url).toBe(200);
    }
    const body = { filter: { emailDomain: 'c.example' }, reason: 'Check' };
    const url = `/api/challenges/${id}/invalidations`;
    expect((await client.post(url, body)).status).toBe(401);
    expect((await client.post(url, body, sponsor)).status).toBe(403);
    expect((await client.post(url, body, agent)).status).toBe(403);
    expect(await progressOf(id)).toEqual({ participants: 1, quantity: 0 });
    const done = await client.post(url, body, organizer);
    expect(done.status).toBe(201);
    const restore = `${url}/${done.body.id}/restore`;
    expect((await client.post(restore, undefined, sponsor)).status).toBe(403);
    expect((await client.post(restore, undefined, organizer)).status).toBe(200);
    const audit = await client.get(`/api/challenges/${id}/audit`, sponsor);
    expect(audit.body.entries[0].actor.kind).toBe('admin');
    expect(audit.body.entries[0].actor.label).not.toContain('@');
  });

  it('keeps the audit log append-only in the database itself', async () => {
    const { id } = await setUp();
    await expect(
      platform.db.query(`update audit_entry set action = 'x' where challenge_id = ?`, [id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      platform.db.query(`delete from audit_entry where challenge_id = ?`, [id]),
    ).rejects.toThrow(/append-only/);
    const audit = await client.get(`/api/challenges/${id}/audit`, admin);
    expect(audit.body.entries.length).toBeGreaterThan(0);
  });
});
