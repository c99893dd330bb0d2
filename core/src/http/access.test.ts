import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newCampaign as createCampaign,
  openChallenge,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Credentials and roles through the HTTP API (API.md, "Credentials" and
 * "Access"): 401 without or with bad credentials, 403 signed in without the
 * role, and members-only things hidden from outsiders.
 */

const someone = (domain = 'example.org') => `p-${unique()}@${domain}`;

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

async function newOrganization(): Promise<{ id: string; slug: string }> {
  const slug = `org-${unique()}`;
  const created = await client.post(
    '/api/organizations',
    { slug, name: `Org ${slug}`, kind: 'company' },
    admin,
  );
  expect(created.status).toBe(201);
  return { id: created.body.id, slug };
}

async function addMember(slug: string, email: string, role: string, token = admin.token) {
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, { token });
  expect(added.status).toBe(201);
  return added.body;
}

function newCampaign(
  slug: string,
  audience: Record<string, unknown> = { type: 'public' },
  token = admin.token,
): Promise<string> {
  return createCampaign(client, token, slug, { title: `Campaign ${unique()}`, audience });
}

async function newChallenge(campaignId: string, open = true, token = admin.token) {
  const { challengeId } = await openChallenge(
    client,
    token,
    { title: 'Cycle to work', actionType: 'pledge-only', goal: { participants: 10 } },
    { campaignId, open },
  );
  return challengeId;
}

/** An organization with a signed-in admin (added through the members route). */
async function organizationWithAdmin() {
  const organization = await newOrganization();
  const email = someone();
  await addMember(organization.slug, email, 'admin');
  const token = await client.signIn(email);
  return { ...organization, adminEmail: email, adminToken: token };
}

describe('platform admin routes', () => {
  it('answers 401 TANDEM_AUTH_REQUIRED without a token, and creates nothing', async () => {
    const slug = `org-${unique()}`;
    const refused = await client.post('/api/organizations', { slug, name: 'X', kind: 'city' });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('TANDEM_AUTH_REQUIRED');
    expect((await client.get(`/api/organizations/${slug}`)).status).toBe(404);
  });

  it('answers 401 without a token on every organization admin route', async () => {
    const { slug } = await newOrganization();
    const campaignId = await newCampaign(slug);
    const challengeId = await newChallenge(campaignId, false);
    const responses = await Promise.all([
      client.post(`/api/organizations/${slug}/campaigns`, { title: 'C' }),
      client.post(`/api/organizations/${slug}/beneficiaries`, { name: 'B' }),
      client.post(`/api/organizations/${slug}/members`, { email: someone(), role: 'admin' }),
      client.post(`/api/campaigns/${campaignId}/challenges`, {
        title: 'T',
        actionType: 'pledge-only',
        goal: { participants: 3 },
      }),
      client.post(`/api/campaigns/${campaignId}/teams`, { name: 'Team' }),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('TANDEM_AUTH_REQUIRED');
    }
    const open = await client.post(`/api/challenges/${challengeId}/open`);
    expect(open.status).toBe(401);
    expect(open.body.error).toBe('TANDEM_AUTH_REQUIRED');
    expect((await client.get(`/api/challenges/${challengeId}`, admin)).body.status).toBe('draft');
    const organization = await client.get(`/api/organizations/${slug}`);
    expect(organization.body.campaigns).toHaveLength(1);
    expect(organization.body.beneficiaries).toEqual([]);
  });

  it('answers 401 TANDEM_AUTH_INVALID to a wrong bearer, even on public reads', async () => {
    const wrong = { token: `nope-${unique()}` };
    const create = await client.post(
      '/api/organizations',
      { slug: `org-${unique()}`, name: 'X', kind: 'city' },
      wrong,
    );
    expect(create.status).toBe(401);
    expect(create.body.error).toBe('TANDEM_AUTH_INVALID');
    const { slug } = await newOrganization();
    const read = await client.get(`/api/organizations/${slug}`, wrong);
    expect(read.status).toBe(401);
    expect(read.body.error).toBe('TANDEM_AUTH_INVALID');
  });

  it('treats another scheme (Basic) as no Tandem credentials: 401 where one is needed', async () => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/api/organizations',
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      payload: { slug: `org-${unique()}`, name: 'X', kind: 'city' },
    });
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error).toBe('TANDEM_AUTH_REQUIRED');
    const { slug } = await newOrganization();
    const read = await platform.app.inject({
      method: 'GET',
      url: `/api/organizations/${slug}`,
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(read.statusCode).toBe(200);
  });

  it('answers 401 TANDEM_AUTH_INVALID to a malformed bearer', async () => {
    const response = await platform.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: 'Bearer two tokens' },
    });
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error).toBe('TANDEM_AUTH_INVALID');
  });

  it('answers 403 to a signed-in participant creating an organization', async () => {
    const token = await client.signIn(someone());
    const refused = await client.post(
      '/api/organizations',
      { slug: `org-${unique()}`, name: 'X', kind: 'city' },
      { token },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
  });
});

