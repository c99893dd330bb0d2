import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';

/**
 * Strings PostgreSQL cannot store (NUL) or that are no text at all
 * (unpaired surrogates), and bodies nested deep enough to exhaust a stack,
 * are a client's mistake: 400 naming the field, whichever route, signed in
 * or not — never a 500 from the database or a serializer.
 */

let platform: TestPlatform;
let client: TestClient;
let challengeId: string;
let campaignId: string;
let slug: string;
let session: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
  const opened = await openChallenge(client, platform.adminToken, {
    title: 'Bike',
    actionType: 'pledge-only',
    goal: { participants: 5 },
  });
  ({ challengeId, campaignId, slug } = opened);
  session = await client.signIn(`hostile-${Date.now()}@example.org`);
});
afterAll(async () => {
  await platform?.stop();
});

const NUL = 'a\u0000b';
const LONE = '\ud800x';

/** Representative writes, each with the body field the hostile string goes in. */
const bodyProbes = (bad: string): [string, Record<string, unknown>, string][] => [
  [`/api/challenges/${challengeId}/pledges`, { email: `x${bad}@example.org` }, 'email'],
  [
    `/api/challenges/${challengeId}/pledges`,
    { email: 'p@example.org', displayName: bad },
    'displayName',
  ],
  [
    `/api/challenges/${challengeId}/pledges`,
    { email: 'p@example.org', details: { note: bad } },
    'details/note',
  ],
  [`/api/challenges/${challengeId}/contributions`, { details: { note: bad } }, 'details/note'],
  ['/api/auth/magic-link', { email: bad }, 'email'],
  ['/api/auth/session', { token: `tok-${bad}-0123456789` }, 'token'],
  ['/api/pledges/confirm', { token: `tok-${bad}-0123456789` }, 'token'],
  ['/api/organizations', { slug: 'x-org', name: bad, kind: 'city' }, 'name'],
  [`/api/organizations/${slug}/campaigns`, { title: bad }, 'title'],
  [`/api/organizations/${slug}/beneficiaries`, { name: bad }, 'name'],
  [`/api/campaigns/${campaignId}/challenges`, { title: bad, actionType: 'pledge-only' }, 'title'],
  [`/api/campaigns/${campaignId}/teams`, { name: bad }, 'name'],
  [
    `/api/organizations/${slug}/invitations`,
    { email: `x${bad}@example.org`, role: 'member' },
    'email',
  ],
  [`/api/challenges/${challengeId}/pledges`, { email: 'p@example.org', via: bad }, 'via'],
  [`/api/challenges/${challengeId}/partners`, { organization: bad }, 'organization'],
  ['/api/invitations/preview', { token: `tok-${bad}-0123456789` }, 'token'],
  ['/api/invitations/accept', { token: `tok-${bad}-0123456789` }, 'token'],
];

