import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newOrganization,
  openChallenge,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';
import { assertSameOrigin, clearedSessionCookie, sessionCookieOf } from './session-cookie.js';
import { TandemError } from '../errors.js';

/**
 * The `tandem_session` cookie (ADR 0028): a browser's session on `/api`,
 * with writes held to this server's own `Origin`. The test platform's
 * `TANDEM_PUBLIC_URL` is http://tandem.test.
 */

const OWN = 'http://tandem.test';
const someone = () => `c-${unique()}@example.org`;

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A request as a browser sends it: the cookie, and the headers given (no Authorization). */
async function browser(
  method: Method,
  url: string,
  options: { cookie?: string; origin?: string; headers?: Record<string, string>; body?: object },
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie !== undefined) headers['cookie'] = options.cookie;
  if (options.origin !== undefined) headers['origin'] = options.origin;
  const response = await platform.app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body } : {}),
  });
  const body =
    response.body !== '' && String(response.headers['content-type']).includes('json')
      ? (response.json() as Record<string, unknown>)
      : response.body;
  return {
    status: response.statusCode,
    body: body as Record<string, unknown>,
    headers: response.headers,
  };
}

const cookieOf = (token: string) => `theme=dark; tandem_session=${token}; other=1`;

const pledgeCount = async (challengeId: string, participantId: string) => {
  const [row] = await platform.db.query<{ n: number }>(
    'select count(*)::int as n from pledge where challenge_id = ? and participant_id = ?',
    [challengeId, participantId],
  );
  return row?.n ?? 0;
};

async function signedIn() {
  const email = someone();
  const token = await client.signIn(email);
  const me = await client.get('/api/me', { token });
  return { email, token, id: me.body.id as string };
}

