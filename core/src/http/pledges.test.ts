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
 * Pledges through the HTTP API (API.md, "Who counts", "Lifecycle" and the
 * pledge rows of "Resources"): one pledge per person whatever the spelling
 * of their address, confirmation tokens, sessions, withdrawal and revival,
 * and what a close or an unlock means for them.
 */

const someone = () => `p-${unique()}@example.org`;

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

/** A fresh opened pledge-only challenge with goal `participants`. */
async function newChallenge(participants = 50): Promise<string> {
  const { challengeId } = await setUpClichy(client, admin.token, { participants });
  return challengeId;
}

async function read(challengeId: string) {
  const response = await client.get(`/api/challenges/${challengeId}`);
  expect(response.status).toBe(200);
  return response.body;
}

const participants = async (challengeId: string): Promise<number> =>
  (await read(challengeId)).progress.participants;

async function pledgeRows(challengeId: string) {
  return platform.db.query<{ id: string; status: string; participant_id: string }>(
    'select id, status, participant_id from pledge where challenge_id = ? order by id',
    [challengeId],
  );
}

describe('one person, one pledge', () => {
  it('counts Jane.Doe+x@Example.org and jane.doe@example.org once', async () => {
    const challengeId = await newChallenge();
    const tag = unique();
    const local = `jane.doe.${tag}`;
    const first = await client.pledgeAndConfirm(challengeId, `Jane.Doe.${tag}+x@Example.org`);
    const second = await client.post(`/api/challenges/${challengeId}/pledges`, {
      email: `${local}@example.org`,
    });
    // No probing of who pledged: the second pledge is answered like any other.
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ status: 'pending' });
    const token = await client.mailedToken(`${local}@example.org`, 'pledge-confirmation');
    const confirmed = await client.post('/api/pledges/confirm', { token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ id: first, status: 'confirmed' });

    await platform.settle();
    expect(await participants(challengeId)).toBe(1);
    const rows = await pledgeRows(challengeId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first, status: 'confirmed' });
    const people = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from participant where canonical_email = ?',
      [`${local}@example.org`],
    );
    expect(people[0]?.n).toBe(1);
  });

  it('counts gmail addresses with and without dots once', async () => {
    const challengeId = await newChallenge();
    const name = `jane${unique()}`;
    const dotted = `${name.slice(0, 2)}.${name.slice(2)}@googlemail.com`;
    const first = await client.pledgeAndConfirm(challengeId, dotted);
    const second = await client.pledgeAndConfirm(challengeId, `${name}@gmail.com`);
    expect(second).toBe(first);
    expect(await participants(challengeId)).toBe(1);
  });

  it('counts two different people twice', async () => {
    const challengeId = await newChallenge();
    const a = await client.pledgeAndConfirm(challengeId, someone());
    const b = await client.pledgeAndConfirm(challengeId, someone());
    expect(a).not.toBe(b);
    expect(await participants(challengeId)).toBe(2);
  });
});

