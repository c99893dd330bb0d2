/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { generateSecretKey } from '../keyring.js';
import { createPlatform, type Platform } from '../platform.js';
import { getCampaign, getChallenge } from '../services/challenges.js';
import { anonymous } from '../services/context.js';
import { createTestClient, type TestClient } from '../testing/client.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { startTestPlatform, type TestPlatform } from '../testing/platform.js';
import { deleteKeys, testRedisUrl } from '../testing/redis.js';
import { newOrganization, openChallenge, setUpClichy } from '../testing/scenarios.js';

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** Long enough that only an event or a local write can refresh a cached view in these tests. */
const LONG_CACHE = { TANDEM_VIEW_CACHE_MS: '60000' };

describe('cached views, in one process', () => {
  let platform: TestPlatform;
  let client: TestClient;
  const now = new Date();
  beforeAll(async () => {
    platform = await startTestPlatform({ env: LONG_CACHE, now: () => now });
    client = createTestClient(platform.app);
  });
  afterAll(() => platform?.stop());

  it('serializes every field the uncached view holds', async () => {
    const { campaignId, challengeId } = await setUpClichy(client, platform.adminToken, {
      participants: 3,
    });
    const admin = { token: platform.adminToken };
    const tiered = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      {
        title: 'Tiered',
        description: 'With stretch goals',
        actionType: 'pledge-only',
        actionSettings: {},
        tiers: [
          { goal: { participants: 1 }, counterpart: { kind: 'act', description: 'A shelter' } },
          { goal: { participants: 5 }, counterpart: { kind: 'act', description: 'A second' } },
        ],
        deadline: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
      },
      admin,
    );
    expect(tiered.status).toBe(201);
    expect(
      (await client.post(`/api/challenges/${tiered.body.id}/open`, undefined, admin)).status,
    ).toBe(200);
    await client.pledgeAndConfirm(tiered.body.id, `tiered-${unique()}@example.org`);
    await platform.settle();
    const tierId = tiered.body.tiers[0].id as string;
    const fulfilled = await client.post(
      `/api/challenges/${tiered.body.id}/tiers/${tierId}/fulfill`,
      { proof: { text: 'Built', url: 'https://example.org/proof' } },
      admin,
    );
    expect(fulfilled.status).toBe(200);

    for (const id of [challengeId, tiered.body.id as string]) {
      const expected = JSON.parse(JSON.stringify(await getChallenge(platform.ctx, anonymous, id)));
      const first = await client.get(`/api/challenges/${id}`);
      const cached = await client.get(`/api/challenges/${id}`);
      expect(first.body).toEqual(expected);
      expect(cached.body).toEqual(expected);
      expect(cached.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    const tieredView = (await client.get(`/api/challenges/${tiered.body.id}`)).body;
    expect(tieredView.progress.forecast).not.toBeNull();
    expect(tieredView.tiers[0].proof).toEqual({ text: 'Built', url: 'https://example.org/proof' });

    const expected = JSON.parse(
      JSON.stringify(await getCampaign(platform.ctx, anonymous, campaignId)),
    );
    expect((await client.get(`/api/campaigns/${campaignId}`)).body).toEqual(expected);
    expect((await client.get(`/api/campaigns/${campaignId}`)).body).toEqual(expected);
  });

  it('shows a write answered by this process to the next read', async () => {
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 50 });
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress.participants).toBe(0);
    for (let n = 1; n <= 3; n++) {
      const token = await client.signIn(`reader-${n}-${unique()}@example.org`);
      const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
      expect(pledged.status).toBe(201);
      // No settle, no wait: the very next read.
      const read = await client.get(`/api/challenges/${challengeId}`);
      expect(read.body.progress.participants).toBe(n);
    }
    const [recount] = await platform.db.query<{ n: number }>(
      "select count(*)::int as n from pledge where challenge_id = ? and status = 'confirmed'",
      [challengeId],
    );
    expect(recount?.n).toBe(3);
  });

  it('never shows a draft, nor a members-only campaign, to those who may not see it', async () => {
    const admin = { token: platform.adminToken };
    const draft = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Draft', actionType: 'pledge-only', goal: { participants: 5 } },
      { open: false },
    );
    // The admin's read fills the cache first.
    expect((await client.get(`/api/challenges/${draft.challengeId}`, admin)).status).toBe(200);
    expect((await client.get(`/api/challenges/${draft.challengeId}`)).status).toBe(404);
    expect((await client.get(`/api/challenges/${draft.challengeId}`, admin)).status).toBe(200);
    // The campaign: the admin sees the draft, then anyone else does not.
    expect(
      (await client.get(`/api/campaigns/${draft.campaignId}`, admin)).body.challenges,
    ).toHaveLength(1);
    expect((await client.get(`/api/campaigns/${draft.campaignId}`)).body.challenges).toHaveLength(
      0,
    );
    expect(
      (await client.get(`/api/campaigns/${draft.campaignId}`, admin)).body.challenges,
    ).toHaveLength(1);

    const org = await newOrganization(client, platform.adminToken);
    const members = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Inside', actionType: 'pledge-only', goal: { participants: 5 } },
      { organization: org.slug, campaign: { title: 'Members', audience: { type: 'members' } } },
    );
    expect((await client.get(`/api/challenges/${members.challengeId}`, admin)).status).toBe(200);
    expect((await client.get(`/api/campaigns/${members.campaignId}`)).status).toBe(401);
    expect((await client.get(`/api/challenges/${members.challengeId}`)).status).toBe(401);
    const outsider = await client.signIn(`outsider-${unique()}@example.org`);
    expect(
      (await client.get(`/api/challenges/${members.challengeId}`, { token: outsider })).status,
    ).toBe(403);
    expect(
      (await client.get(`/api/campaigns/${members.campaignId}`, { token: outsider })).status,
    ).toBe(403);
  });

  it('gives API answers the security headers of every answer, without page nonces', async () => {
    const page = await platform.app.inject({ method: 'GET', url: '/docs/json' });
    const security = Object.keys(page.headers).filter(
      (name) => !['content-type', 'content-length', 'date', 'connection'].includes(name),
    );
    expect(security).toContain('content-security-policy');
    expect(security).toContain('x-frame-options');
    const withoutNonces = String(page.headers['content-security-policy']).replace(
      / 'nonce-[0-9a-f]+'/g,
      '',
    );
    for (let round = 0; round < 2; round++) {
      const api = await platform.app.inject({ method: 'GET', url: '/api/health' });
      for (const name of security) {
        expect(api.headers[name], name).toBe(
          name === 'content-security-policy' ? withoutNonces : page.headers[name],
        );
      }
    }
  });

  it('lets shared caches keep a public challenge a few seconds, never a members-only one', async () => {
    const open = await openChallenge(client, platform.adminToken, {
      title: 'Crowd',
      actionType: 'pledge-only',
      goal: { participants: 5 },
    });
    const read = () =>
      platform.app.inject({ method: 'GET', url: `/api/challenges/${open.challengeId}` });
    for (const answer of [await read(), await read()]) {
      expect(answer.headers['cache-control']).toBe('public, max-age=5, stale-while-revalidate=30');
    }
    const org = await newOrganization(client, platform.adminToken);
    const members = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Inside', actionType: 'pledge-only', goal: { participants: 5 } },
      { organization: org.slug, campaign: { title: 'Members', audience: { type: 'members' } } },
    );
    const inside = await platform.app.inject({
      method: 'GET',
      url: `/api/challenges/${members.challengeId}`,
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(inside.statusCode).toBe(200);
    expect(inside.headers['cache-control']).toBe('private, no-cache');
  });

  it('answers 404 for a challenge that does not exist, and keeps no trace of it', async () => {
    const read = await client.get('/api/challenges/chl_nothing_here');
    expect(read.status).toBe(404);
    expect(read.body.error).toBe('TANDEM_NOT_FOUND');
    expect((await client.get('/api/campaigns/cmp_nothing_here')).status).toBe(404);
  });
});

