import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newCampaign as createCampaign,
  newOrganization as createOrganization,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Bad input through the HTTP API (API.md, "Errors"): every client mistake is
 * a 4xx with a catalogue code, the message names the field, and nothing is
 * stored by a refused request.
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

async function newOrganization(): Promise<string> {
  return (await createOrganization(client, admin.token, { kind: 'company' })).slug;
}

const newCampaign = (slug: string): Promise<string> =>
  createCampaign(client, admin.token, slug, { title: 'C' });

async function newBeneficiary(slug: string): Promise<string> {
  const created = await client.post(
    `/api/organizations/${slug}/beneficiaries`,
    { name: 'B' },
    admin,
  );
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** A draft challenge body for pledge-only, merged with `extra`. */
const challengeBody = (extra: Record<string, unknown> = {}) => ({
  title: 'Cycle to work',
  actionType: 'pledge-only',
  goal: { participants: 10 },
  ...extra,
});

describe('malformed requests', () => {
  it('answers 400 to a body that is not JSON', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/api/organizations',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      payload: '{"slug": "x", "name": ',
    });
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body);
    expect(body.error).toBe('TANDEM_REQUEST_MALFORMED');
    expect(typeof body.message).toBe('string');
  });

  it('answers 400, not 500, to malformed JSON on a public route', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/api/auth/magic-link',
      headers: { 'content-type': 'application/json' },
      payload: '{email:',
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toBe('TANDEM_REQUEST_MALFORMED');
  });

  it('answers 404 TANDEM_NOT_FOUND to an unknown route', async () => {
    const response = await client.get('/api/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('TANDEM_NOT_FOUND');
    const post = await client.post('/api/challenges/x/no-such-action', {}, admin);
    expect(post.status).toBe(404);
    expect(post.body.error).toBe('TANDEM_NOT_FOUND');
  });
});

describe('organization bodies', () => {
  it('refuses an unknown field, naming it, and stores nothing', async () => {
    const slug = `org-${unique()}`;
    const refused = await client.post(
      '/api/organizations',
      { slug, name: 'Acme', kind: 'company', color: 'red' },
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(refused.body.message).toMatch(/color/);

    const read = await client.get(`/api/organizations/${slug}`);
    expect(read.status).toBe(404);
    expect(read.body.error).toBe('TANDEM_NOT_FOUND');
    // The slug is still free.
    const created = await client.post(
      '/api/organizations',
      { slug, name: 'Acme', kind: 'company' },
      admin,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug, name: 'Acme', kind: 'company' });
    expect(created.body).not.toHaveProperty('color');
  });

  it('refuses a kind outside the enum, naming kind', async () => {
    const slug = `org-${unique()}`;
    const refused = await client.post(
      '/api/organizations',
      { slug, name: 'Acme', kind: 'government' },
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/kind/);
    expect((await client.get(`/api/organizations/${slug}`)).status).toBe(404);
  });

  it('refuses a missing required field, naming it', async () => {
    const refused = await client.post(
      '/api/organizations',
      { slug: `org-${unique()}`, kind: 'city' },
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/name/);
  });

  it('refuses a slug that is not lower-case letters, digits and dashes', async () => {
    const refused = await client.post(
      '/api/organizations',
      { slug: 'Not A Slug', name: 'Acme', kind: 'city' },
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/slug/);
  });

  it('answers 409 to a slug already taken', async () => {
    const slug = await newOrganization();
    const again = await client.post(
      '/api/organizations',
      { slug, name: 'Other', kind: 'city' },
      admin,
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('TANDEM_ORGANIZATION_SLUG_TAKEN');
    expect(again.body.message).toMatch(/slug/);
  });

  it('refuses a member with a bad e-mail or an unknown role', async () => {
    const slug = await newOrganization();
    const badEmail = await client.post(
      `/api/organizations/${slug}/members`,
      { email: 'not-an-address', role: 'member' },
      admin,
    );
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.message).toMatch(/email/);
    const badRole = await client.post(
      `/api/organizations/${slug}/members`,
      { email: `p-${unique()}@example.org`, role: 'boss' },
      admin,
    );
    expect(badRole.status).toBe(400);
    expect(badRole.body.message).toMatch(/role/);
  });

  it('refuses a campaign with an unknown audience type or a bad domain', async () => {
    const slug = await newOrganization();
    const badType = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'C', audience: { type: 'everyone' } },
      admin,
    );
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/audience/);
    const badDomain = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'C', audience: { type: 'email-domain', domains: ['not a domain'] } },
      admin,
    );
    expect(badDomain.status).toBe(400);
    expect(badDomain.body.message).toMatch(/audience\/domains/);
    const organization = await client.get(`/api/organizations/${slug}`);
    expect(organization.body.campaigns).toEqual([]);
  });

  it('refuses a campaign that ends before it starts', async () => {
    const slug = await newOrganization();
    const refused = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'C', startsAt: '2030-05-01T00:00:00Z', endsAt: '2030-04-01T00:00:00Z' },
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/endsAt/);
  });
});

