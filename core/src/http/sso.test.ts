import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newCampaign,
  newOrganization,
  openChallenge,
  startTestPlatform,
  unique,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';
import { startTestIdp, type TestIdp } from '../testing/oidc-idp.js';
import { hashSecret } from '../ids.js';

/**
 * Company sign-in (ADR 0044) against a real OpenID provider started here:
 * the whole code flow with PKCE, state and nonce, the member rule, a
 * members-only campaign that then takes the member's pledge, and the
 * attacks — a forged or replayed answer, a provider that is down, a rogue
 * provider asserting someone else's address, an open redirect.
 */

let platform: TestPlatform;
let client: TestClient;
let idp: TestIdp;
let rogue: TestIdp;
const SECRET = `s3cret-${unique()}`;
let acme: { id: string; slug: string };
let other: { id: string; slug: string };
let ownerToken: string;

const callbackOf = (slug: string) => `http://tandem.test/api/auth/sso/${slug}/callback`;

beforeAll(async () => {
  platform = await startTestPlatform({ env: { TANDEM_SSO_ALLOW_PRIVATE_NETWORKS: '1' } });
  client = createTestClient(platform.app);
  acme = await newOrganization(client, platform.adminToken, { kind: 'company' });
  other = await newOrganization(client, platform.adminToken, { kind: 'company' });
  idp = await startTestIdp([
    { clientId: 'tandem-acme', clientSecret: SECRET, redirectUri: callbackOf(acme.slug) },
  ]);
  rogue = await startTestIdp([
    { clientId: 'tandem-other', clientSecret: 'rogue-secret', redirectUri: callbackOf(other.slug) },
  ]);
  const ownerEmail = `owner-${unique()}@example.org`;
  await client.post(
    `/api/organizations/${acme.slug}/members`,
    { email: ownerEmail, role: 'owner' },
    { token: platform.adminToken },
  );
  ownerToken = await client.signIn(ownerEmail);
  const configured = await client.put(
    `/api/organizations/${acme.slug}/sso`,
    {
      issuer: idp.issuer,
      clientId: 'tandem-acme',
      clientSecret: SECRET,
      memberClaim: { name: 'groups', values: ['tandem'] },
      enabled: true,
    },
    { token: ownerToken },
  );
  expect(configured.status).toBe(200);
  const rogueConfigured = await client.put(
    `/api/organizations/${other.slug}/sso`,
    {
      issuer: rogue.issuer,
      clientId: 'tandem-other',
      clientSecret: 'rogue-secret',
      memberClaim: null,
      enabled: true,
    },
    { token: platform.adminToken },
  );
  expect(rogueConfigured.status).toBe(200);
});
afterAll(async () => {
  await idp?.close();
  await rogue?.close();
  await platform?.stop();
});

interface Started {
  cookie: string;
  location: string;
}

/** `GET /api/auth/sso/{slug}`: the redirect to the provider and the sign-in cookie. */
async function start(slug: string, next?: string): Promise<Started> {
  const response = await platform.app.inject({
    method: 'GET',
    url: `/api/auth/sso/${slug}${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`,
  });
  expect(response.statusCode, response.body).toBe(302);
  const setCookie = [response.headers['set-cookie']].flat().join('\n');
  const cookie = /tandem_sso=([^;]+)/.exec(setCookie)?.[1];
  expect(setCookie).toMatch(/HttpOnly/);
  expect(cookie).toBeDefined();
  return { cookie: cookie as string, location: String(response.headers.location) };
}

/** Sends the provider's answer to Tandem's callback, as the browser would. */
async function callback(slug: string, back: URL, cookie: string | undefined) {
  expect(back.origin + back.pathname).toBe(callbackOf(slug));
  const response = await platform.app.inject({
    method: 'GET',
    url: `${back.pathname}${back.search}`,
    headers: cookie ? { cookie: `tandem_sso=${cookie}` } : {},
  });
  const setCookie = [response.headers['set-cookie']].flat().join('\n');
  const session = /tandem_session=([A-Za-z0-9_-]+)/.exec(setCookie)?.[1];
  return {
    status: response.statusCode,
    location: response.headers.location,
    body: response.body === '' ? null : (JSON.parse(response.body) as Record<string, unknown>),
    session,
  };
}

