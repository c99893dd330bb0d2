import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealed } from '../keyring.js';
import { createTestClient, startTestPlatform, type TestClient, unique } from '../testing/index.js';
import type { TestPlatform } from '../testing/platform.js';

/**
 * `Idempotency-Key` (issue 7, findings 8 and 13, and the lease of "Make them
 * stay closed"): stored answers are sealed, expire after 24 h, anonymous
 * callers do not share one key space, and a key left in progress by a dead
 * request is taken over by one retry after its lease.
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

interface Answer {
  status: number;
  body: Record<string, unknown>;
  replayed: boolean;
}

/** A POST from a given client address (`remoteAddress` of inject). */
async function postFrom(
  address: string,
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await platform.app.inject({
    method: 'POST',
    url,
    payload: body,
    headers,
    remoteAddress: address,
  });
  return {
    status: response.statusCode,
    body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
    replayed: response.headers['idempotent-replayed'] === 'true',
  };
}

async function rowsOfKey(key: string) {
  return platform.db.query<{ scope: string; row: string; sealed_response: string | null }>(
    'select scope, sealed_response, i::text as row from idempotency_key i where key = ?',
    [key],
  );
}

async function signInToken(email: string): Promise<string> {
  expect((await client.post('/api/auth/magic-link', { email })).status).toBe(202);
  return client.mailedToken(email, 'sign-in');
}

describe('stored answers are sealed', () => {
  it('keeps no session token in clear in the replay of POST /api/auth/session, and replays it', async () => {
    const email = `sealed-${unique()}@example.org`;
    const token = await signInToken(email);
    const key = `session-${unique()}`;
    const headers = { 'idempotency-key': key };
    const first = await postFrom('10.1.0.1', '/api/auth/session', { token }, headers);
    expect(first.status).toBe(200);
    const sessionToken = first.body['sessionToken'] as string;
    expect(sessionToken).toBeTruthy();

    const rows = await rowsOfKey(key);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain(sessionToken);
    expect(rows[0]?.row).not.toContain(email);
    expect(isSealed(rows[0]?.sealed_response ?? '')).toBe(true);

    const again = await postFrom('10.1.0.1', '/api/auth/session', { token }, headers);
    expect(again).toMatchObject({ status: 200, replayed: true });
    expect(again.body['sessionToken']).toBe(sessionToken);
    // The session it names still works.
    expect((await client.get('/api/me', { token: sessionToken })).body.email).toBe(email);
  });
});

describe('anonymous callers do not share one key space', () => {
  it("never serves one client's sign-in answer to another client sending the same key and body", async () => {
    const email = `victim-${unique()}@example.org`;
    const token = await signInToken(email);
    const key = 'retry-1'; // a careless client's predictable key
    const headers = { 'idempotency-key': key };
    const victim = await postFrom('192.0.2.10', '/api/auth/session', { token }, headers);
    expect(victim.status).toBe(200);
    // Someone elsewhere who learnt the used link (a log, a shared screen)
    // and the key: without scoping, the replay would hand them the session.
    const attacker = await postFrom('198.51.100.7', '/api/auth/session', { token }, headers);
    expect(attacker.replayed).toBe(false);
    expect(attacker.status).toBe(404);
    expect(attacker.body['error']).toBe('TANDEM_NOT_FOUND');
    expect(JSON.stringify(attacker.body)).not.toContain(String(victim.body['sessionToken']));
  });

  it('gives two clients using the same key with their own bodies their own answers', async () => {
    const key = `shared-${unique()}`;
    const headers = { 'idempotency-key': key };
    const aEmail = `a-${unique()}@example.org`;
    const bEmail = `b-${unique()}@example.org`;
    const a = await postFrom(
      '203.0.113.1',
      '/api/auth/session',
      { token: await signInToken(aEmail) },
      headers,
    );
    const b = await postFrom(
      '203.0.113.2',
      '/api/auth/session',
      { token: await signInToken(bEmail) },
      headers,
    );
    expect(a.status).toBe(200);
    expect(b.status).toBe(200); // not 422: B never used this key
    expect(b.replayed).toBe(false);
    expect(b.body['sessionToken']).not.toBe(a.body['sessionToken']);
    const me = async (answer: Answer) =>
      (await client.get('/api/me', { token: answer.body['sessionToken'] as string })).body.email;
    expect(await me(a)).toBe(aEmail);
    expect(await me(b)).toBe(bEmail);
    expect(new Set((await rowsOfKey(key)).map((row) => row.scope)).size).toBe(2);
  });

  it('refuses, without leaking, the same key with another body behind one address (one NAT)', async () => {
    const key = `office-${unique()}`;
    const headers = { 'idempotency-key': key };
    const first = await postFrom(
      '203.0.113.50',
      '/api/auth/session',
      { token: await signInToken(`office-a-${unique()}@example.org`) },
      headers,
    );
    expect(first.status).toBe(200);
    const colleague = await postFrom(
      '203.0.113.50',
      '/api/auth/session',
      { token: await signInToken(`office-b-${unique()}@example.org`) },
      headers,
    );
    expect(colleague.status).toBe(422);
    expect(colleague.body['error']).toBe('TANDEM_IDEMPOTENCY_MISMATCH');
    expect(JSON.stringify(colleague.body)).not.toContain(String(first.body['sessionToken']));
  });
});

