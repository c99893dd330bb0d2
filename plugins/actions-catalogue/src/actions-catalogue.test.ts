import type { OutboxEvent } from '@tandem/core';
import {
  createTestClient,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsCatalogue, defaultCatalogue } from './index.js';

describe('the actions-catalogue plugin on the real engine', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let admin: { token: string };
  let campaignId: string;

  async function createChallenge(body: Record<string, unknown>) {
    return client.post(
      `/api/campaigns/${campaignId}/challenges`,
      { title: 'No Impact Week', actionType: 'actions-catalogue', ...body },
      admin,
    );
  }

  async function openChallenge(settings: unknown = defaultCatalogue): Promise<string> {
    const created = await createChallenge({
      actionSettings: settings,
      goal: { participants: 100 },
    });
    expect(created.status).toBe(201);
    await client.post(`/api/challenges/${created.body.id}/open`, undefined, admin);
    return created.body.id as string;
  }

  async function picks(challengeId: string): Promise<Record<string, number>> {
    const answer = await client.get(`/api/challenges/${challengeId}/actions`);
    expect(answer.status).toBe(200);
    return Object.fromEntries(
      answer.body.actions.map((a: { id: string; picks: number }) => [a.id, a.picks]),
    );
  }

  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [actionsCatalogue] });
    client = createTestClient(platform.app);
    admin = { token: platform.adminToken };
    const slug = `cat-${unique()}`;
    await client.post(
      '/api/organizations',
      { slug, name: 'Unis-Cité', kind: 'association' },
      admin,
    );
    campaignId = (
      await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Gestes' }, admin)
    ).body.id;
  });
  afterAll(() => platform?.stop());

  describe('the catalogue in the settings', () => {
    it('refuses an empty catalogue, a non-kebab id, an estimate without source, an unknown field', async () => {
      const cases: [unknown, string][] = [
        [{ actions: [] }, 'actionSettings/actions'],
        [
          { actions: [{ id: 'Tap_Water', title: { fr: 'a', en: 'a' } }] },
          'actionSettings/actions/0/id',
        ],
        [
          { actions: [{ id: 'tap-water', title: { fr: 'a', en: 'a' }, co2eKgPerYear: 215 }] },
          'actionSettings/actions/0',
        ],
        [
          { actions: [{ id: 'tap-water', title: { fr: 'a', en: 'a' }, points: 3 }] },
          'actionSettings/actions/0/points',
        ],
        [
          { actions: [{ id: 'tap-water', title: { fr: 'a', en: 'a' }, category: 'sport' }] },
          'actionSettings/actions/0/category',
        ],
      ];
      for (const [settings, path] of cases) {
        const refused = await createChallenge({
          actionSettings: settings,
          goal: { participants: 5 },
        });
        expect(refused.status, path).toBe(400);
        expect(refused.body.message, path).toContain(path);
      }
    });
  });

  describe('pledges', () => {
    it('refuses picks outside the catalogue, naming details, and a pledge that picks nothing', async () => {
      const id = await openChallenge();
      const unknown = await client.post(`/api/challenges/${id}/pledges`, {
        email: `u-${unique()}@example.org`,
        details: { actions: ['tap-water', 'fly-less'] },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(unknown.body.details[0].path).toBe('details');
      expect(unknown.body.message).toContain('"fly-less"');
      expect(unknown.body.message).not.toContain('"tap-water"');

      const none = await client.post(`/api/challenges/${id}/pledges`, {
        email: `u-${unique()}@example.org`,
      });
      expect(none.status).toBe(400);
      expect(none.body.message).toContain('details/actions');

      const twice = await client.post(`/api/challenges/${id}/pledges`, {
        email: `u-${unique()}@example.org`,
        details: { actions: ['tap-water', 'tap-water'] },
      });
      expect(twice.status).toBe(400);
      expect(twice.body.message).toContain('details/actions');
    });

    it('refuses a challenge whose catalogue repeats an id, naming it', async () => {
      const repeated = {
        actions: [
          { id: 'tap-water', title: { fr: 'Eau', en: 'Water' } },
          { id: 'tap-water', title: { fr: 'Eau 2', en: 'Water 2' } },
        ],
      };
      const refused = await createChallenge({
        actionSettings: repeated,
        goal: { participants: 100 },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/^actionSettings/);
      expect(refused.body.message).toContain('actions/1/id "tap-water" appears twice');
    });
  });

  describe('how many people picked each action', () => {
    it('follows confirmations, withdrawals and a revived pledge that picks differently', async () => {
      const id = await openChallenge();
      const [a, b, c] = [1, 2, 3].map((n) => `picker-${n}-${unique()}@example.org`) as [
        string,
        string,
        string,
      ];
      await client.pledgeAndConfirm(id, a, { details: { actions: ['tap-water', 'stop-pub'] } });
      const pledgeB = await client.pledgeAndConfirm(id, b, { details: { actions: ['tap-water'] } });
      await client.pledgeAndConfirm(id, c, { details: { actions: ['led-bulbs'] } });
      // A pending pledge never counts.
      await client.post(`/api/challenges/${id}/pledges`, {
        email: `pending-${unique()}@example.org`,
        details: { actions: ['tap-water'] },
      });
      await platform.settle();
      let counts = await picks(id);
      expect(counts).toMatchObject({
        'tap-water': 2,
        'stop-pub': 1,
        'led-bulbs': 1,
        'standby-off': 0,
      });
      expect(Object.keys(counts)).toEqual(defaultCatalogue.actions.map((x) => x.id));

      const sessionB = await client.signIn(b);
      expect((await client.delete(`/api/pledges/${pledgeB}`, { token: sessionB })).status).toBe(
        200,
      );
      await platform.settle();
      counts = await picks(id);
      expect(counts['tap-water']).toBe(1);

      const revived = await client.post(
        `/api/challenges/${id}/pledges`,
        { details: { actions: ['led-bulbs', 'standby-off'] } },
        { token: sessionB },
      );
      expect(revived.status).toBe(201);
      expect(revived.body.id).toBe(pledgeB);
      await platform.settle();
      counts = await picks(id);
      expect(counts).toMatchObject({
        'tap-water': 1,
        'stop-pub': 1,
        'led-bulbs': 2,
        'standby-off': 1,
      });
    });

    it('counts once however often and in whatever order events are delivered', async () => {
      const id = await openChallenge();
      const emails = [1, 2, 3, 4].map((n) => `replay-${n}-${unique()}@example.org`);
      const pledgeIds: string[] = [];
      for (const email of emails) {
        pledgeIds.push(
          await client.pledgeAndConfirm(id, email, { details: { actions: ['carpool-commute'] } }),
        );
      }
      const withdrawer = emails[0] as string;
      await client.delete(`/api/pledges/${pledgeIds[0]}`, {
        token: await client.signIn(withdrawer),
      });
      await platform.settle();
      expect((await picks(id))['carpool-commute']).toBe(3);

      const rows = await platform.db.query<{
        seq: string;
        id: string;
        type: string;
        challenge_id: string;
        organization_id: string;
        payload: Record<string, unknown>;
        created_at: Date;
      }>(
        `select seq, id, type, challenge_id, organization_id, payload, created_at
           from outbox_event where challenge_id = ? and type like 'pledge.%' order by seq`,
        [id],
      );
      const events: OutboxEvent[] = rows.map((row) => ({
        id: row.id,
        seq: Number(row.seq),
        type: row.type,
        challengeId: row.challenge_id,
        organizationId: row.organization_id,
        payload: row.payload,
        createdAt: new Date(row.created_at),
      }));
      expect(events.length).toBe(5);
      // Twice in order, once backwards (the withdrawal before its confirmation), then all at once.
      for (const event of [...events, ...events, ...[...events].reverse()]) {
        await platform.dispatcher.deliver('actions-catalogue', event);
      }
      await Promise.all(
        events.map((event) => platform.dispatcher.deliver('actions-catalogue', event)),
      );
      expect((await picks(id))['carpool-commute']).toBe(3);
    });

    it('ignores pledge events of other action types', async () => {
      const other = await client.post(
        `/api/campaigns/${campaignId}/challenges`,
        { title: 'Pledge only', actionType: 'pledge-only', goal: { participants: 10 } },
        admin,
      );
      await client.post(`/api/challenges/${other.body.id}/open`, undefined, admin);
      await client.pledgeAndConfirm(other.body.id, `other-${unique()}@example.org`);
      await platform.settle();
      const [row] = await platform.db.query<{ n: number }>(
        'select count(*)::int as n from actions_catalogue_pledge where challenge_id = ?',
        [other.body.id],
      );
      expect(row?.n).toBe(0);
      const notACatalogue = await client.get(`/api/challenges/${other.body.id}/actions`);
      expect(notACatalogue.status).toBe(404);
    });

    it('hides a draft catalogue from the public', async () => {
      const created = await createChallenge({
        actionSettings: defaultCatalogue,
        goal: { participants: 5 },
      });
      expect((await client.get(`/api/challenges/${created.body.id}/actions`)).status).toBe(404);
      expect((await client.get(`/api/challenges/${created.body.id}/actions`, admin)).status).toBe(
        200,
      );
    });
  });

  describe('"I did it" reports', () => {
    it('count one action each, with a day’s share of the yearly estimate', async () => {
      const id = await openChallenge();
      const email = `doer-${unique()}@example.org`;
      await client.pledgeAndConfirm(id, email, { details: { actions: ['tap-water'] } });
      const me = { token: await client.signIn(email) };
      const done = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { action: 'tap-water' } },
        me,
      );
      expect(done.status).toBe(201);
      expect(done.body.quantity).toBe(1);
      expect(done.body.unit).toBe('action');
      expect(done.body.impact.co2eKg).toBeCloseTo(215 / 365, 5);
      expect(done.body.impact.source).toContain('ADEME');

      const unsourced = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { action: 'reusable-cup' } },
        me,
      );
      expect(unsourced.status).toBe(201);
      expect(unsourced.body.impact.co2eKg).toBe(0);

      const unknown = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { action: 'fly-less' } },
        me,
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain('"fly-less"');
      expect(unknown.body.details[0].path).toBe('details/action');
      const extra = await client.post(
        `/api/challenges/${id}/contributions`,
        { details: { action: 'tap-water', date: '2026-11-01' } },
        me,
      );
      expect(extra.status).toBe(400);
      expect(extra.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');

      const progress = (await client.get(`/api/challenges/${id}`)).body.progress;
      expect(progress.quantity).toBe(2);
      expect(progress.participants).toBe(1);
    });

    it('count an action once per person and day, however often it is reported', async () => {
      const id = await openChallenge();
      const email = `doer-${unique()}@example.org`;
      await client.pledgeAndConfirm(id, email, { details: { actions: ['tap-water'] } });
      const me = { token: await client.signIn(email) };
      const report = () =>
        client.post(
          `/api/challenges/${id}/contributions`,
          { details: { action: 'tap-water' } },
          me,
        );
      const racing = await Promise.all(Array.from({ length: 12 }, () => report()));
      expect(racing.filter((a) => a.status === 201)).toHaveLength(1);
      expect(new Set(racing.filter((a) => a.status !== 201).map((a) => a.body.error))).toEqual(
        new Set(['TANDEM_CONTRIBUTION_ALREADY_COUNTED']),
      );
      expect((await client.get(`/api/challenges/${id}`)).body.progress.quantity).toBe(1);
    });
  });

  describe('personal data', () => {
    it("exports a pledge's picks; after erasure they still count, even on replayed events, and move if she comes back", async () => {
      const id = await openChallenge();
      const email = `picker-${unique()}@example.org`;
      await client.pledgeAndConfirm(id, email, { details: { actions: ['tap-water', 'stop-pub'] } });
      await platform.settle();
      const session = { token: await client.signIn(email) };
      const exported = await client.get('/api/me/export', session);
      expect(exported.body.plugins['actions-catalogue']).toEqual({
        picks: [expect.objectContaining({ challengeId: id, actions: ['stop-pub', 'tap-water'] })],
      });

      expect((await client.delete('/api/me', session)).status).toBe(200);
      const rows = await platform.db.query<{
        id: string;
        type: string;
        payload: Record<string, unknown>;
        created_at: Date;
      }>(
        `select id, type, payload, created_at from outbox_event
          where challenge_id = ? and type like 'pledge.%' order by seq`,
        [id],
      );
      for (const row of rows) {
        await platform.dispatcher.deliver('actions-catalogue', {
          id: row.id,
          seq: 0,
          type: row.type,
          challengeId: id,
          organizationId: null,
          payload: row.payload,
          createdAt: new Date(row.created_at),
        });
      }
      expect(await picks(id)).toMatchObject({ 'tap-water': 1, 'stop-pub': 1 });

      await client.pledgeAndConfirm(id, email, { details: { actions: ['tap-water'] } });
      await platform.settle();
      expect(await picks(id)).toMatchObject({ 'tap-water': 1, 'stop-pub': 0 });
    });
  });
});