/** The whole round: start, sign in at the provider as `subject`, come back. */
async function signInThrough(provider: TestIdp, slug: string, subject: string, next?: string) {
  const started = await start(slug, next);
  provider.signInAs(subject);
  const back = await provider.authorize(started.location);
  return callback(slug, back, started.cookie);
}

const me = async (session: string) => (await client.get('/api/me', { token: session })).body;

describe('company sign-in', () => {
  it('signs a member in through the provider: code flow with PKCE, state and nonce, a session and a membership', async () => {
    const subject = `ann-${unique()}`;
    idp.accounts.set(subject, {
      email: `ann-${unique()}@staff.acme.example`,
      email_verified: true,
      name: 'Ann',
      groups: ['staff', 'tandem'],
    });
    const started = await start(acme.slug, '/o/acme?tab=1');
    const authorization = new URL(started.location);
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorization.searchParams.get('state')).toBeTruthy();
    expect(authorization.searchParams.get('nonce')).toBeTruthy();
    expect(authorization.searchParams.get('redirect_uri')).toBe(callbackOf(acme.slug));

    idp.signInAs(subject);
    const back = await idp.authorize(started.location);
    const answer = await callback(acme.slug, back, started.cookie);
    expect(answer.status, JSON.stringify(answer.body)).toBe(302);
    expect(answer.location).toBe('/o/acme?tab=1');
    expect(answer.session).toBeDefined();

    const who = await me(answer.session as string);
    expect(who.kind).toBe('participant');
    expect(who.email).toBeNull(); // the domain is not verified: no address is taken
    const [membership] = await platform.db.query<{ role: string }>(
      'select role from membership where organization_id = ? and participant_id = ?',
      [acme.id, who.id],
    );
    expect(membership?.role).toBe('member');

    // The same account again: the same person, not a second one.
    const again = await signInThrough(idp, acme.slug, subject);
    expect(again.status).toBe(302);
    expect(again.location).toBe('/');
    expect((await me(again.session as string)).id).toBe(who.id);
  });

  it('lets an SSO member pledge to a members-only campaign that refuses outsiders', async () => {
    const campaignId = await newCampaign(client, platform.adminToken, acme.slug, {
      title: 'Staff only',
      audience: { type: 'members' },
    });
    const { challengeId } = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Bike week', actionType: 'pledge-only', goal: { participants: 5 } },
      { organization: acme.slug, campaignId },
    );
    // Refused readers are told whose members may read it, and that its
    // sign-in is there (the page offers it); twice, the second from the cache.
    for (let i = 0; i < 2; i++) {
      const anonymous = await client.get(`/api/challenges/${challengeId}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.details).toContainEqual(
        expect.objectContaining({ organization: acme.slug, companySignIn: true }),
      );
    }
    const outsider = await client.signIn(`out-${unique()}@example.org`);
    const forbidden = await client.get(`/api/challenges/${challengeId}`, { token: outsider });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.details).toContainEqual(
      expect.objectContaining({ organization: acme.slug, companySignIn: true }),
    );
    const refused = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      {
        token: outsider,
      },
    );
    expect(refused.status).toBe(403);

    const subject = `bob-${unique()}`;
    idp.accounts.set(subject, { email_verified: false, groups: 'tandem' });
    const started = await start(acme.slug);
    idp.signInAs(subject);
    const back = await idp.authorize(started.location);
    // Providers add parameters of their own to the answer: taken, not refused.
    back.searchParams.set('authuser', '0');
    back.searchParams.set('scope', 'openid email');
    const answer = await callback(acme.slug, back, started.cookie);
    expect(answer.status).toBe(302);
    const pledged = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      {
        token: answer.session as string,
      },
    );
    expect(pledged.status, JSON.stringify(pledged.body)).toBe(201);
  });

  it('refuses an account without the member claim: 403, no session, no person, no membership', async () => {
    const subject = `eve-${unique()}`;
    idp.accounts.set(subject, { email: 'eve@elsewhere.example', groups: ['contractors'] });
    const before = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from membership where organization_id = ?',
      [acme.id],
    );
    const answer = await signInThrough(idp, acme.slug, subject);
    expect(answer.status).toBe(403);
    expect(answer.body?.['error']).toBe('TANDEM_AUTH_FORBIDDEN');
    expect(String(answer.body?.['message'])).toContain('groups');
    expect(answer.session).toBeUndefined();
    const identities = await platform.db.query('select 1 from sso_identity where subject = ?', [
      subject,
    ]);
    expect(identities).toHaveLength(0);
    const after = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from membership where organization_id = ?',
      [acme.id],
    );
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('sends a browser to the sign-in page with the reason instead of an error body', async () => {
    const subject = `fay-${unique()}`;
    idp.accounts.set(subject, { groups: [] });
    const started = await start(acme.slug);
    idp.signInAs(subject);
    const back = await idp.authorize(started.location);
    const response = await platform.app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: `tandem_sso=${started.cookie}`, accept: 'text/html' },
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(
      `/sign-in?sso=refused&organization=${encodeURIComponent(acme.slug)}`,
    );
  });

  it('refuses an answer whose state is not the sign-in’s', async () => {
    const subject = `gus-${unique()}`;
    idp.accounts.set(subject, { groups: ['tandem'] });
    const started = await start(acme.slug);
    idp.signInAs(subject);
    const back = await idp.authorize(started.location);
    back.searchParams.set('state', 'forged-state-value');
    const answer = await callback(acme.slug, back, started.cookie);
    expect(answer.status).toBe(401);
    expect(answer.body?.['error']).toBe('TANDEM_AUTH_INVALID');
    expect(String(answer.body?.['message'])).toContain('state');
    expect(answer.session).toBeUndefined();
  });

  it('refuses an answer brought back by another browser (its cookie is another sign-in)', async () => {
    const subject = `hal-${unique()}`;
    idp.accounts.set(subject, { groups: ['tandem'] });
    const victim = await start(acme.slug);
    const attacker = await start(acme.slug);
    idp.signInAs(subject);
    const back = await idp.authorize(attacker.location);
    const answer = await callback(acme.slug, back, victim.cookie);
    expect(answer.status).toBe(401);
    expect(answer.session).toBeUndefined();
    const none = await callback(acme.slug, back, undefined);
    expect(none.status).toBe(401);
  });

  it('refuses an ID token whose nonce is not the sign-in’s', async () => {
    const subject = `ida-${unique()}`;
    idp.accounts.set(subject, { groups: ['tandem'] });
    const started = await start(acme.slug);
    idp.signInAs(subject);
    const back = await idp.authorize(started.location);
    // The token the provider issues carries the nonce it was sent; the
    // sign-in under way now expects another.
    await platform.db.query('update sso_login set nonce = ? where id = ?', [
      'another-nonce-value',
      hashSecret(started.cookie),
    ]);
    const answer = await callback(acme.slug, back, started.cookie);
    expect(answer.status).toBe(401);
    expect(answer.body?.['error']).toBe('TANDEM_AUTH_INVALID');
    expect(String(answer.body?.['message'])).toContain('nonce');
    expect(answer.session).toBeUndefined();
  });

  it('refuses a callback replayed: the sign-in under way serves once', async () => {
    const subject = `jo-${unique()}`;
    idp.accounts.set(subject, { groups: ['tandem'] });
    const started = await start(acme.slug);
    idp.signInAs(subject);
    const back = await idp.authorize(started.location);
    const first = await callback(acme.slug, back, started.cookie);
    expect(first.status).toBe(302);
    const replayed = await callback(acme.slug, back, started.cookie);
    expect(replayed.status).toBe(401);
    expect(replayed.session).toBeUndefined();
  });

  it('refuses a next that leaves the site (open redirect)', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      'evil.example',
    ]) {
      const response = await client.get(
        `/api/auth/sso/${acme.slug}?next=${encodeURIComponent(next)}`,
      );
      expect(response.status, next).toBe(400);
      expect(response.body.details[0].path).toBe('next');
    }
    const rows = await platform.db.query('select 1 from sso_login where next not like ?', ['/%']);
    expect(rows).toHaveLength(0);
  });

  it('answers 502 naming the provider when it is down, at the start and at the callback', async () => {
    const down = await newOrganization(client, platform.adminToken, { kind: 'company' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const issuer = `http://127.0.0.1:${port}`;
    expect(
      (
        await client.put(
          `/api/organizations/${down.slug}/sso`,
          { issuer, clientId: 'x', clientSecret: 'y', memberClaim: null, enabled: true },
          { token: platform.adminToken },
        )
      ).status,
    ).toBe(200);
    const response = await client.get(`/api/auth/sso/${down.slug}`);
    expect(response.status).toBe(502);
    expect(response.body.error).toBe('TANDEM_SSO_PROVIDER_UNAVAILABLE');
    expect(response.body.message).toContain(issuer);

    // A provider that goes down between the start and the callback.
    const brief = await newOrganization(client, platform.adminToken, { kind: 'company' });
    const shortLived = await startTestIdp([
      { clientId: 'c', clientSecret: 'd', redirectUri: callbackOf(brief.slug) },
    ]);
    shortLived.accounts.set('kim', { groups: ['tandem'] });
    await client.put(
      `/api/organizations/${brief.slug}/sso`,
      {
        issuer: shortLived.issuer,
        clientId: 'c',
        clientSecret: 'd',
        memberClaim: null,
        enabled: true,
      },
      { token: platform.adminToken },
    );
    const started = await start(brief.slug);
    shortLived.signInAs('kim');
    const back = await shortLived.authorize(started.location);
    await shortLived.close();
    const answer = await callback(brief.slug, back, started.cookie);
    expect(answer.status).toBe(502);
    expect(answer.body?.['error']).toBe('TANDEM_SSO_PROVIDER_UNAVAILABLE');
  });
});

