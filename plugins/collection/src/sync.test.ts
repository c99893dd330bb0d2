import {
  createTestClient,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collection } from './index.js';

/**
 * The offline tablet's weigh-ins: synced in a batch when it is back in
 * coverage, each under its own key, on the real engine and database.
 */
describe('syncing the weigh-ins of an offline tablet', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let admin: { token: string };
  let slug: string;
  let campaignId: string;
  let agent: { token: string };
  let pointId: string;

  const syncUrl = (challengeId: string) => `/api/challenges/${challengeId}/weigh-ins/sync`;

  async function openChallenge(): Promise<string> {
    const created = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      {
        title: 'Marc de café',
        actionType: 'collection',
        actionSettings: { material: 'coffee-grounds' },
        goal: { quantity: 500 },
      },
      admin,
    );
    expect(created.status).toBe(201);
    expect(
      (await client.post(`/api/challenges/${created.body.id}/open`, undefined, admin)).status,
    ).toBe(200);
    return created.body.id as string;
  }

  async function counted(challengeId: string): Promise<{ weighIns: number; kg: number }> {
    const [row] = await platform.db.query<{ weigh_ins: string; kg: string | null }>(
      'select count(*) as weigh_ins, sum(quantity) as kg from contribution where challenge_id = ?',
      [challengeId],
    );
    return { weighIns: Number(row?.weigh_ins), kg: Number(row?.kg ?? 0) };
  }

  const item = (kg: number, extra: Record<string, unknown> = {}) => ({
    key: crypto.randomUUID(),
    weighIn: { kg, pointId, participant: null, ...extra },
  });

  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [collection] });
    client = createTestClient(platform.app);
    admin = { token: platform.adminToken };
    slug = `sync-${unique()}`;
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
    pointId = (
      await client.post(`/api/organizations/${slug}/collection-points`, { name: 'Marché' }, admin)
    ).body.id;
  });
  afterAll(() => platform?.stop());

  it('records two weigh-ins, and a replay of the same keys answers duplicate with the same ids', async () => {
    const id = await openChallenge();
    const weighedAt = new Date(Date.now() - 60_000).toISOString();
    const items = [
      item(2.5, {
        participant: { email: `resident-${unique()}@example.org` },
        occurredAt: weighedAt,
      }),
      item(1.25),
    ];
    const first = await client.post(syncUrl(id), { items }, agent);
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([
      { key: items[0]?.key, status: 'created', weighInId: expect.any(String) },
      { key: items[1]?.key, status: 'created', weighInId: expect.any(String) },
    ]);
    expect(await counted(id)).toEqual({ weighIns: 2, kg: 3.75 });
    // Weighed offline: it counts when it was weighed, not when it was synced.
    const [named] = await platform.db.query<{ occurred_at: Date; recorded_by: string }>(
      'select occurred_at, recorded_by from contribution where id = ?',
      [first.body.results[0].weighInId],
    );
    expect(new Date(named?.occurred_at as Date).toISOString()).toBe(weighedAt);

    // The answer was lost; the tablet sends the same sync again.
    const replay = await client.post(syncUrl(id), { items }, agent);
    expect(replay.status).toBe(200);
    expect(replay.body.results).toEqual(
      first.body.results.map((result: Record<string, unknown>) => ({
        ...result,
        status: 'duplicate',
      })),
    );
    expect(await counted(id)).toEqual({ weighIns: 2, kg: 3.75 });
    const progress = (await client.get(`/api/challenges/${id}`)).body.progress;
    expect(progress).toMatchObject({ quantity: 3.75 });
  });

  it('never counts twice when syncs of the same keys race', async () => {
    const id = await openChallenge();
    const items = Array.from({ length: 12 }, (_, index) => item(1 + index));
    const answers = await Promise.all([
      client.post(syncUrl(id), { items }, agent),
      client.post(syncUrl(id), { items }, agent),
      client.post(syncUrl(id), { items }, agent),
    ]);
    const created = new Map<string, string>();
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const result of answer.body.results) {
        if (result.status === 'error') {
          expect(result.error).toBe('TANDEM_IDEMPOTENCY_IN_PROGRESS');
          continue;
        }
        expect(['created', 'duplicate']).toContain(result.status);
        if (result.status === 'created') {
          expect(created.has(result.key)).toBe(false);
          created.set(result.key, result.weighInId);
        }
      }
    }
    expect(await counted(id)).toEqual({ weighIns: 12, kg: 78 });
    // Once settled, every key answers its one weigh-in.
    const settled = await client.post(syncUrl(id), { items }, agent);
    expect(settled.body.results.map((r: { status: string }) => r.status)).toEqual(
      items.map(() => 'duplicate'),
    );
    for (const result of settled.body.results) {
      expect(result.weighInId).toBe(created.get(result.key));
    }
    expect(await counted(id)).toEqual({ weighIns: 12, kg: 78 });
  });

  it('answers a key reused with another weigh-in with a mismatch naming that key, for that item only', async () => {
    const id = await openChallenge();
    const one = item(3);
    const two = item(4);
    expect((await client.post(syncUrl(id), { items: [one] }, agent)).status).toBe(200);
    const reused = { key: one.key, weighIn: { ...one.weighIn, kg: 30 } };
    const answer = await client.post(syncUrl(id), { items: [reused, two] }, agent);
    expect(answer.body.results[0]).toMatchObject({
      key: one.key,
      status: 'error',
      error: 'TANDEM_IDEMPOTENCY_MISMATCH',
    });
    expect(answer.body.results[0].message).toContain(one.key);
    expect(answer.body.results[1]).toMatchObject({ key: two.key, status: 'created' });
    expect(await counted(id)).toEqual({ weighIns: 2, kg: 7 });
    // The same body in another key order is not another weigh-in.
    const reordered = {
      key: one.key,
      weighIn: Object.fromEntries(Object.entries(one.weighIn).reverse()),
    };
    const again = await client.post(syncUrl(id), { items: [reordered] }, agent);
    expect(again.body.results[0].status).toBe('duplicate');
  });

  it('still knows a key synced days ago, when replays of Idempotency-Key have expired', async () => {
    const id = await openChallenge();
    const items = [item(5)];
    const first = await client.post(syncUrl(id), { items }, agent);
    expect(first.body.results[0].status).toBe('created');
    // As if the tablet synced it on Friday and its answer never arrived.
    await platform.db.query(
      `update collection_sync_item
          set claimed_at = claimed_at - interval '3 days', completed_at = completed_at - interval '3 days'
        where key = ?`,
      [items[0]?.key],
    );
    const monday = await client.post(syncUrl(id), { items }, agent);
    expect(monday.body.results[0]).toEqual({
      key: items[0]?.key,
      status: 'duplicate',
      weighInId: first.body.results[0].weighInId,
    });
    expect(await counted(id)).toEqual({ weighIns: 1, kg: 5 });
  });

  it('lets a bad item fail alone, naming its field, and keeps its error for a replay', async () => {
    const id = await openChallenge();
    const items = [
      item(2),
      item(9999),
      { key: crypto.randomUUID(), weighIn: { kg: 1, pointId, colour: 'brown' } },
      item(1, { occurredAt: '2001-01-01T10:00:00Z' }),
      item(1, { occurredAt: new Date(Date.now() + 86_400_000).toISOString() }),
    ];
    const answer = await client.post(syncUrl(id), { items }, agent);
    expect(answer.status).toBe(200);
    const [ok, heavy, unknown, old, future] = answer.body.results;
    expect(ok.status).toBe('created');
    expect(heavy).toMatchObject({ status: 'error', error: 'TANDEM_REQUEST_INVALID' });
    expect(heavy.details[0].path).toBe('kg');
    expect(unknown).toMatchObject({ status: 'error', error: 'TANDEM_REQUEST_UNKNOWN_FIELD' });
    expect(unknown.details[0].path).toBe('colour');
    expect(old.details[0].path).toBe('occurredAt');
    expect(future.details[0].path).toBe('occurredAt');
    expect(await counted(id)).toEqual({ weighIns: 1, kg: 2 });
    const replay = await client.post(syncUrl(id), { items }, agent);
    expect(replay.body.results.slice(1)).toEqual(answer.body.results.slice(1));
  });

  it('erasing a resident drops what identifies their synced weigh-in, and a replay still counts once', async () => {
    const id = await openChallenge();
    const email = `resident-${unique()}@example.org`;
    const items = [item(2, { participant: { email } })];
    const first = await client.post(syncUrl(id), { items }, agent);
    expect(first.body.results[0].status).toBe('created');
    const resident = { token: await client.signIn(email) };
    expect((await client.delete('/api/me', resident)).status).toBe(200);
    const [row] = await platform.db.query<{ fingerprint: string }>(
      'select fingerprint from collection_sync_item where key = ?',
      [items[0]?.key],
    );
    expect(row?.fingerprint).toBe('erased');
    const replay = await client.post(syncUrl(id), { items }, agent);
    expect(replay.body.results[0]).toMatchObject({
      status: 'error',
      error: 'TANDEM_IDEMPOTENCY_MISMATCH',
    });
    expect(await counted(id)).toEqual({ weighIns: 1, kg: 2 });
  });

  it('refuses agents of another organization, members, anonymous callers and bad batches', async () => {
    const id = await openChallenge();
    const otherSlug = `other-${unique()}`;
    await client.post(
      '/api/organizations',
      { slug: otherSlug, name: 'Autre', kind: 'city' },
      admin,
    );
    const otherEmail = `agent-${unique()}@autre.example`;
    await client.post(
      `/api/organizations/${otherSlug}/members`,
      { email: otherEmail, role: 'agent' },
      admin,
    );
    const outsider = { token: await client.signIn(otherEmail) };
    const refused = await client.post(syncUrl(id), { items: [item(1)] }, outsider);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect((await client.post(syncUrl(id), { items: [item(1)] })).status).toBe(401);
    const memberEmail = `member-${unique()}@ville.example`;
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: memberEmail, role: 'member' },
      admin,
    );
    const member = { token: await client.signIn(memberEmail) };
    expect((await client.post(syncUrl(id), { items: [item(1)] }, member)).status).toBe(403);

    const shortKey = await client.post(
      syncUrl(id),
      { items: [{ key: 'abc', weighIn: {} }] },
      agent,
    );
    expect(shortKey.status).toBe(400);
    expect(shortKey.body.message).toContain('key');
    const empty = await client.post(syncUrl(id), { items: [] }, agent);
    expect(empty.status).toBe(400);
    expect(await counted(id)).toEqual({ weighIns: 0, kg: 0 });
  });
});
