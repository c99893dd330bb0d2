import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newOrganization,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * The members of an organization, their roles and invitations by e-mail
 * (ADR 0037): who may list and change roles under the owners' rules, and an
 * invitation link that proves the invited mailbox, works once, expires,
 * can be revoked, and never makes another account a member.
 */

const someone = () => `inv-${unique()}@example.org`;

/** Moves the platform's clock; invitations expire by it. */
let shiftMs = 0;
let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ now: () => new Date(Date.now() + shiftMs) });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

interface Person {
  email: string;
  participantId: string;
  token: string;
}

async function member(slug: string, role: string): Promise<Person> {
  const email = someone();
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return { email, participantId: added.body.participantId, token: await client.signIn(email) };
}

async function patch(url: string, body: unknown, token?: string) {
  const response = await platform.app.inject({
    method: 'PATCH',
    url,
    payload: JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  return { status: response.statusCode, body: response.json() };
}

const setRole = (slug: string, participantId: string, role: string, token?: string) =>
  patch(`/api/organizations/${slug}/members/${encodeURIComponent(participantId)}`, { role }, token);

async function roleOf(slug: string, participantId: string): Promise<string | null> {
  const [row] = await platform.db.query<{ role: string }>(
    `select m.role from membership m join organization o on o.id = m.organization_id
      where o.slug = ? and m.participant_id = ?`,
    [slug, participantId],
  );
  return row?.role ?? null;
}

const invite = (slug: string, email: string, role: string, token: string) =>
  client.post(`/api/organizations/${slug}/invitations`, { email, role }, { token });

/** An organization with a signed-in owner and admin. */
async function organization() {
  const org = await newOrganization(client, admin.token);
  return { ...org, owner: await member(org.slug, 'owner'), admin: await member(org.slug, 'admin') };
}

describe('members list', () => {
  it('lists members owners first, and pending invitations, to admins only', async () => {
    const org = await organization();
    const plain = await member(org.slug, 'member');
    const invited = someone();
    expect((await invite(org.slug, invited, 'agent', org.admin.token)).status).toBe(201);

    const listed = await client.get(`/api/organizations/${org.slug}/members`, {
      token: org.admin.token,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.members.map((m: { role: string }) => m.role)).toEqual([
      'owner',
      'admin',
      'member',
    ]);
    expect(listed.body.members[0]).toMatchObject({
      participantId: org.owner.participantId,
      email: org.owner.email,
      role: 'owner',
    });
    expect(listed.body.invitations).toEqual([
      expect.objectContaining({ email: invited, role: 'agent' }),
    ]);

    const byMember = await client.get(`/api/organizations/${org.slug}/members`, {
      token: plain.token,
    });
    expect(byMember.status).toBe(403);
    expect((await client.get(`/api/organizations/${org.slug}/members`)).status).toBe(401);
  });
});

describe('role changes', () => {
  it('lets an admin change roles below owner', async () => {
    const org = await organization();
    const plain = await member(org.slug, 'member');
    const changed = await setRole(org.slug, plain.participantId, 'agent', org.admin.token);
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('agent');
    expect(await roleOf(org.slug, plain.participantId)).toBe('agent');
  });

  it('refuses an admin who promotes himself to owner (403), and his role stays', async () => {
    const org = await organization();
    const refused = await setRole(org.slug, org.admin.participantId, 'owner', org.admin.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect(await roleOf(org.slug, org.admin.participantId)).toBe('admin');
  });

  it('refuses an admin who demotes an owner (403)', async () => {
    const org = await organization();
    const second = await member(org.slug, 'owner');
    const refused = await setRole(org.slug, second.participantId, 'member', org.admin.token);
    expect(refused.status).toBe(403);
    expect(await roleOf(org.slug, second.participantId)).toBe('owner');
  });

  it('lets an owner appoint and demote owners, never the last one (409)', async () => {
    const org = await organization();
    const promoted = await setRole(org.slug, org.admin.participantId, 'owner', org.owner.token);
    expect(promoted.status).toBe(200);
    const demoted = await setRole(org.slug, org.owner.participantId, 'admin', org.admin.token);
    expect(demoted.status).toBe(200);
    // The former admin is now the only owner: nobody may demote them.
    const last = await setRole(org.slug, org.admin.participantId, 'member', org.admin.token);
    expect(last.status).toBe(409);
    expect(last.body.error).toBe('TANDEM_ORGANIZATION_LAST_OWNER');
    expect(await roleOf(org.slug, org.admin.participantId)).toBe('owner');
  });

  it('answers 404 for a person who is no member, and adds nobody', async () => {
    const org = await organization();
    const stranger = await member((await organization()).slug, 'member');
    const refused = await setRole(org.slug, stranger.participantId, 'member', org.owner.token);
    expect(refused.status).toBe(404);
    expect(await roleOf(org.slug, stranger.participantId)).toBeNull();
  });

  it('refuses the admin of another organization (403)', async () => {
    const org = await organization();
    const other = await organization();
    const plain = await member(org.slug, 'member');
    const refused = await setRole(org.slug, plain.participantId, 'admin', other.admin.token);
    expect(refused.status).toBe(403);
    expect(await roleOf(org.slug, plain.participantId)).toBe('member');
  });

  it('refuses an unknown role (400) naming the field', async () => {
    const org = await organization();
    const refused = await setRole(org.slug, org.admin.participantId, 'king', org.owner.token);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.details)).toContain('role');
  });
});

describe('invitations', () => {
  it('mails a link that a signed-out person accepts once, joining and signing in', async () => {
    const org = await organization();
    const email = someone();
    const invited = await invite(org.slug, email, 'admin', org.owner.token);
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ email, role: 'admin' });
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    const mail = box.body.messages[0];
    expect(mail.purpose).toBe('invitation');
    expect(mail.text).toContain(`http://tandem.test/invitation?token=${mail.token}`);
    const token = mail.token as string;

    const preview = await client.post('/api/invitations/preview', { token });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ organization: { slug: org.slug }, role: 'admin', email });

    const accepted = await client.post('/api/invitations/accept', { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ organization: { slug: org.slug }, role: 'admin' });
    const session = accepted.body.session.sessionToken as string;
    const me = await client.get('/api/me', { token: session });
    expect(me.status).toBe(200);
    expect(await roleOf(org.slug, accepted.body.participantId)).toBe('admin');
    // The new admin sees the console's data at once.
    const list = await client.get(`/api/organizations/${org.slug}/members`, { token: session });
    expect(list.status).toBe(200);
    expect(list.body.invitations).toEqual([]);

    // Used: the same link opens nothing any more, preview or acceptance.
    expect((await client.post('/api/invitations/accept', { token })).status).toBe(404);
    expect((await client.post('/api/invitations/preview', { token })).status).toBe(404);
  });

  it('lets the invited person accept while signed in with the invited address', async () => {
    const org = await organization();
    const email = someone();
    const session = await client.signIn(email);
    expect((await invite(org.slug, email, 'member', org.admin.token)).status).toBe(201);
    const token = await client.mailedToken(email, 'invitation');
    const accepted = await client.post('/api/invitations/accept', { token }, { token: session });
    expect(accepted.status).toBe(200);
    expect(accepted.body.session).toBeUndefined();
    expect(await roleOf(org.slug, accepted.body.participantId)).toBe('member');
  });

  it('refuses a forwarded link to another signed-in account, which stays usable', async () => {
    const org = await organization();
    const email = someone();
    expect((await invite(org.slug, email, 'admin', org.owner.token)).status).toBe(201);
    const token = await client.mailedToken(email, 'invitation');
    const intruder = await member((await organization()).slug, 'member');

    const refused = await client.post(
      '/api/invitations/accept',
      { token },
      { token: intruder.token },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('TANDEM_INVITATION_OTHER_ACCOUNT');
    expect(await roleOf(org.slug, intruder.participantId)).toBeNull();
    const byAdminToken = await client.post('/api/invitations/accept', { token }, admin);
    expect(byAdminToken.status).toBe(403);

    // The invited person can still accept.
    expect((await client.post('/api/invitations/accept', { token })).status).toBe(200);
  });

  it('refuses an expired link (404) and grants nothing', async () => {
    const org = await organization();
    const email = someone();
    expect((await invite(org.slug, email, 'admin', org.owner.token)).status).toBe(201);
    const token = await client.mailedToken(email, 'invitation');
    shiftMs = 8 * 86_400_000;
    try {
      const late = await client.post('/api/invitations/accept', { token });
      expect(late.status).toBe(404);
      const listed = await client.get(`/api/organizations/${org.slug}/members`, admin);
      expect(listed.body.invitations).toEqual([]);
    } finally {
      shiftMs = 0;
    }
    const [row] = await platform.db.query<{ n: number }>(
      `select count(*)::int as n from membership m join participant p on p.id = m.participant_id
        where p.email = ?`,
      [email],
    );
    expect(row?.n ?? 0).toBe(0);
  });

  it('revokes: the link stops working, and an owner invitation only by an owner', async () => {
    const org = await organization();
    const email = someone();
    const invited = await invite(org.slug, email, 'member', org.admin.token);
    const token = await client.mailedToken(email, 'invitation');
    const revoked = await client.delete(
      `/api/organizations/${org.slug}/invitations/${invited.body.id}`,
      { token: org.admin.token },
    );
    expect(revoked.status).toBe(200);
    expect((await client.post('/api/invitations/accept', { token })).status).toBe(404);

    const ownerEmail = someone();
    const forOwner = await invite(org.slug, ownerEmail, 'owner', org.owner.token);
    expect(forOwner.status).toBe(201);
    const url = `/api/organizations/${org.slug}/invitations/${forOwner.body.id}`;
    expect((await client.delete(url, { token: org.admin.token })).status).toBe(403);
    expect((await client.delete(url, { token: org.owner.token })).status).toBe(200);
  });

  it('revokes only its own organization’s invitations', async () => {
    const org = await organization();
    const other = await organization();
    const invited = await invite(org.slug, someone(), 'member', org.admin.token);
    const byOther = await client.delete(
      `/api/organizations/${other.slug}/invitations/${invited.body.id}`,
      { token: other.admin.token },
    );
    expect(byOther.status).toBe(404);
    const listed = await client.get(`/api/organizations/${org.slug}/members`, admin);
    expect(listed.body.invitations).toHaveLength(1);
  });

  it('refuses invitations from outsiders and owner invitations from admins', async () => {
    const org = await organization();
    const other = await organization();
    const plain = await member(org.slug, 'member');
    const email = someone();
    expect((await invite(org.slug, email, 'member', other.admin.token)).status).toBe(403);
    expect((await invite(org.slug, email, 'member', plain.token)).status).toBe(403);
    expect((await invite(org.slug, email, 'owner', org.admin.token)).status).toBe(403);
    expect(
      (await client.post(`/api/organizations/${org.slug}/invitations`, { email, role: 'member' }))
        .status,
    ).toBe(401);
    const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(box.body.messages).toEqual([]);
  });

  it('keeps one working link per address: a new invitation revokes the old', async () => {
    const org = await organization();
    const email = someone();
    expect((await invite(org.slug, email, 'admin', org.owner.token)).status).toBe(201);
    const first = await client.mailedToken(email, 'invitation');
    expect((await invite(org.slug, email, 'member', org.owner.token)).status).toBe(201);
    const second = await client.mailedToken(email, 'invitation');
    expect((await client.post('/api/invitations/accept', { token: first })).status).toBe(404);
    const accepted = await client.post('/api/invitations/accept', { token: second });
    expect(accepted.body.role).toBe('member');
  });

  it('never lowers a role: an owner invited as a member stays an owner', async () => {
    const org = await organization();
    expect((await invite(org.slug, org.owner.email, 'member', org.admin.token)).status).toBe(201);
    const token = await client.mailedToken(org.owner.email, 'invitation');
    const accepted = await client.post(
      '/api/invitations/accept',
      { token },
      { token: org.owner.token },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.role).toBe('owner');
    expect(await roleOf(org.slug, org.owner.participantId)).toBe('owner');
  });

  it('refuses an unknown token with 404 and a malformed body with 400', async () => {
    expect((await client.post('/api/invitations/accept', { token: 'x'.repeat(40) })).status).toBe(
      404,
    );
    const bad = await client.post('/api/invitations/accept', {
      token: 'x'.repeat(40),
      role: 'owner',
    });
    expect(bad.status).toBe(400);
  });
});