describe('replays expire after 24 hours', () => {
  it('does not serve a replay older than 24 h, and lets the key be used again', async () => {
    const slug = `expired-${unique()}`;
    const key = `old-${unique()}`;
    const headers = { 'Idempotency-Key': key };
    const body = { slug, name: 'Expiring', kind: 'city' };
    expect((await client.post('/api/organizations', body, { ...admin, headers })).status).toBe(201);
    const replay = await client.post('/api/organizations', body, { ...admin, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');

    await platform.db.query(
      `update idempotency_key set created_at = now() - interval '25 hours' where key = ?`,
      [key],
    );
    // Run again, not replayed: the slug is taken now.
    const late = await client.post('/api/organizations', body, { ...admin, headers });
    expect(late.status).toBe(409);
    expect(late.headers['idempotent-replayed']).toBeUndefined();
    // And the key is free for another request.
    await platform.db.query(
      `update idempotency_key set created_at = now() - interval '25 hours' where key = ?`,
      [key],
    );
    const otherSlug = `expired-${unique()}`;
    const reused = await client.post(
      '/api/organizations',
      { slug: otherSlug, name: 'Reused key', kind: 'city' },
      { ...admin, headers },
    );
    expect(reused.status).toBe(201);
  });
});

describe('the lease of a key left in progress', () => {
  it('answers 409 within the lease, then lets exactly one retry of the same request take it over', async () => {
    const slug = `lease-${unique()}`;
    const key = `lease-${unique()}`;
    const headers = { 'Idempotency-Key': key };
    const body = { slug, name: 'Leased', kind: 'association' };
    expect((await client.post('/api/organizations', body, { ...admin, headers })).status).toBe(201);
    // As if the request had died with its database before answering: the
    // row is in progress, and what it did was rolled back.
    await platform.db.query('delete from organization where slug = ?', [slug]);
    await platform.db.query(
      `update idempotency_key set status = null, sealed_response = null, owner = 'dead', created_at = now()
        where key = ?`,
      [key],
    );
    const early = await client.post('/api/organizations', body, { ...admin, headers });
    expect(early.status).toBe(409);
    expect(early.body.error).toBe('TANDEM_IDEMPOTENCY_IN_PROGRESS');
    expect(early.headers['retry-after']).toBeDefined();

    // Another body never takes over someone's key, lease or not.
    await platform.db.query(
      `update idempotency_key set created_at = now() - interval '2 minutes' where key = ?`,
      [key],
    );
    const other = await client.post(
      '/api/organizations',
      { ...body, name: 'Other' },
      { ...admin, headers },
    );
    expect(other.status).toBe(422);

    const retries = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.post('/api/organizations', body, { ...admin, headers }),
      ),
    );
    const fresh = retries.filter(
      (r) => r.status === 201 && r.headers['idempotent-replayed'] !== 'true',
    );
    expect(fresh).toHaveLength(1);
    for (const retry of retries) {
      if (retry.status !== 201) expect(retry.body.error).toBe('TANDEM_IDEMPOTENCY_IN_PROGRESS');
    }
    const [count] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from organization where slug = ?',
      [slug],
    );
    expect(count?.n).toBe(1);
    const replay = await client.post('/api/organizations', body, { ...admin, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});
