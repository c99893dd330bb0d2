import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tandem/core/testing';
import { httpClient } from './http-client.js';
import { buildOnce, startTandem, type RunningTandem } from './process.js';

/** Polls until `check` passes or the time is up ("within a few seconds", API.md). */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runClichy(tandem: RunningTandem, adminToken: string): Promise<void> {
  const api = httpClient(tandem.url);
  const slug = `clichy-${Date.now().toString(36)}`;
  expect(
    (await api.post('/api/organizations', { slug, name: 'Clichy', kind: 'city' }, adminToken))
      .status,
  ).toBe(201);
  const beneficiary = await api.post(
    `/api/organizations/${slug}/beneficiaries`,
    { name: 'Solicycle' },
    adminToken,
  );
  expect(beneficiary.status).toBe(201);
  const campaign = await api.post(
    `/api/organizations/${slug}/campaigns`,
    { title: 'Vélo', audience: { type: 'public' } },
    adminToken,
  );
  expect(campaign.status).toBe(201);
  const challenge = await api.post(
    `/api/campaigns/${campaign.body.id}/challenges`,
    {
      title: 'À vélo',
      actionType: 'pledge-only',
      goal: { participants: 200 },
      counterpart: {
        kind: 'donation',
        amount: { value: 5000, currency: 'EUR' },
        beneficiaryId: beneficiary.body.id,
      },
    },
    adminToken,
  );
  expect(challenge.status).toBe(201);
  const id = challenge.body.id as string;
  expect((await api.post(`/api/challenges/${id}/open`, undefined, adminToken)).status).toBe(200);

  const email = (i: number) => `resident${i}@clichy.example`;
  for (let i = 1; i <= 199; i++) await api.pledgeAndConfirm(id, email(i));
  // Give a wrongly eager unlock time to show itself before asserting it did not happen.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  let state = (await api.get(`/api/challenges/${id}`)).body;
  expect(state.status).toBe('open');
  expect(state.progress.participants).toBe(199);
  expect(state.tiers.filter((t: { unlockedAt: unknown }) => t.unlockedAt)).toHaveLength(0);

  await api.pledgeAndConfirm(id, email(200));
  state = await eventually(
    async () => (await api.get(`/api/challenges/${id}`)).body,
    (s) => s.status === 'succeeded',
  );
  expect(state.status).toBe('succeeded');
  expect(state.progress.participants).toBe(200);
  expect(state.tiers.filter((t: { unlockedAt: unknown }) => t.unlockedAt)).toHaveLength(1);

  await api.pledgeAndConfirm(id, email(201));
  state = await eventually(
    async () => (await api.get(`/api/challenges/${id}`)).body,
    (s) => s.progress.participants === 201,
  );
  expect(state.progress.participants).toBe(201);
  expect(state.status).toBe('succeeded');
  expect(state.tiers.filter((t: { unlockedAt: unknown }) => t.unlockedAt)).toHaveLength(1);
}

describe('tandem start, as a newcomer runs it', () => {
  beforeAll(() => buildOnce(), 300_000);

  describe('on the embedded PostgreSQL (no DATABASE_URL)', () => {
    const adminToken = `e2e-admin-${Date.now()}-token`;
    let tandem: RunningTandem;
    beforeAll(async () => {
      tandem = await startTandem('start', { TANDEM_ADMIN_TOKEN: adminToken });
    }, 120_000);
    afterAll(() => tandem?.stop());

    it('serves the seeded demo organization and its pages', async () => {
      const api = httpClient(tandem.url);
      const demo = await api.get('/api/organizations/demo');
      expect(demo.status).toBe(200);
      const campaign = await api.get(`/api/campaigns/${demo.body.campaigns[0].id}`);
      expect(campaign.body.challenges[0].progress.participants).toBeGreaterThan(0);
      const page = await fetch(`${tandem.url}/o/demo`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Ville de Démo');
    });

    it('runs the Clichy scenario of API.md with default rate limits', async () => {
      await runClichy(tandem, adminToken);
    }, 180_000);
  });

  describe('on an external PostgreSQL (DATABASE_URL)', () => {
    const adminToken = `e2e-admin-${Date.now()}-token`;
    let database: TestDatabase;
    let tandem: RunningTandem;
    beforeAll(async () => {
      database = await createTestDatabase('external');
      tandem = await startTandem('start', {
        TANDEM_ADMIN_TOKEN: adminToken,
        DATABASE_URL: database.url,
      });
    }, 120_000);
    afterAll(async () => {
      await tandem?.stop();
      await database?.drop();
    });

    it('runs the Clichy scenario of API.md', async () => {
      await runClichy(tandem, adminToken);
    }, 180_000);
  });
});