describe('confirmation tokens', () => {
  it('answers a token already used with 200 and the same id, counting once', async () => {
    const challengeId = await newChallenge();
    const email = someone();
    expect((await client.post(`/api/challenges/${challengeId}/pledges`, { email })).status).toBe(
      202,
    );
    expect(await participants(challengeId)).toBe(0);
    const token = await client.mailedToken(email, 'pledge-confirmation');
    const first = await client.post('/api/pledges/confirm', { token });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: expect.any(String), status: 'confirmed' });
    const again = await client.post('/api/pledges/confirm', { token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await participants(challengeId)).toBe(1);
  });

  it('answers an unknown token with 404 TANDEM_NOT_FOUND', async () => {
    const unknown = await client.post('/api/pledges/confirm', { token: `t${unique()}${unique()}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('TANDEM_NOT_FOUND');
  });

  it('does not take a sign-in token as a pledge confirmation', async () => {
    const email = someone();
    await client.post('/api/auth/magic-link', { email });
    const token = await client.mailedToken(email, 'sign-in');
    const refused = await client.post('/api/pledges/confirm', { token });
    expect(refused.status).toBe(404);
  });

  it('leaves a pledge pending, and uncounted, until it is confirmed', async () => {
    const challengeId = await newChallenge();
    const email = someone();
    await client.post(`/api/challenges/${challengeId}/pledges`, { email });
    const rows = await pledgeRows(challengeId);
    expect(rows.map((r) => r.status)).toEqual(['pending']);
    await platform.settle();
    expect(await participants(challengeId)).toBe(0);
  });
});

describe('pledging with a session', () => {
  it('answers 201 first, then 200 with the same id', async () => {
    const challengeId = await newChallenge();
    const email = someone();
    const token = await client.signIn(email);
    const first = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.any(String), status: 'confirmed' });
    const second = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      { displayName: 'Jane' },
      { token },
    );
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await participants(challengeId)).toBe(1);

    // The same person pledging by mail lands on the same pledge.
    const byMail = await client.pledgeAndConfirm(challengeId, email.toUpperCase());
    expect(byMail).toBe(first.body.id);
    expect(await participants(challengeId)).toBe(1);
  });

  it('confirms a pending mail pledge when the person then pledges signed in', async () => {
    const challengeId = await newChallenge();
    const email = someone();
    await client.post(`/api/challenges/${challengeId}/pledges`, { email });
    const token = await client.signIn(email);
    const signedIn = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
    expect(signedIn.status).toBe(201);
    const rows = await pledgeRows(challengeId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: signedIn.body.id, status: 'confirmed' });
    // The mailed token, used later, answers the same pledge without counting twice.
    const mailed = await client.mailedToken(email, 'pledge-confirmation');
    const confirmed = await client.post('/api/pledges/confirm', { token: mailed });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.id).toBe(signedIn.body.id);
    expect(await participants(challengeId)).toBe(1);
  });
});

describe('withdrawing', () => {
  it('lets the owner withdraw (participants drop) and pledge again (same pledge revived)', async () => {
    const challengeId = await newChallenge();
    await client.pledgeAndConfirm(challengeId, someone());
    const token = await client.signIn(someone());
    const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
    expect(pledged.status).toBe(201);
    expect(await participants(challengeId)).toBe(2);

    const withdrawn = await client.delete(`/api/pledges/${pledged.body.id}`, { token });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toEqual({ id: pledged.body.id, status: 'withdrawn' });
    await platform.settle();
    expect(await participants(challengeId)).toBe(1);

    // Withdrawing again changes nothing more.
    const twice = await client.delete(`/api/pledges/${pledged.body.id}`, { token });
    expect(twice.status).toBe(200);
    expect(twice.body.status).toBe('withdrawn');
    expect(await participants(challengeId)).toBe(1);

    const revived = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
    expect([200, 201]).toContain(revived.status);
    expect(revived.body).toEqual({ id: pledged.body.id, status: 'confirmed' });
    await platform.settle();
    expect(await participants(challengeId)).toBe(2);
    expect(await pledgeRows(challengeId)).toHaveLength(2);
  });

  it('revives a withdrawn pledge through a mailed confirmation too', async () => {
    const challengeId = await newChallenge();
    const email = someone();
    const pledgeId = await client.pledgeAndConfirm(challengeId, email);
    const token = await client.signIn(email);
    expect((await client.delete(`/api/pledges/${pledgeId}`, { token })).status).toBe(200);
    expect(await participants(challengeId)).toBe(0);
    const again = await client.pledgeAndConfirm(challengeId, email);
    expect(again).toBe(pledgeId);
    expect(await participants(challengeId)).toBe(1);
  });

  it('lets the owner of an anonymous pledge withdraw it once signed in (any spelling)', async () => {
    const challengeId = await newChallenge();
    const local = `owner-${unique()}`;
    const pledgeId = await client.pledgeAndConfirm(challengeId, `${local}+news@Example.org`);
    const token = await client.signIn(`${local}@example.org`);
    const withdrawn = await client.delete(`/api/pledges/${pledgeId}`, { token });
    expect(withdrawn.status).toBe(200);
    expect(await participants(challengeId)).toBe(0);
  });

  it("answers 404 to another participant's withdrawal, and 401 to an anonymous one", async () => {
    const challengeId = await newChallenge();
    const pledgeId = await client.pledgeAndConfirm(challengeId, someone());
    const other = await client.signIn(someone());
    const byOther = await client.delete(`/api/pledges/${pledgeId}`, { token: other });
    expect(byOther.status).toBe(404);
    expect(byOther.body.error).toBe('TANDEM_NOT_FOUND');
    const anonymous = await client.delete(`/api/pledges/${pledgeId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
    const unknown = await client.delete(`/api/pledges/plg_${unique()}`, { token: other });
    expect(unknown.status).toBe(404);
    expect(await participants(challengeId)).toBe(1);
    expect((await pledgeRows(challengeId))[0]?.status).toBe('confirmed');
  });

  it('does not let the platform admin token withdraw a participant pledge', async () => {
    const challengeId = await newChallenge();
    const pledgeId = await client.pledgeAndConfirm(challengeId, someone());
    const byAdmin = await client.delete(`/api/pledges/${pledgeId}`, admin);
    expect(byAdmin.status).toBe(403);
    expect(await participants(challengeId)).toBe(1);
  });
});

describe('closing', () => {
  it('refuses pledges after a manual close with 409', async () => {
    const challengeId = await newChallenge(5);
    await client.pledgeAndConfirm(challengeId, someone());
    const pendingEmail = someone();
    await client.post(`/api/challenges/${challengeId}/pledges`, { email: pendingEmail });
    const pendingToken = await client.mailedToken(pendingEmail, 'pledge-confirmation');
    const sessionEmail = someone();
    const session = await client.signIn(sessionEmail);
    const sessionPledge = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: session },
    );
    expect(sessionPledge.status).toBe(201);

    const closed = await client.post(`/api/challenges/${challengeId}/close`, undefined, admin);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('failed');
    expect(closed.body.closedAt).not.toBeNull();

    const anonymous = await client.post(`/api/challenges/${challengeId}/pledges`, {
      email: someone(),
    });
    expect(anonymous.status).toBe(409);
    expect(anonymous.body.error).toBe('TANDEM_CHALLENGE_CLOSED');
    const late = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: await client.signIn(someone()) },
    );
    expect(late.status).toBe(409);
    // A confirmation mailed before the close comes back too late.
    const confirm = await client.post('/api/pledges/confirm', { token: pendingToken });
    expect(confirm.status).toBe(409);
    // The pledges stay as they were.
    const withdraw = await client.delete(`/api/pledges/${sessionPledge.body.id}`, {
      token: session,
    });
    expect(withdraw.status).toBe(409);

    await platform.settle();
    const after = await read(challengeId);
    expect(after.status).toBe('failed');
    expect(after.progress.participants).toBe(2);
  });

  it('answers 409 to closing twice and 401/403 to closing without the role', async () => {
    const challengeId = await newChallenge(5);
    expect((await client.post(`/api/challenges/${challengeId}/close`)).status).toBe(401);
    const stranger = await client.signIn(someone());
    expect(
      (await client.post(`/api/challenges/${challengeId}/close`, undefined, { token: stranger }))
        .status,
    ).toBe(403);
    expect((await read(challengeId)).closedAt).toBeNull();
    expect(
      (await client.post(`/api/challenges/${challengeId}/close`, undefined, admin)).status,
    ).toBe(200);
    const again = await client.post(`/api/challenges/${challengeId}/close`, undefined, admin);
    expect(again.status).toBe(409);
  });

  it('succeeds on a manual close when the goal was reached', async () => {
    const challengeId = await newChallenge(2);
    await client.pledgeAndConfirm(challengeId, someone());
    await client.pledgeAndConfirm(challengeId, someone());
    await platform.settle();
    const closed = await client.post(`/api/challenges/${challengeId}/close`, undefined, admin);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('succeeded');
    expect(closed.body.tiers[0].unlockedAt).not.toBeNull();
  });
});