describe('a rogue provider', () => {
  it('cannot take over a person by asserting their address unless the platform admin verified its domain', async () => {
    const domain = `corp-${unique()}.example`;
    const email = `alice@${domain}`;
    // Alice is a person of Acme, signed in by a mailed link, with a pledge.
    const aliceSession = await client.signIn(email);
    const alice = await me(aliceSession);
    const { challengeId } = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Walk', actionType: 'pledge-only', goal: { participants: 9 } },
      { organization: acme.slug },
    );
    const pledged = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      {
        token: aliceSession,
      },
    );
    expect(pledged.status).toBe(201);

    // The other organization's provider asserts her address, "verified".
    rogue.accounts.set('rogue-1', { email, email_verified: true, name: 'Not Alice' });
    const taken = await signInThrough(rogue, other.slug, 'rogue-1');
    expect(taken.status).toBe(302);
    const intruder = await me(taken.session as string);
    expect(intruder.id).not.toBe(alice.id);
    expect(intruder.email).toBeNull();
    // Alice is untouched: her session, her address, her pledge.
    const still = await me(aliceSession);
    expect(still.id).toBe(alice.id);
    expect(still.email).toBe(email);
    const [pledge] = await platform.db.query<{ participant_id: string }>(
      'select participant_id from pledge where id = ?',
      [pledged.body.id],
    );
    expect(pledge?.participant_id).toBe(alice.id);
    // …and a magic link for her address still signs in Alice, not the intruder.
    expect((await me(await client.signIn(email))).id).toBe(alice.id);

    // The organization's admin cannot verify a domain; the platform admin can.
    const otherAdmin = `admin-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${other.slug}/members`,
      { email: otherAdmin, role: 'owner' },
      { token: platform.adminToken },
    );
    const byOrg = await client.post(
      `/api/organizations/${other.slug}/domains`,
      { domain },
      { token: await client.signIn(otherAdmin) },
    );
    expect(byOrg.status).toBe(403);

    // Unverified by the provider: still separate, even with the domain verified.
    const verified = await client.post(
      `/api/organizations/${other.slug}/domains`,
      { domain: domain.toUpperCase() },
      { token: platform.adminToken },
    );
    expect(verified.status).toBe(201);
    expect(verified.body.domain).toBe(domain);
    rogue.accounts.set('rogue-2', { email, email_verified: 'true' });
    const unverified = await signInThrough(rogue, other.slug, 'rogue-2');
    expect((await me(unverified.session as string)).id).not.toBe(alice.id);

    // Verified by the provider and the domain verified for the organization: linked.
    rogue.accounts.set('rogue-3', { email, email_verified: true });
    const linked = await signInThrough(rogue, other.slug, 'rogue-3');
    expect(linked.status).toBe(302);
    expect((await me(linked.session as string)).id).toBe(alice.id);
    // Member of the other organization now, never more.
    const roles = await platform.db.query<{ organization_id: string; role: string }>(
      'select organization_id, role from membership where participant_id = ?',
      [alice.id],
    );
    expect(roles).toEqual([{ organization_id: other.id, role: 'member' }]);
  });
});