describe('unknown ids', () => {
  it.each([
    ['GET', '/api/challenges/x'],
    ['GET', '/api/campaigns/x'],
    ['GET', '/api/organizations/x'],
    ['GET', '/api/challenges/chl_does_not_exist'],
  ])('%s %s answers 404 TANDEM_NOT_FOUND', async (_method, url) => {
    const response = await client.get(url);
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('TANDEM_NOT_FOUND');
  });

  it('POST /api/challenges/x/pledges answers 404, signed in or not', async () => {
    const anonymous = await client.post('/api/challenges/x/pledges', {
      email: `p-${unique()}@example.org`,
    });
    expect(anonymous.status).toBe(404);
    expect(anonymous.body.error).toBe('TANDEM_NOT_FOUND');
    const session = await client.signIn(`p-${unique()}@example.org`);
    const signedIn = await client.post('/api/challenges/x/pledges', {}, { token: session });
    expect(signedIn.status).toBe(404);
    expect(signedIn.body.error).toBe('TANDEM_NOT_FOUND');
  });

  it('answers 404 to writes on unknown organizations, campaigns and challenges', async () => {
    const responses = await Promise.all([
      client.post('/api/organizations/x-nope/campaigns', { title: 'C' }, admin),
      client.post('/api/organizations/x-nope/beneficiaries', { name: 'B' }, admin),
      client.post(
        '/api/organizations/x-nope/members',
        { email: 'a@example.org', role: 'member' },
        admin,
      ),
      client.post('/api/campaigns/x/challenges', challengeBody(), admin),
      client.post('/api/challenges/x/open', undefined, admin),
      client.post('/api/challenges/x/close', undefined, admin),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(response.body.error).toBe('TANDEM_NOT_FOUND');
    }
  });

  it('hides a draft challenge from anonymous readers', async () => {
    const slug = await newOrganization();
    const campaignId = await newCampaign(slug);
    const draft = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      challengeBody(),
      admin,
    );
    expect(draft.status).toBe(201);
    expect(draft.body.status).toBe('draft');
    const read = await client.get(`/api/challenges/${draft.body.id}`);
    expect(read.status).toBe(404);
    expect(read.body.error).toBe('TANDEM_NOT_FOUND');
    const campaign = await client.get(`/api/campaigns/${campaignId}`);
    expect(campaign.status).toBe(200);
    expect(campaign.body.challenges).toEqual([]);
  });
});