describe('NUL and unpaired surrogates', () => {
  for (const [label, bad] of [
    ['NUL', NUL],
    ['an unpaired surrogate', LONE],
  ] as const) {
    for (const who of ['anonymous', 'signed in', 'platform admin'] as const) {
      it(`refuses ${label} in a body field with 400 naming it (${who})`, async () => {
        const token =
          who === 'anonymous' ? undefined : who === 'signed in' ? session : platform.adminToken;
        for (const [url, body, field] of bodyProbes(bad)) {
          const response = await client.post(url, body, token ? { token } : {});
          expect(response.status, `${url} ${field}: ${JSON.stringify(response.body)}`).toBe(400);
          expect(response.body.error).toBe('TANDEM_REQUEST_INVALID');
          expect(response.body.details[0].path, url).toBe(field);
        }
      });
    }

    it(`refuses ${label} in a field name`, async () => {
      const response = await client.post(`/api/challenges/${challengeId}/pledges`, {
        email: 'p@example.org',
        details: { [`k${bad}`]: 1 },
      });
      expect(response.status).toBe(400);
      expect(response.body.details[0].path).toBe('details');
    });
  }

  it('refuses %00 in a path parameter, signed in or not', async () => {
    const urls = [
      '/api/challenges/abc%00def',
      '/api/campaigns/abc%00def',
      '/api/organizations/abc%00def',
      '/api/challenges/abc%00def/events',
      '/api/campaigns/abc%00def/report',
      '/api/campaigns/abc%00def/ranking',
      '/api/challenges/abc%00def/series',
      '/api/campaigns/abc%00def/report.pdf',
      '/api/campaigns/abc%00def/attestation',
    ];
    for (const url of urls) {
      for (const token of [undefined, session, platform.adminToken]) {
        const response = await client.get(url, token ? { token } : {});
        expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(400);
        const param = url.includes('/organizations/') ? 'slug' : 'id';
        expect(response.body.details[0].path).toBe(`params/${param}`);
      }
    }
    const withdraw = await client.delete('/api/pledges/x%00y', { token: session });
    expect(withdraw.status).toBe(400);
    const pledge = await client.post('/api/challenges/c%00/pledges', { email: 'p@example.org' });
    expect(pledge.status).toBe(400);
    expect(pledge.body.details[0].path).toBe('params/id');
  });

  it('refuses NUL in a partner’s slug, and malformed partner bodies, naming the field', async () => {
    for (const token of [undefined, session, platform.adminToken]) {
      for (const url of [
        `/api/challenges/${challengeId}/partners/a%00b/report`,
        `/api/challenges/${challengeId}/partners/a%00b`,
      ]) {
        const read = url.endsWith('/report')
          ? await client.get(url, token ? { token } : {})
          : await client.delete(url, token ? { token } : {});
        expect(read.status, url).toBe(400);
        expect(read.body.details[0].path).toBe('params/slug');
      }
      const decision = await client.post(
        `/api/challenges/${challengeId}/partners/a%00b/decision`,
        { accept: true },
        token ? { token } : {},
      );
      expect(decision.status).toBe(400);
      expect(decision.body.details[0].path).toBe('params/slug');
    }
    for (const query of ['status=maybe', 'status=a%00b']) {
      const listed = await client.get(`/api/organizations/${slug}/partnerships?${query}`, {
        token: platform.adminToken,
      });
      expect(listed.status, query).toBe(400);
      expect(listed.body.details[0].path).toBe('querystring/status');
    }
    const probes: [string, Record<string, unknown>, string][] = [
      [`/api/challenges/${challengeId}/pledges`, { email: 'p@example.org', via: 42 }, 'via'],
      [
        `/api/challenges/${challengeId}/pledges`,
        { email: 'p@example.org', via: 'x'.repeat(500) },
        'via',
      ],
      [`/api/challenges/${challengeId}/partners`, { organization: ['a', 'b'] }, 'organization'],
      [`/api/challenges/${challengeId}/partners`, {}, 'organization'],
      [`/api/challenges/${challengeId}/partners/some-org/decision`, { accept: 'yes' }, 'accept'],
      [`/api/challenges/${challengeId}/partners/some-org/tiers`, { goal: 'lots' }, 'goal'],
      [
        `/api/challenges/${challengeId}/partners/some-org/tiers`,
        { goal: { participants: 2 }, sponsor: 'someone' },
        'sponsor',
      ],
      [
        `/api/challenges/${challengeId}/partners/some-org/decision`,
        { accept: true, audience: { type: 'everyone' } },
        'audience',
      ],
    ];
    for (const [url, body, field] of probes) {
      const response = await client.post(url, body, { token: platform.adminToken });
      expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(400);
      expect(response.body.error).toMatch(/^TANDEM_REQUEST_/);
      expect(JSON.stringify(response.body.details ?? response.body.message)).toContain(field);
    }
  });

  it('refuses NUL in a query string', async () => {
    const mailbox = await client.get('/api/dev/mailbox?to=a%00b@example.org');
    expect(mailbox.status).toBe(400);
    expect(mailbox.body.details[0].path).toBe('querystring/to');
    const unsubscribe = await client.get('/api/reminders/unsubscribe?token=abcdefghij%00k');
    expect(unsubscribe.status).toBe(400);
    const ranking = await client.get(`/api/campaigns/${campaignId}/ranking?challenge=a%00b`);
    expect(ranking.status).toBe(400);
    expect(ranking.body.details[0].path).toBe('querystring/challenge');
    const series = await client.get(`/api/challenges/${challengeId}/series?team=a%00b`, {
      token: platform.adminToken,
    });
    expect(series.status).toBe(400);
    expect(series.body.details[0].path).toBe('querystring/team');
  });

  it('refuses NUL in a header a route reads', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: `/api/challenges/${challengeId}/pledges`,
      headers: { 'idempotency-key': 'k\u0000y', 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'p@example.org' }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].path).toBe('headers/idempotency-key');
  });

  it('refuses NUL and unpaired surrogates in the console’s edits, naming the field', async () => {
    for (const bad of [NUL, LONE]) {
      const probes: [string, Record<string, unknown>, string][] = [
        [`/api/challenges/${challengeId}`, { title: bad }, 'title'],
        [`/api/challenges/${challengeId}`, { description: bad }, 'description'],
        [`/api/campaigns/${campaignId}`, { title: bad }, 'title'],
        [`/api/organizations/${slug}/beneficiaries/ben_x`, { name: bad }, 'name'],
        [`/api/campaigns/${campaignId}/teams/team_x`, { name: bad }, 'name'],
      ];
      for (const [url, body, field] of probes) {
        const response = await client.patch(url, body, { token: platform.adminToken });
        expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(400);
        expect(response.body.details[0].path).toBe(field);
      }
    }
  });

  it('stores nothing from a refused request', async () => {
    const title = `kept-${Date.now()}`;
    const refused = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title, description: NUL },
      { token: platform.adminToken },
    );
    expect(refused.status).toBe(400);
    const [row] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from campaign where title = ?',
      [title],
    );
    expect(row?.n).toBe(0);
  });
});

describe('deep bodies', () => {
  const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('refuses a 10,000-deep details sent with an Idempotency-Key with 400', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: `/api/challenges/${challengeId}/pledges`,
      headers: { 'content-type': 'application/json', 'idempotency-key': `deep-${Date.now()}` },
      payload: `{"email":"deep@example.org","details":${deep(10_000)}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('TANDEM_REQUEST_INVALID');
    expect(response.json().details[0].path).toBe('body');
  });

  it('refuses a deep array as well, signed in', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: `/api/challenges/${challengeId}/contributions`,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${session}`,
        'idempotency-key': `deep-array-${Date.now()}`,
      },
      payload: `{"details":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    });
    expect(response.statusCode).toBe(400);
  });

  it('does not count brackets inside strings (escaped quotes included)', async () => {
    const response = await client.post(`/api/challenges/${challengeId}/pledges`, {
      email: `brackets-${Date.now()}@example.org`,
      displayName: `"${'{['.repeat(39)}`,
    });
    expect(response.status).toBe(202);
  });
});