describe('settings', () => {
  it('tells the public page whether the organization offers company sign-in', async () => {
    expect((await client.get(`/api/organizations/${acme.slug}`)).body.companySignIn).toBe(true);
    const plain = await newOrganization(client, platform.adminToken);
    expect((await client.get(`/api/organizations/${plain.slug}`)).body.companySignIn).toBe(false);
  });

  it('keeps the client secret sealed at rest and never sends it back', async () => {
    const [row] = await platform.db.query<{ sealed_client_secret: string }>(
      'select sealed_client_secret from sso_config where organization_id = ?',
      [acme.id],
    );
    expect(row?.sealed_client_secret.startsWith('tk1.')).toBe(true);
    expect(row?.sealed_client_secret).not.toContain(SECRET);
    const read = await client.get(`/api/organizations/${acme.slug}/sso`, { token: ownerToken });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(SECRET);
    expect(read.body).toMatchObject({
      configured: true,
      enabled: true,
      issuer: idp.issuer,
      clientId: 'tandem-acme',
      hasClientSecret: true,
      memberClaim: { name: 'groups', values: ['tandem'] },
      callbackUrl: callbackOf(acme.slug),
    });
  });

  it('keeps the stored secret when none is sent, and asks for one when the client changes', async () => {
    const body = {
      issuer: idp.issuer,
      clientId: 'tandem-acme',
      memberClaim: { name: 'groups', values: ['tandem'] },
      enabled: true,
    };
    const kept = await client.put(`/api/organizations/${acme.slug}/sso`, body, {
      token: ownerToken,
    });
    expect(kept.status).toBe(200);
    const changed = await client.put(
      `/api/organizations/${acme.slug}/sso`,
      { ...body, clientId: 'another-client' },
      { token: ownerToken },
    );
    expect(changed.status).toBe(400);
    expect(changed.body.details[0].path).toBe('clientSecret');
  });

  it('bounds how often one address may start a sign-in (each start calls the provider)', async () => {
    const limited = await startTestPlatform({
      env: { TANDEM_SSO_ALLOW_PRIVATE_NETWORKS: '1', TANDEM_RATE_LIMIT_PER_IP: '2' },
    });
    try {
      const c = createTestClient(limited.app);
      const org = await newOrganization(c, limited.adminToken, { kind: 'company' });
      await c.put(
        `/api/organizations/${org.slug}/sso`,
        { issuer: idp.issuer, clientId: 'x', clientSecret: 'y', memberClaim: null, enabled: true },
        { token: limited.adminToken },
      );
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await c.get(`/api/auth/sso/${org.slug}`)).status);
      expect(statuses).toEqual([302, 302, 429]);
      const [rows] = await limited.db.query<{ n: number }>(
        'select count(*)::int as n from sso_login',
      );
      expect(rows?.n).toBe(2);
    } finally {
      await limited.stop();
    }
  });

  it('refuses issuers that are not https, carry credentials, or point inside the network', async () => {
    const strict = await startTestPlatform();
    try {
      const c = createTestClient(strict.app);
      const org = await newOrganization(c, strict.adminToken, { kind: 'company' });
      for (const issuer of [
        'http://idp.example.org',
        'ftp://idp.example.org',
        'https://user:pw@idp.example.org',
        'https://idp.example.org/?x=1',
        'https://127.0.0.1:8443',
        'https://10.1.2.3',
        'https://169.254.169.254',
        'https://localhost',
        'https://[::1]',
        'not a url',
        `https://idp.example.org/${'\u0000'}`,
      ]) {
        const response = await c.put(
          `/api/organizations/${org.slug}/sso`,
          { issuer, clientId: 'x', clientSecret: 'y', memberClaim: null, enabled: true },
          { token: strict.adminToken },
        );
        expect(response.status, issuer).toBe(400);
      }
      const fine = await c.put(
        `/api/organizations/${org.slug}/sso`,
        {
          issuer: 'https://login.example.org/realms/staff',
          clientId: 'x',
          clientSecret: 'y',
          memberClaim: null,
          enabled: true,
        },
        { token: strict.adminToken },
      );
      expect(fine.status).toBe(200);
    } finally {
      await strict.stop();
    }
  });

  it('refuses hostile input with 400 naming the field', async () => {
    const base = {
      issuer: idp.issuer,
      clientId: 'tandem-acme',
      clientSecret: SECRET,
      memberClaim: { name: 'groups', values: ['tandem'] },
      enabled: true,
    };
    for (const [body, path] of [
      [{ ...base, clientSecret: 'a\u0000b' }, 'clientSecret'],
      [{ ...base, memberClaim: { name: 'groups', values: [] } }, 'memberClaim'],
      [{ ...base, memberClaim: { name: 'sub', values: ['x'] } }, 'memberClaim.name'],
      [{ ...base, clientId: '   ' }, 'clientId'],
      [{ ...base, extra: 1 }, 'extra'],
    ] as const) {
      const response = await client.put(`/api/organizations/${acme.slug}/sso`, body, {
        token: ownerToken,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(response.body.details ?? response.body)).toContain(path);
    }
    const badDomain = await client.post(
      `/api/organizations/${acme.slug}/domains`,
      { domain: 'not a domain' },
      { token: platform.adminToken },
    );
    expect(badDomain.status).toBe(400);
    const unknown = await client.get(`/api/auth/sso/no-such-org-${unique()}`);
    expect(unknown.status).toBe(404);
    // NUL and unpaired surrogates in the query of either route: 400, never a 500.
    for (const url of [
      `/api/auth/sso/${acme.slug}?next=%2Fa%00b`,
      `/api/auth/sso/${acme.slug}?next=%2F%ED%A0%80`,
      `/api/auth/sso/${acme.slug}/callback?code=a%00b&state=x`,
      `/api/auth/sso/${acme.slug}/callback?code=abc&state=x&extra=%00`,
      `/api/auth/sso/${acme.slug}/callback?code=${'x'.repeat(5000)}&state=x`,
    ]) {
      const response = await client.get(url);
      expect(response.status, url).toBe(400);
    }
  });
});