/** A platform as `tandem serve` makes it, on a shared database and Redis. */
async function launch(options: {
  databaseUrl: string;
  adminToken: string;
  secretKey: string;
  queuePrefix: string;
  runJobs: boolean;
  migrate: boolean;
}): Promise<Platform> {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    TANDEM_SECRET_KEY: options.secretKey,
    TANDEM_ADMIN_TOKEN: options.adminToken,
    TANDEM_DEV_MAILBOX: '1',
    TANDEM_RATE_LIMIT_PER_IP: '0',
    TANDEM_RATE_LIMIT_PER_EMAIL: '0',
    TANDEM_PUBLIC_URL: 'http://tandem.test',
    REDIS_URL: testRedisUrl(),
    ...LONG_CACHE,
  });
  const platform = await createPlatform({
    config,
    migrate: options.migrate,
    runJobs: options.runJobs,
    queuePrefix: options.queuePrefix,
  });
  await platform.start();
  return platform;
}

describe('cached views, across processes sharing PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let writer: Platform;
  let reader: Platform;
  const adminToken = `views-admin-${unique()}`;
  const queuePrefix = `views-${unique()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    const common = {
      databaseUrl: database.url,
      adminToken,
      secretKey: generateSecretKey(),
      queuePrefix,
    };
    writer = await launch({ ...common, runJobs: true, migrate: true });
    reader = await launch({ ...common, runJobs: false, migrate: false });
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await deleteKeys(queuePrefix);
    await database?.drop();
  });

  async function busListeners(): Promise<number> {
    const probe = new Redis(testRedisUrl());
    try {
      const [, count] = (await probe.pubsub('NUMSUB', `${queuePrefix}:live`)) as [string, number];
      return Number(count);
    } finally {
      probe.disconnect();
    }
  }

  /** Reads on `platform` until `accept` holds; answers how long it took (ms). */
  async function readUntil(
    client: TestClient,
    url: string,
    accept: (body: any) => boolean,
    timeoutMs = 5000,
  ): Promise<number> {
    const started = performance.now();
    for (;;) {
      const answer = await client.get(url);
      if (accept(answer.body)) return performance.now() - started;
      if (performance.now() - started > timeoutMs) {
        throw new Error(`still ${JSON.stringify(answer.body.progress)} after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('shows a confirmation on one process to a read on the other within 1 s', async () => {
    const writing = createTestClient(writer.app);
    const reading = createTestClient(reader.app);
    // A process listens on the bus from its first read, not before.
    expect(await busListeners()).toBe(0);
    const { challengeId } = await setUpClichy(writing, adminToken, { participants: 2 });
    const url = `/api/challenges/${challengeId}`;
    await reading.get(url);
    await vi.waitFor(async () => expect(await busListeners()).toBeGreaterThanOrEqual(1));
    // The reader caches the challenge before each confirmation.
    for (let n = 1; n <= 2; n++) {
      expect((await reading.get(url)).body.progress.participants).toBe(n - 1);
      expect((await reading.get(url)).body.progress.participants).toBe(n - 1);
      await writing.pledgeAndConfirm(challengeId, `far-${n}-${unique()}@example.org`);
      expect((await writing.get(url)).body.progress.participants).toBe(n);
      const waited = await readUntil(reading, url, (body) => body.progress.participants === n);
      expect(waited).toBeLessThan(1000);
    }
    // The unlock, written by the writer's evaluation job, reaches the reader too.
    const waited = await readUntil(reading, url, (body) => body.status === 'succeeded');
    expect(waited).toBeLessThan(5000);
    const unlocked = (await reading.get(url)).body.tiers[0].unlockedAt;
    expect(unlocked).toEqual(expect.any(String));
    // The reader answered from its cache in between.
    expect(reader.ctx.views?.stats().hits).toBeGreaterThan(0);
  });
});