describe('the session cookie', () => {
  it('signs a browser in for reads: GET /api/me answers as with the bearer', async () => {
    const person = await signedIn();
    const me = await browser('GET', '/api/me', { cookie: cookieOf(person.token) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'participant', id: person.id, email: person.email });
  });

  it('refuses a cross-site write with the cookie, and changes nothing', async () => {
    const person = await signedIn();
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 10 });
    const url = `/api/challenges/${challengeId}/pledges`;

    const evil = await browser('POST', url, {
      cookie: cookieOf(person.token),
      origin: 'https://evil.example',
      body: {},
    });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toBe('TANDEM_AUTH_ORIGIN_REFUSED');

    // No Origin at all (an old browser, a form some proxy rewrote): refused too.
    const bare = await browser('POST', url, { cookie: cookieOf(person.token), body: {} });
    expect(bare.status).toBe(403);
    expect(bare.body.error).toBe('TANDEM_AUTH_ORIGIN_REFUSED');

    // `Origin: null` (a sandboxed frame), and a look-alike of our own host.
    for (const origin of ['null', 'http://tandem.test.evil.example', 'https://tandem.test']) {
      const refused = await browser('POST', url, {
        cookie: cookieOf(person.token),
        origin,
        body: {},
      });
      expect(refused.status, origin).toBe(403);
    }
    // The same for the other write methods.
    const patch = await browser('PATCH', '/api/me', {
      cookie: cookieOf(person.token),
      origin: 'https://evil.example',
      body: { displayName: 'Mallory' },
    });
    expect(patch.status).toBe(403);
    const signOut = await browser('DELETE', '/api/auth/session', {
      cookie: cookieOf(person.token),
      origin: 'https://evil.example',
    });
    expect(signOut.status).toBe(403);

    expect(await pledgeCount(challengeId, person.id)).toBe(0);
    const me = await browser('GET', '/api/me', { cookie: cookieOf(person.token) });
    expect(me.status).toBe(200);
    expect(me.body.displayName).toBeNull();
  });

  it('takes a write with the cookie from its own origin', async () => {
    const person = await signedIn();
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 10 });
    const pledged = await browser('POST', `/api/challenges/${challengeId}/pledges`, {
      cookie: cookieOf(person.token),
      origin: OWN,
      body: {},
    });
    expect(pledged.status).toBe(201);
    expect(await pledgeCount(challengeId, person.id)).toBe(1);
  });

  it('needs no Origin with a bearer token, even beside a cookie', async () => {
    const person = await signedIn();
    const other = await signedIn();
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 10 });
    const pledged = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      {
        token: person.token,
        headers: { cookie: cookieOf(other.token), origin: 'https://evil.example' },
      },
    );
    expect(pledged.status).toBe(201);
    // The bearer decided who pledged, not the cookie.
    expect(await pledgeCount(challengeId, person.id)).toBe(1);
    expect(await pledgeCount(challengeId, other.id)).toBe(0);
  });

  it('answers 401 to a cookie that is no live session, as to a bad bearer', async () => {
    for (const cookie of [
      `tandem_session=${'x'.repeat(43)}`,
      'tandem_session=not a token',
      `tandem_session=${platform.adminToken}`,
    ]) {
      const me = await browser('GET', '/api/me', { cookie });
      expect(me.status, cookie).toBe(401);
      expect(me.body.error).toBe('TANDEM_AUTH_INVALID');
      // A public read too: a stale session is told, never silently anonymous.
      const health = await browser('GET', '/api/organizations/none-such', { cookie });
      expect(health.status).toBe(401);
    }
    const bearer = await client.get('/api/me', { token: 'x'.repeat(43) });
    expect(bearer.status).toBe(401);
    expect(bearer.body.error).toBe('TANDEM_AUTH_INVALID');
  });

  it('refuses two different session cookies rather than pick one (a cookie tossed in beside ours)', async () => {
    const person = await signedIn();
    const other = await signedIn();
    const both = await browser('GET', '/api/me', {
      cookie: `tandem_session=${other.token}; tandem_session=${person.token}`,
    });
    expect(both.status).toBe(401);
    const twice = await browser('GET', '/api/me', {
      cookie: `tandem_session=${person.token}; tandem_session=${person.token}`,
    });
    expect(twice.status).toBe(200);
  });

  it('signs out the session the cookie carries, and clears the cookie', async () => {
    const person = await signedIn();
    const out = await browser('DELETE', '/api/auth/session', {
      cookie: cookieOf(person.token),
      origin: OWN,
    });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^tandem_session=; Max-Age=0; Path=\/;/);
    expect((await browser('GET', '/api/me', { cookie: cookieOf(person.token) })).status).toBe(401);
    expect((await client.get('/api/me', { token: person.token })).status).toBe(401);
  });

  it("streams a members-only challenge's live events to a member's browser", async () => {
    const organization = await newOrganization(client, platform.adminToken);
    const { challengeId } = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Au bureau à vélo', actionType: 'pledge-only', goal: { participants: 5 } },
      {
        organization: organization.slug,
        campaign: { title: 'Staff', audience: { type: 'members' } },
      },
    );
    const email = someone();
    const added = await client.post(
      `/api/organizations/${organization.slug}/members`,
      { email, role: 'member' },
      { token: platform.adminToken },
    );
    expect(added.status).toBe(201);
    const token = await client.signIn(email);
    const outsider = await signedIn();

    const base = await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${base}/api/challenges/${challengeId}/events`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { cookie: cookieOf(outsider.token) } })).status).toBe(403);

    const controller = new AbortController();
    try {
      const stream = await fetch(url, {
        headers: { cookie: cookieOf(token) },
        signal: controller.signal,
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = stream.body?.getReader();
      let text = '';
      while (reader && !text.includes('event: progress')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toContain('event: progress');
    } finally {
      controller.abort();
    }
  });
});

describe('the origin check without TANDEM_PUBLIC_URL', () => {
  const request = (origin: string | undefined, protocol: string, host: string) => ({
    headers: origin === undefined ? {} : { origin },
    protocol,
    host,
  });
  const refused = (run: () => void) => {
    try {
      run();
    } catch (error) {
      return error instanceof TandemError ? error.code : error;
    }
    return 'accepted';
  };

  it.each([
    ['http://site.example', 'http', 'site.example', 'accepted'],
    ['https://site.example', 'https', 'site.example:443', 'accepted'],
    ['http://localhost:5173', 'http', 'localhost:5173', 'accepted'],
    ['http://site.example', 'https', 'site.example', 'TANDEM_AUTH_ORIGIN_REFUSED'],
    ['https://site.example:8443', 'https', 'site.example', 'TANDEM_AUTH_ORIGIN_REFUSED'],
    ['https://evil.example', 'https', 'site.example', 'TANDEM_AUTH_ORIGIN_REFUSED'],
    ['null', 'https', 'site.example', 'TANDEM_AUTH_ORIGIN_REFUSED'],
    [undefined, 'https', 'site.example', 'TANDEM_AUTH_ORIGIN_REFUSED'],
  ])('Origin %s on %s://%s: %s', (origin, protocol, host, expected) => {
    expect(refused(() => assertSameOrigin(request(origin, protocol, host), undefined))).toBe(
      expected,
    );
  });

  it('takes the configured origin over the Host when there is one', () => {
    const own = request('https://tandem.example.org', 'http', 'internal:3000');
    expect(refused(() => assertSameOrigin(own, 'https://tandem.example.org'))).toBe('accepted');
    const host = request('http://internal:3000', 'http', 'internal:3000');
    expect(refused(() => assertSameOrigin(host, 'https://tandem.example.org'))).toBe(
      'TANDEM_AUTH_ORIGIN_REFUSED',
    );
  });

  it('reads the cookie header strictly', () => {
    expect(sessionCookieOf(undefined)).toBeUndefined();
    expect(sessionCookieOf('a=1; b=2')).toBeUndefined();
    expect(sessionCookieOf('my_tandem_session=abcdefghijklmnopqrstu')).toBeUndefined();
    expect(sessionCookieOf('a=1;tandem_session="abcdefghijklmnopqrstu"')).toBe(
      'abcdefghijklmnopqrstu',
    );
    expect(clearedSessionCookie('localhost')).not.toContain('Secure');
    expect(clearedSessionCookie('tandem.example.org')).toContain('Secure');
  });
});

describe('the origin check behind a trusted proxy, from the Host', () => {
  let proxied: TestPlatform;
  beforeAll(async () => {
    proxied = await startTestPlatform({
      env: { TANDEM_PUBLIC_URL: '', TANDEM_TRUST_PROXY: '1' },
    });
  });
  afterAll(async () => {
    await proxied?.stop();
  });

  it('takes the protocol from X-Forwarded-Proto', async () => {
    const proxiedClient = createTestClient(proxied.app);
    const token = await proxiedClient.signIn(someone());
    const patch = (origin: string) =>
      proxied.app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: {
          cookie: cookieOf(token),
          host: 'tandem.example.org',
          'x-forwarded-proto': 'https',
          origin,
        },
        payload: { locale: 'en' },
      });
    expect((await patch('https://tandem.example.org')).statusCode).toBe(200);
    expect((await patch('http://tandem.example.org')).statusCode).toBe(403);
  });
});