describe('invitations and personal data', () => {
  it('shows an invitation in the export, and forgets it when the person leaves', async () => {
    const org = await organization();
    const email = someone();
    expect((await invite(org.slug, email, 'member', org.admin.token)).status).toBe(201);
    const token = await client.mailedToken(email, 'invitation');
    const accepted = await client.post('/api/invitations/accept', { token });
    const session = accepted.body.session.sessionToken as string;
    const exported = await client.get('/api/me/export', { token: session });
    expect(exported.status).toBe(200);
    expect(exported.body.links).toEqual(
      expect.arrayContaining([expect.objectContaining({ purpose: 'invitation' })]),
    );
    expect((await client.delete('/api/me', { token: session })).status).toBeLessThan(300);
    const [row] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from invitation where email = ?',
      [email],
    );
    expect(row?.n).toBe(0);
  });
});

describe('invitation mail limit', () => {
  it('counts invitations against the recipient’s hourly mail limit', async () => {
    const limited = await startTestPlatform({ env: { TANDEM_RATE_LIMIT_PER_EMAIL: '2' } });
    try {
      const c = createTestClient(limited.app);
      const org = await newOrganization(c, limited.adminToken);
      const email = someone();
      const as = { token: limited.adminToken };
      const send = () =>
        c.post(`/api/organizations/${org.slug}/invitations`, { email, role: 'member' }, as);
      expect((await send()).status).toBe(201);
      expect((await send()).status).toBe(201);
      const third = await send();
      expect(third.status).toBe(429);
      expect(third.body.error).toBe('TANDEM_RATE_LIMITED');
    } finally {
      await limited.stop();
    }
  });
});