describe('challenge bodies', () => {
  let slug: string;
  let campaignId: string;
  let beneficiaryId: string;
  beforeAll(async () => {
    slug = await newOrganization();
    campaignId = await newCampaign(slug);
    beneficiaryId = await newBeneficiary(slug);
  });

  const create = (body: Record<string, unknown>) =>
    client.post(`/api/campaigns/${campaignId}/challenges`, body, admin);

  async function challengeCount(): Promise<number> {
    const [row] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from challenge where campaign_id = ?',
      [campaignId],
    );
    return row?.n ?? -1;
  }

  it('does not coerce "5" into a number for goal.participants', async () => {
    const before = await challengeCount();
    const refused = await create(challengeBody({ goal: { participants: '5' } }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/goal\/participants/);
    expect(await challengeCount()).toBe(before);
  });

  it('refuses a fractional or zero participants goal', async () => {
    for (const participants of [2.5, 0]) {
      const refused = await create(challengeBody({ goal: { participants } }));
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/goal\/participants/);
    }
  });

  it('refuses an unknown field in the goal, naming it', async () => {
    const refused = await create(challengeBody({ goal: { participants: 5, people: 5 } }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(refused.body.message).toMatch(/people/);
  });

  it('refuses an unknown actionType, naming actionType', async () => {
    const before = await challengeCount();
    const refused = await create(challengeBody({ actionType: 'teleport' }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/actionType/);
    expect(await challengeCount()).toBe(before);
  });

  it('refuses a goal with neither participants nor quantity', async () => {
    const refused = await create(challengeBody({ goal: {} }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/goal/);
  });

  it('refuses a challenge without any goal or tiers', async () => {
    const refused = await create({ title: 'No goal', actionType: 'pledge-only' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/goal/);
  });

  it('refuses a quantity goal on pledge-only, which measures nothing', async () => {
    const refused = await create(challengeBody({ goal: { quantity: 100 } }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/goal\/quantity/);
  });

  it('refuses a goal match outside all/any', async () => {
    const refused = await create(challengeBody({ goal: { participants: 5, match: 'most' } }));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/goal\/match/);
  });

  it('refuses a beneficiary of another organization', async () => {
    const otherSlug = await newOrganization();
    const foreignBeneficiary = await newBeneficiary(otherSlug);
    const counterpart = (id: string) => ({
      kind: 'donation',
      amount: { value: 5000, currency: 'EUR' },
      beneficiaryId: id,
    });
    const refused = await create(challengeBody({ counterpart: counterpart(foreignBeneficiary) }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.message).toMatch(/beneficiaryId/);
    // The same body with the organization's own beneficiary is fine.
    const accepted = await create(challengeBody({ counterpart: counterpart(beneficiaryId) }));
    expect(accepted.status).toBe(201);
    expect(accepted.body.counterpart).toMatchObject({ beneficiaryId });
  });

  it('refuses an unknown beneficiary id', async () => {
    const refused = await create(
      challengeBody({
        counterpart: {
          kind: 'donation',
          amount: { value: 10, currency: 'EUR' },
          beneficiaryId: 'ben_nope',
        },
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/beneficiaryId/);
  });

  it('refuses money with a bad currency or a non-positive value', async () => {
    for (const amount of [
      { value: 10, currency: 'euro' },
      { value: 0, currency: 'EUR' },
    ]) {
      const refused = await create(
        challengeBody({ counterpart: { kind: 'donation', amount, beneficiaryId } }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/counterpart/);
    }
  });

  it('refuses both goal and tiers', async () => {
    const refused = await create(
      challengeBody({ tiers: [{ goal: { participants: 5 } }, { goal: { participants: 10 } }] }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/tiers/);
  });

  it('refuses an unknown sponsor slug', async () => {
    const refused = await create(challengeBody({ sponsor: `nobody-${unique()}` }));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/sponsor/);
  });

  it('refuses a deadline in the past or not a date-time', async () => {
    const past = await create(challengeBody({ deadline: '2001-01-01T00:00:00Z' }));
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/deadline/);
    const notADate = await create(challengeBody({ deadline: 'next tuesday' }));
    expect(notADate.status).toBe(400);
    expect(notADate.body.message).toMatch(/deadline/);
  });

  it('refuses actionSettings that pledge-only does not know', async () => {
    const refused = await create(challengeBody({ actionSettings: { maxKm: 20 } }));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(refused.body.message).toMatch(/actionSettings\/maxKm/);
  });
});

describe('lifecycle conflicts', () => {
  it('answers 404 to a pledge on a draft from whoever cannot see drafts, 409 to its admin', async () => {
    const slug = await newOrganization();
    const campaignId = await newCampaign(slug);
    const draft = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      challengeBody(),
      admin,
    );
    expect(draft.status).toBe(201);
    const email = `p-${unique()}@example.org`;
    // Drafts are invisible: a pledge says no more about them than a read.
    const anonymous = await client.post(`/api/challenges/${draft.body.id}/pledges`, { email });
    expect(anonymous.status).toBe(404);
    expect(anonymous.body.error).toBe('TANDEM_NOT_FOUND');
    const read = await client.get(`/api/challenges/${draft.body.id}`);
    expect(read.status).toBe(404);
    const session = await client.signIn(email);
    const signedIn = await client.post(
      `/api/challenges/${draft.body.id}/pledges`,
      {},
      { token: session },
    );
    expect(signedIn.status).toBe(404);
    // The organization's admin sees the draft: for them it is a state conflict.
    const byAdmin = await client.post(`/api/challenges/${draft.body.id}/pledges`, { email }, admin);
    expect(byAdmin.status).toBe(409);
    expect(byAdmin.body.error).toBe('TANDEM_CHALLENGE_NOT_OPEN');
    // Nothing was mailed for the refused pledge.
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(
      box.body.messages.filter((m: { purpose: string }) => m.purpose === 'pledge-confirmation'),
    ).toHaveLength(0);
  });

  it('answers 409 to opening a challenge twice', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const again = await client.post(`/api/challenges/${challengeId}/open`, undefined, admin);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('TANDEM_CHALLENGE_NOT_DRAFT');
    const read = await client.get(`/api/challenges/${challengeId}`);
    expect(read.body.status).toBe('open');
  });

  it('opens with an empty JSON body too (the content type alone is not an error)', async () => {
    const slug = await newOrganization();
    const campaignId = await newCampaign(slug);
    const draft = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      challengeBody(),
      admin,
    );
    const response = await platform.app.inject({
      method: 'POST',
      url: `/api/challenges/${draft.body.id}/open`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      payload: '',
    });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).status).toBe('open');
  });
});

describe('pledge bodies', () => {
  let challengeId: string;
  beforeAll(async () => {
    ({ challengeId } = await setUpClichy(client, admin.token, { participants: 50 }));
  });

  const pledge = (body: Record<string, unknown>) =>
    client.post(`/api/challenges/${challengeId}/pledges`, body);

  async function pledgeCount(): Promise<number> {
    const [row] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from pledge where challenge_id = ?',
      [challengeId],
    );
    return row?.n ?? -1;
  }

  it('refuses details with an unknown field on pledge-only, naming it', async () => {
    const before = await pledgeCount();
    const refused = await pledge({
      email: `p-${unique()}@example.org`,
      details: { daysPerWeek: 3 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(refused.body.message).toMatch(/details\/daysPerWeek/);
    expect(await pledgeCount()).toBe(before);
  });

  it('refuses details that are not an object', async () => {
    const refused = await pledge({ email: `p-${unique()}@example.org`, details: 'lots' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/details/);
  });

  it.each([
    [{ lat: 91, lon: 2.3 }, /location\/lat/],
    [{ lat: -90.5, lon: 2.3 }, /location\/lat/],
    [{ lat: 48.9, lon: 180.01 }, /location\/lon/],
    [{ lat: 48.9 }, /location\/lon/],
    [{ lat: '48.9', lon: 2.3 }, /location\/lat/],
  ])('refuses the location %j', async (location, field) => {
    const before = await pledgeCount();
    const refused = await pledge({ email: `p-${unique()}@example.org`, location });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(field);
    expect(await pledgeCount()).toBe(before);
  });

  it.each(['not-an-address', 'jane@localhost', 'two@@example.org', 'a b@example.org'])(
    'refuses the e-mail %j',
    async (email) => {
      const refused = await pledge({ email });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(refused.body.message).toMatch(/email/);
    },
  );

  it('needs an e-mail when not signed in', async () => {
    const refused = await pledge({ displayName: 'Anonymous' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/email/);
  });

  it('refuses an unknown team and an unknown field in the body', async () => {
    const team = await pledge({ email: `p-${unique()}@example.org`, team: 'no-such-team' });
    expect(team.status).toBe(400);
    expect(team.body.message).toMatch(/team/);
    const unknown = await pledge({ email: `p-${unique()}@example.org`, age: 33 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(unknown.body.message).toMatch(/age/);
  });

  it('accepts a valid location (the refusals above are not refusing everything)', async () => {
    const accepted = await pledge({
      email: `p-${unique()}@example.org`,
      location: { lat: 48.90431, lon: 2.30587 },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ status: 'pending' });
  });
});

describe('auth bodies', () => {
  it('refuses a bad e-mail for a magic link', async () => {
    const refused = await client.post('/api/auth/magic-link', { email: 'nobody' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/email/);
  });

  it('refuses a confirm body without a token or with an unknown field', async () => {
    const missing = await client.post('/api/pledges/confirm', {});
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/token/);
    const extra = await client.post('/api/pledges/confirm', {
      token: 'abcdefghijklmnop',
      pledgeId: 'x',
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(extra.body.message).toMatch(/pledgeId/);
  });

  it('refuses a mailbox query without an address', async () => {
    const refused = await client.get('/api/dev/mailbox');
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/\bto\b/);
  });
});

describe('titles, names and URLs', () => {
  it('refuses a title or name of white space alone, wherever one is taken', async () => {
    const slug = await newOrganization();
    const campaignId = await newCampaign(slug);
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const probes: [string, Record<string, unknown>, string][] = [
      ['/api/organizations', { slug: `o-${unique()}`, name: '   ', kind: 'city' }, 'name'],
      [`/api/organizations/${slug}/campaigns`, { title: ' \t\n ' }, 'title'],
      [`/api/organizations/${slug}/beneficiaries`, { name: '\u00a0 ' }, 'name'],
      [`/api/campaigns/${campaignId}/challenges`, challengeBody({ title: '    ' }), 'title'],
      [`/api/campaigns/${campaignId}/teams`, { name: '  ' }, 'name'],
      [
        `/api/challenges/${challengeId}/pledges`,
        { email: `p-${unique()}@example.org`, displayName: '   ' },
        'displayName',
      ],
    ];
    for (const [url, body, field] of probes) {
      const response = await client.post(url, body, admin);
      expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(400);
      expect(response.body.details[0].path).toBe(field);
    }
  });

  it('stores titles and names trimmed', async () => {
    const slug = await newOrganization();
    const campaign = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: '  Spring  ' },
      admin,
    );
    expect(campaign.status).toBe(201);
    expect(campaign.body.title).toBe('Spring');
    const challenge = await client.post(
      `/api/campaigns/${campaign.body.id}/challenges`,
      challengeBody({ title: '\tCycle to work ' }),
      admin,
    );
    expect(challenge.body.title).toBe('Cycle to work');
    const beneficiary = await client.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: ' Trees ' },
      admin,
    );
    expect(beneficiary.body.name).toBe('Trees');
  });

  it('takes only http(s) URLs for a beneficiary', async () => {
    const slug = await newOrganization();
    for (const url of [
      'javascript:alert(document.cookie)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'ftp://example.org/',
      '//example.org/x',
    ]) {
      const response = await client.post(
        `/api/organizations/${slug}/beneficiaries`,
        { name: 'B', url },
        admin,
      );
      expect(response.status, url).toBe(400);
      expect(response.body.details[0].path).toBe('url');
    }
    const [row] = await platform.db.query<{ n: number }>(
      "select count(*)::int as n from beneficiary where url not ilike 'http%'",
    );
    expect(row?.n).toBe(0);
    const accepted = await client.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: 'B', url: 'HTTPS://trees.example.org/give' },
      admin,
    );
    expect(accepted.status).toBe(201);
  });
});
