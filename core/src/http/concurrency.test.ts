import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Requests that race (API.md, "Who counts" and "Lifecycle"): confirmations
 * fired at once are all answered, every person counts once, and a tier
 * unlocks exactly once however many writers cross its goal together.
 */

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

const unlockCount = async (challengeId: string): Promise<number> => {
  const [row] = await platform.db.query<{ n: number }>(
    'select count(*)::int as n from unlock where challenge_id = ?',
    [challengeId],
  );
  return row?.n ?? -1;
};

/** Pledges anonymously as each address and returns the mailed confirmation tokens. */
async function pendingPledges(challengeId: string, emails: string[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const email of emails) {
    const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, { email });
    expect(pledged.status).toBe(202);
    tokens.push(await client.mailedToken(email, 'pledge-confirmation'));
  }
  return tokens;
}

describe('concurrent confirmations', () => {
  it('counts 150 confirmations fired at once and unlocks a goal of 100 exactly once', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 100 });
    const run = unique();
    const emails = Array.from({ length: 150 }, (_, i) => `rush-${run}-${i}@example.org`);
    const tokens = await pendingPledges(challengeId, emails);
    expect(new Set(tokens).size).toBe(150);

    const answers = await Promise.all(
      tokens.map((token) => client.post('/api/pledges/confirm', { token })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const ids = answers.map((a) => a.body.id as string);
    expect(new Set(ids).size).toBe(150);

    await platform.settle();
    const challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.progress.participants).toBe(150);
    expect(challenge.status).toBe('succeeded');
    expect(
      challenge.tiers.filter((t: { unlockedAt: string | null }) => t.unlockedAt !== null),
    ).toHaveLength(1);
    expect(await unlockCount(challengeId)).toBe(1);
    const [confirmed] = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from pledge where challenge_id = ? and status = 'confirmed'`,
      [challengeId],
    );
    expect(confirmed?.n).toBe(150);
  });

  it('answers the same token confirmed 10 times at once with 200 each, counting 1', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const [token] = await pendingPledges(challengeId, [`same-${unique()}@example.org`]);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => client.post('/api/pledges/confirm', { token })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const ids = new Set(answers.map((a) => a.body.id as string));
    expect(ids.size).toBe(1);
    await platform.settle();
    const challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.progress.participants).toBe(1);
  });

  it('counts one person once when two spellings of their address confirm at once', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const local = `twin-${unique()}`;
    const tokens = await pendingPledges(challengeId, [
      `${local}+a@example.org`,
      `${local.toUpperCase()}+b@EXAMPLE.org`,
    ]);
    const answers = await Promise.all(
      tokens.map((token) => client.post('/api/pledges/confirm', { token })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]?.body.id).toBe(answers[1]?.body.id);
    await platform.settle();
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress.participants).toBe(1);
  });
});

describe('concurrent signed-in pledges', () => {
  it('answers one 201 and 200s with the same id to one session pledging 10 times at once', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const token = await client.signIn(`eager-${unique()}@example.org`);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.post(`/api/challenges/${challengeId}/pledges`, {}, { token }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id as string)).size).toBe(1);
    await platform.settle();
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress.participants).toBe(1);
  });

  it('unlocks once when the last pledges of a small goal arrive together', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 3 });
    const sessions: string[] = [];
    for (let i = 0; i < 6; i++) sessions.push(await client.signIn(`crowd-${unique()}@example.org`));
    const answers = await Promise.all(
      sessions.map((token) => client.post(`/api/challenges/${challengeId}/pledges`, {}, { token })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    await platform.settle();
    const challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.progress.participants).toBe(6);
    expect(challenge.status).toBe('succeeded');
    expect(await unlockCount(challengeId)).toBe(1);
  });

  it('keeps the count right when withdrawals and pledges race', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 50 });
    const stayers: string[] = [];
    const leavers: { token: string; pledgeId: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const token = await client.signIn(`leaver-${unique()}@example.org`);
      const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
      leavers.push({ token, pledgeId: pledged.body.id });
      stayers.push(await client.signIn(`stayer-${unique()}@example.org`));
    }
    const answers = await Promise.all([
      ...leavers.map(({ token, pledgeId }) => client.delete(`/api/pledges/${pledgeId}`, { token })),
      ...stayers.map((token) =>
        client.post(`/api/challenges/${challengeId}/pledges`, {}, { token }),
      ),
    ]);
    expect(answers.map((a) => a.status)).toEqual([...Array(5).fill(200), ...Array(5).fill(201)]);
    await platform.settle();
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress.participants).toBe(5);
  });
});

describe('concurrent idempotent requests', () => {
  it('creates one organization when the same Idempotency-Key races', async () => {
    const slug = `org-${unique()}`;
    const headers = { 'Idempotency-Key': `race-${unique()}` };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.post(
          '/api/organizations',
          { slug, name: 'Race', kind: 'network' },
          {
            ...admin,
            headers,
          },
        ),
      ),
    );
    const statuses = answers.map((a) => a.status);
    // The first answer, its replays, or "still running" (409): never a second organization.
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const answer of created) expect(answer.body).toEqual(created[0]?.body);
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.body.error).toBe('TANDEM_IDEMPOTENCY_IN_PROGRESS');
    }
    const [row] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from organization where slug = ?',
      [slug],
    );
    expect(row?.n).toBe(1);
  });
});