describe('unlocks', () => {
  it('keeps an unlock when a pledge is withdrawn afterwards', async () => {
    const challengeId = await newChallenge(2);
    const tokens = [await client.signIn(someone()), await client.signIn(someone())];
    const ids: string[] = [];
    for (const token of tokens) {
      const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, {}, { token });
      expect(pledged.status).toBe(201);
      ids.push(pledged.body.id);
    }
    await platform.settle();
    const unlocked = await read(challengeId);
    expect(unlocked.status).toBe('succeeded');
    const unlockedAt = unlocked.tiers[0].unlockedAt;
    expect(unlockedAt).not.toBeNull();

    const withdrawn = await client.delete(`/api/pledges/${ids[0]}`, { token: tokens[0] });
    expect(withdrawn.status).toBe(200);
    await platform.settle();
    const after = await read(challengeId);
    expect(after.progress.participants).toBe(1);
    expect(after.status).toBe('succeeded');
    expect(after.tiers[0].unlockedAt).toBe(unlockedAt);

    // Reaching the goal again does not unlock a second time.
    await client.pledgeAndConfirm(challengeId, someone());
    await platform.settle();
    const rows = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from unlock where challenge_id = ?',
      [challengeId],
    );
    expect(rows[0]?.n).toBe(1);
    expect((await read(challengeId)).tiers[0].unlockedAt).toBe(unlockedAt);
  });

  it('stays open below the goal and unlocks exactly at it', async () => {
    const challengeId = await newChallenge(3);
    await client.pledgeAndConfirm(challengeId, someone());
    await client.pledgeAndConfirm(challengeId, someone());
    await platform.settle();
    let challenge = await read(challengeId);
    expect(challenge.status).toBe('open');
    expect(challenge.tiers[0].unlockedAt).toBeNull();
    await client.pledgeAndConfirm(challengeId, someone());
    await platform.settle();
    challenge = await read(challengeId);
    expect(challenge.status).toBe('succeeded');
    expect(challenge.progress.participants).toBe(3);
    expect(challenge.tiers[0].unlockedAt).not.toBeNull();
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer to the same key and body, creating one organization', async () => {
    const slug = `org-${unique()}`;
    const key = `key-${unique()}`;
    const body = { slug, name: 'Replayed', kind: 'association' };
    const headers = { 'Idempotency-Key': key };
    const first = await client.post('/api/organizations', body, { ...admin, headers });
    const second = await client.post('/api/organizations', body, { ...admin, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({ slug, name: 'Replayed', kind: 'association' });
    const rows = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from organization where slug = ?',
      [slug],
    );
    expect(rows[0]?.n).toBe(1);
    // Without the key, the same body is a new request: the slug is taken.
    const fresh = await client.post('/api/organizations', body, admin);
    expect(fresh.status).toBe(409);
  });

  it('answers 422 TANDEM_IDEMPOTENCY_MISMATCH to the same key with another body', async () => {
    const key = `key-${unique()}`;
    const headers = { 'Idempotency-Key': key };
    const firstSlug = `org-${unique()}`;
    const otherSlug = `org-${unique()}`;
    const first = await client.post(
      '/api/organizations',
      { slug: firstSlug, name: 'First', kind: 'city' },
      { ...admin, headers },
    );
    expect(first.status).toBe(201);
    const other = await client.post(
      '/api/organizations',
      { slug: otherSlug, name: 'Other', kind: 'city' },
      { ...admin, headers },
    );
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('TANDEM_IDEMPOTENCY_MISMATCH');
    expect((await client.get(`/api/organizations/${otherSlug}`)).status).toBe(404);
  });

  it('replays an anonymous pledge without mailing twice', async () => {
    const challengeId = await newChallenge();
    const email = someone();
    const headers = { 'Idempotency-Key': `key-${unique()}` };
    const url = `/api/challenges/${challengeId}/pledges`;
    const first = await client.post(url, { email }, { headers });
    const second = await client.post(url, { email }, { headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(box.body.messages).toHaveLength(1);
  });

  it('keeps keys apart between callers', async () => {
    const challengeId = await newChallenge();
    const headers = { 'Idempotency-Key': `shared-${unique()}` };
    const url = `/api/challenges/${challengeId}/pledges`;
    const a = await client.post(url, {}, { token: await client.signIn(someone()), headers });
    const b = await client.post(url, {}, { token: await client.signIn(someone()), headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(await participants(challengeId)).toBe(2);
  });

  it('refuses a key longer than 200 characters', async () => {
    const slug = `org-${unique()}`;
    const refused = await client.post(
      '/api/organizations',
      { slug, name: 'Long key', kind: 'city' },
      { ...admin, headers: { 'Idempotency-Key': 'k'.repeat(201) } },
    );
    expect(refused.status).toBe(400);
    expect((await client.get(`/api/organizations/${slug}`)).status).toBe(404);
  });
});