describe('organization roles', () => {
  it('answers 403 to a signed-in participant who is not a member creating a campaign', async () => {
    const { slug } = await newOrganization();
    const token = await client.signIn(someone());
    const refused = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Mine' },
      { token },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect((await client.get(`/api/organizations/${slug}`)).body.campaigns).toEqual([]);
  });

  it('gives members added through the members route their role', async () => {
    const { slug, id } = await newOrganization();
    const adminEmail = someone();
    const added = await addMember(slug, adminEmail, 'admin');
    expect(added).toMatchObject({ organizationId: id, role: 'admin' });
    expect(typeof added.participantId).toBe('string');

    const token = await client.signIn(adminEmail);
    const me = await client.get('/api/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.memberships).toEqual([
      { organization: slug, name: `Org ${slug}`, role: 'admin' },
    ]);

    const campaign = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'By the new admin' },
      { token },
    );
    expect(campaign.status).toBe(201);
    expect(campaign.body.organizationId).toBe(id);
    const beneficiary = await client.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: 'Solicycle' },
      { token },
    );
    expect(beneficiary.status).toBe(201);
    const challengeId = await newChallenge(campaign.body.id, true, token);
    expect((await client.get(`/api/challenges/${challengeId}`)).body.status).toBe('open');
  });

  it('refuses campaigns to members and agents (admin is the minimum)', async () => {
    const { slug } = await newOrganization();
    for (const role of ['member', 'agent']) {
      const email = someone();
      await addMember(slug, email, role);
      const token = await client.signIn(email);
      const refused = await client.post(
        `/api/organizations/${slug}/campaigns`,
        { title: 'Not allowed' },
        { token },
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    }
  });

  it('lets an admin add members but not owners, and a role can be changed', async () => {
    const { slug, adminToken } = await organizationWithAdmin();
    const memberEmail = someone();
    const member = await client.post(
      `/api/organizations/${slug}/members`,
      { email: memberEmail, role: 'member' },
      { token: adminToken },
    );
    expect(member.status).toBe(201);
    const owner = await client.post(
      `/api/organizations/${slug}/members`,
      { email: someone(), role: 'owner' },
      { token: adminToken },
    );
    expect(owner.status).toBe(403);
    expect(owner.body.error).toBe('TANDEM_AUTH_FORBIDDEN');

    const memberToken = await client.signIn(memberEmail);
    const byMember = await client.post(
      `/api/organizations/${slug}/members`,
      { email: someone(), role: 'member' },
      { token: memberToken },
    );
    expect(byMember.status).toBe(403);

    // Promoted to admin, the same session may now create a campaign.
    await addMember(slug, memberEmail, 'admin', adminToken);
    const campaign = await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Promoted' },
      { token: memberToken },
    );
    expect(campaign.status).toBe(201);
  });

  it('keeps an admin of organization A out of organization B', async () => {
    const a = await organizationWithAdmin();
    const b = await newOrganization();
    const bCampaign = await newCampaign(b.slug);
    const bOpen = await newChallenge(bCampaign, true);
    const asA = { token: a.adminToken };

    const campaign = await client.post(
      `/api/organizations/${b.slug}/campaigns`,
      { title: 'X' },
      asA,
    );
    expect(campaign.status).toBe(403);
    expect(campaign.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const beneficiary = await client.post(
      `/api/organizations/${b.slug}/beneficiaries`,
      { name: 'X' },
      asA,
    );
    expect(beneficiary.status).toBe(403);
    expect(beneficiary.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const challenge = await client.post(
      `/api/campaigns/${bCampaign}/challenges`,
      { title: 'X', actionType: 'pledge-only', goal: { participants: 1 } },
      asA,
    );
    expect(challenge.status).toBe(403);
    expect(challenge.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const member = await client.post(
      `/api/organizations/${b.slug}/members`,
      { email: a.adminEmail, role: 'admin' },
      asA,
    );
    expect(member.status).toBe(403);
    const close = await client.post(`/api/challenges/${bOpen}/close`, undefined, asA);
    expect(close.status).toBe(403);
    expect(close.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    // Open: the role check comes before the state check (B's challenge is already open).
    const reopen = await client.post(`/api/challenges/${bOpen}/open`, undefined, asA);
    expect(reopen.status).toBe(403);

    const bOrganization = await client.get(`/api/organizations/${b.slug}`);
    expect(bOrganization.body.campaigns).toHaveLength(1);
    expect(bOrganization.body.beneficiaries).toEqual([]);
    expect((await client.get(`/api/challenges/${bOpen}`)).body.status).toBe('open');
  });

  it("does not let an admin of organization A open B's draft", async () => {
    const a = await organizationWithAdmin();
    const b = await newOrganization();
    const bCampaign = await newCampaign(b.slug);
    const bDraft = await newChallenge(bCampaign, false);
    const opened = await client.post(`/api/challenges/${bDraft}/open`, undefined, {
      token: a.adminToken,
    });
    expect(opened.status).toBe(403);
    expect(opened.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const read = await client.get(`/api/challenges/${bDraft}`, admin);
    expect(read.body.status).toBe('draft');
  });

  it('shows drafts to agents of the organization, not to other participants', async () => {
    const { slug } = await newOrganization();
    const campaignId = await newCampaign(slug);
    const draft = await newChallenge(campaignId, false);
    const agentEmail = someone();
    await addMember(slug, agentEmail, 'agent');
    const agent = await client.signIn(agentEmail);
    const stranger = await client.signIn(someone());
    expect((await client.get(`/api/challenges/${draft}`, { token: agent })).status).toBe(200);
    const hidden = await client.get(`/api/challenges/${draft}`, { token: stranger });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toBe('TANDEM_NOT_FOUND');
    const campaign = await client.get(`/api/campaigns/${campaignId}`, { token: agent });
    expect(campaign.body.challenges.map((c: { id: string }) => c.id)).toEqual([draft]);
  });
});

describe('members-only campaigns', () => {
  let slug: string;
  let campaignId: string;
  let challengeId: string;
  let memberEmail: string;
  let member: string;
  let outsider: string;

  beforeAll(async () => {
    ({ slug } = await newOrganization());
    campaignId = await newCampaign(slug, { type: 'members' });
    challengeId = await newChallenge(campaignId, true);
    memberEmail = someone();
    await addMember(slug, memberEmail, 'member');
    member = await client.signIn(memberEmail);
    outsider = await client.signIn(someone());
  });

  it('answers GET /api/campaigns/{id}: anonymous 401, outsider 403, member 200', async () => {
    const anonymous = await client.get(`/api/campaigns/${campaignId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
    const stranger = await client.get(`/api/campaigns/${campaignId}`, { token: outsider });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const allowed = await client.get(`/api/campaigns/${campaignId}`, { token: member });
    expect(allowed.status).toBe(200);
    expect(allowed.body.id).toBe(campaignId);
    expect(allowed.body.challenges.map((c: { id: string }) => c.id)).toEqual([challengeId]);
  });

  it('guards its challenges the same way', async () => {
    expect((await client.get(`/api/challenges/${challengeId}`)).status).toBe(401);
    expect((await client.get(`/api/challenges/${challengeId}`, { token: outsider })).status).toBe(
      403,
    );
    expect((await client.get(`/api/challenges/${challengeId}`, { token: member })).status).toBe(
      200,
    );
  });

  it('takes pledges: anonymous 401, outsider 403, member 201', async () => {
    const url = `/api/challenges/${challengeId}/pledges`;
    const anonymous = await client.post(url, { email: someone() });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
    const stranger = await client.post(url, {}, { token: outsider });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const allowed = await client.post(url, {}, { token: member });
    expect(allowed.status).toBe(201);
    expect(allowed.body).toEqual({ id: expect.any(String), status: 'confirmed' });
    const progress = (await client.get(`/api/challenges/${challengeId}`, { token: member })).body
      .progress;
    expect(progress.participants).toBe(1);
  });

  it('is hidden from outsiders on the organization page', async () => {
    const publicCampaign = await newCampaign(slug, { type: 'public' });
    const ids = async (token?: string) =>
      (await client.get(`/api/organizations/${slug}`, token ? { token } : {})).body.campaigns.map(
        (c: { id: string }) => c.id,
      );
    expect(await ids()).toEqual([publicCampaign]);
    expect(await ids(outsider)).toEqual([publicCampaign]);
    expect(await ids(member)).toEqual([campaignId, publicCampaign]);
    expect(await ids(admin.token)).toEqual([campaignId, publicCampaign]);
  });
});

describe('e-mail domain audiences', () => {
  let challengeId: string;
  beforeAll(async () => {
    const { slug } = await newOrganization();
    const campaignId = await newCampaign(slug, {
      type: 'email-domain',
      domains: ['Acme.example'],
    });
    challengeId = await newChallenge(campaignId, true);
  });

  it('answers an anonymous pledge from another domain 403, and sends no mail', async () => {
    const email = someone('elsewhere.example');
    const refused = await client.post(`/api/challenges/${challengeId}/pledges`, { email });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(box.body.messages).toEqual([]);
  });

  it('accepts an anonymous pledge from the domain (any case) with 202', async () => {
    const email = `Jane.${unique()}@ACME.example`;
    const accepted = await client.post(`/api/challenges/${challengeId}/pledges`, { email });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ status: 'pending' });
    const token = await client.mailedToken(email, 'pledge-confirmation');
    const confirmed = await client.post('/api/pledges/confirm', { token });
    expect(confirmed.status).toBe(200);
  });

  it('applies to signed-in participants too', async () => {
    const outside = await client.signIn(someone('elsewhere.example'));
    const refused = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: outside },
    );
    expect(refused.status).toBe(403);
    const inside = await client.signIn(someone('acme.example'));
    const accepted = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: inside },
    );
    expect(accepted.status).toBe(201);
  });
});

describe('sign-in and the dev mailbox', () => {
  it('answers the magic link 202 alike for unknown and known addresses', async () => {
    const unknown = await client.post('/api/auth/magic-link', { email: someone() });
    expect(unknown.status).toBe(202);
    const knownEmail = someone();
    await client.signIn(knownEmail);
    const known = await client.post('/api/auth/magic-link', { email: knownEmail });
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
  });

  it('refuses a sign-in token used twice with 404', async () => {
    const email = someone();
    expect((await client.post('/api/auth/magic-link', { email })).status).toBe(202);
    const token = await client.mailedToken(email, 'sign-in');
    const first = await client.post('/api/auth/session', { token });
    expect(first.status).toBe(200);
    expect(typeof first.body.sessionToken).toBe('string');
    const second = await client.post('/api/auth/session', { token });
    expect(second.status).toBe(404);
    expect(second.body.error).toBe('TANDEM_NOT_FOUND');
    expect(second.body).not.toHaveProperty('sessionToken');
  });

  it('refuses an unknown sign-in token with 404, and a pledge token as a sign-in token', async () => {
    const unknown = await client.post('/api/auth/session', { token: `x${unique()}${unique()}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('TANDEM_NOT_FOUND');
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const email = someone();
    await client.post(`/api/challenges/${challengeId}/pledges`, { email });
    const pledgeToken = await client.mailedToken(email, 'pledge-confirmation');
    const wrongPurpose = await client.post('/api/auth/session', { token: pledgeToken });
    expect(wrongPurpose.status).toBe(404);
  });

  it('lists mail newest first with its purpose and token', async () => {
    const { challengeId } = await setUpClichy(client, admin.token, { participants: 5 });
    const email = someone();
    expect((await client.post('/api/auth/magic-link', { email })).status).toBe(202);
    expect((await client.post(`/api/challenges/${challengeId}/pledges`, { email })).status).toBe(
      202,
    );
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(box.status).toBe(200);
    const messages = box.body.messages as {
      to: string;
      subject: string;
      text: string;
      purpose: string;
      token?: string;
      sentAt: string;
    }[];
    expect(messages.map((m) => m.purpose)).toEqual(['pledge-confirmation', 'sign-in']);
    for (const message of messages) {
      expect(message.to).toBe(email);
      expect(message.subject.length).toBeGreaterThan(0);
      expect(typeof message.token).toBe('string');
      expect(message.text).toContain(message.token);
      expect(Number.isNaN(Date.parse(message.sentAt))).toBe(false);
    }
    expect(Date.parse(messages[0]!.sentAt)).toBeGreaterThanOrEqual(Date.parse(messages[1]!.sentAt));
    // Each token does what its purpose says.
    const session = await client.post('/api/auth/session', { token: messages[1]!.token });
    expect(session.status).toBe(200);
    const confirmed = await client.post('/api/pledges/confirm', { token: messages[0]!.token });
    expect(confirmed.status).toBe(200);
  });

  it('ends a session on sign-out; the old token is then refused', async () => {
    const token = await client.signIn(someone());
    expect((await client.get('/api/me', { token })).status).toBe(200);
    expect((await client.delete('/api/auth/session', { token })).status).toBe(204);
    const after = await client.get('/api/me', { token });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('TANDEM_AUTH_INVALID');
  });

  it('answers /api/me 401 to anonymous callers', async () => {
    const me = await client.get('/api/me');
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('TANDEM_AUTH_REQUIRED');
  });
});