describe('claims from the provider', () => {
  it('stores no NUL or control character a provider sends, and refuses a subject it cannot store', async () => {
    const subject = `nul-${unique()}`;
    idp.accounts.set(subject, { groups: ['tandem'], name: 'Ann\u0000\u0007 Bee' });
    const answer = await signInThrough(idp, acme.slug, subject);
    expect(answer.status, JSON.stringify(answer.body)).toBe(302);
    const [row] = await platform.db.query<{ display_name: string }>(
      'select p.display_name from participant p join sso_identity i on i.participant_id = p.id where i.subject = ?',
      [subject],
    );
    expect(row?.display_name).toBe('Ann   Bee');

    const bad = `bad\u0000${unique()}`;
    idp.accounts.set(bad, { groups: ['tandem'] });
    const refused = await signInThrough(idp, acme.slug, bad);
    expect(refused.status).toBe(401);
    expect(refused.body?.['error']).toBe('TANDEM_AUTH_INVALID');
  });
});

describe('erasure', () => {
  it('exports a person’s provider accounts and forgets them when they erase their data; signing in again finds their row, not a clash', async () => {
    const subject = `zoe-${unique()}`;
    idp.accounts.set(subject, { groups: ['tandem'], name: 'Zoe' });
    const first = await signInThrough(idp, acme.slug, subject);
    const zoe = await me(first.session as string);
    const exported = await client.get('/api/me/export', { token: first.session as string });
    expect(exported.status).toBe(200);
    expect(exported.body.signInAccounts).toEqual([
      expect.objectContaining({ issuer: idp.issuer, subject }),
    ]);
    const erased = await client.delete('/api/me', { token: first.session as string });
    expect(erased.status).toBe(200);
    const left = await platform.db.query('select 1 from sso_identity where participant_id = ?', [
      zoe.id,
    ]);
    expect(left).toHaveLength(0);
    const again = await signInThrough(idp, acme.slug, subject);
    expect(again.status, JSON.stringify(again.body)).toBe(302);
    expect((await me(again.session as string)).id).toBe(zoe.id);
  });
});
