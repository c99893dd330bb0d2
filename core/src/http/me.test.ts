import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  type TestResponse,
  unique,
} from '../testing/index.js';

/**
 * `GET` and `PATCH /api/me`: a person's own settings, and what
 * `mailOptOut` stops (every notification) and does not (a mail they ask
 * for). Real PostgreSQL, dev mailbox.
 */

const someone = () => `me-${unique()}@example.org`;

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

const patchMe = async (token: string | undefined, body: unknown) => {
  const response = await platform.app.inject({
    method: 'PATCH',
    url: '/api/me',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    payload: body as object,
  });
  return { status: response.statusCode, body: response.json() as TestResponse['body'] };
};

const purposesTo = async (email: string) =>
  (
    await platform.db.query<{ purpose: string }>(
      'select purpose from dev_mail where to_email = ? order by seq',
      [email],
    )
  ).map((row) => row.purpose);

describe('GET /api/me', () => {
  it('gives a new person the defaults: French, anonymous on the feed, mail on, no place', async () => {
    const email = someone();
    const token = await client.signIn(email);
    const me = await client.get('/api/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      kind: 'participant',
      id: expect.any(String),
      email,
      displayName: null,
      locale: 'fr',
      showAs: 'anonymous',
      mailOptOut: false,
      place: null,
      memberships: [],
    });
  });

  it('still answers the platform admin, who has no settings', async () => {
    const me = await client.get('/api/me', { token: platform.adminToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ kind: 'admin', memberships: [] });
  });
});

describe('PATCH /api/me', () => {
  it('changes each setting given and leaves the others, answering like GET', async () => {
    const token = await client.signIn(someone());
    const changed = await patchMe(token, {
      displayName: '  Claire  ',
      showAs: 'name',
      locale: 'en',
      mailOptOut: true,
      postcode: '92110',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      displayName: 'Claire',
      showAs: 'name',
      locale: 'en',
      mailOptOut: true,
      // The postcode is kept with the commune the gazetteer gives it.
      place: { postcode: '92110', code: '92024', name: 'Clichy' },
    });
    expect((await client.get('/api/me', { token })).body).toEqual(changed.body);

    const partial = await patchMe(token, { mailOptOut: false });
    expect(partial.body).toMatchObject({ displayName: 'Claire', mailOptOut: false, locale: 'en' });

    const cleared = await patchMe(token, { displayName: null, postcode: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ displayName: null, place: null, showAs: 'name' });
    expect((await patchMe(token, {})).status).toBe(200);
  });

  it.each([
    [{ displayName: '' }, 'displayName'],
    [{ displayName: '    ' }, 'displayName'],
    [{ displayName: 'x'.repeat(61) }, 'displayName'],
    [{ displayName: 'Claire\nBcc: all@example.org' }, 'displayName'],
    [{ displayName: 42 }, 'displayName'],
    [{ postcode: '9211' }, 'postcode'],
    [{ postcode: '921100' }, 'postcode'],
    [{ postcode: 'abcde' }, 'postcode'],
    [{ postcode: 92110 }, 'postcode'],
    [{ postcode: '00000' }, 'postcode'],
    [{ showAs: 'everyone' }, 'showAs'],
    [{ locale: 'de' }, 'locale'],
    [{ mailOptOut: 'yes' }, 'mailOptOut'],
  ])('refuses %j with a 400 naming %s, and changes nothing', async (body, field) => {
    const token = await client.signIn(someone());
    const refused = await patchMe(token, body);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(field);
    const me = await client.get('/api/me', { token });
    expect(me.body).toMatchObject({ displayName: null, place: null, locale: 'fr' });
  });

  it('keeps a 60-character name, trimmed', async () => {
    const token = await client.signIn(someone());
    const name = 'é'.repeat(60);
    const changed = await patchMe(token, { displayName: ` ${name} ` });
    expect(changed.status).toBe(200);
    expect(changed.body.displayName).toBe(name);
  });

  it('refuses unknown fields, and fields that are not settings', async () => {
    const token = await client.signIn(someone());
    for (const body of [{ email: 'other@example.org' }, { id: 'ppt_x' }, { nickname: 'x' }]) {
      const refused = await patchMe(token, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    }
  });

  it('is for participants only: 401 anonymous, 403 the admin token', async () => {
    expect((await patchMe(undefined, { locale: 'en' })).status).toBe(401);
    expect((await patchMe(platform.adminToken, { locale: 'en' })).status).toBe(403);
  });

  it('exports the settings, and erasure forgets the place', async () => {
    const token = await client.signIn(someone());
    await patchMe(token, { postcode: '92110', showAs: 'name' });
    const exported = await client.get('/api/me/export', { token });
    expect(exported.status).toBe(200);
    expect(exported.body.identity).toMatchObject({
      showAs: 'name',
      mailOptOut: false,
      postcode: '92110',
    });
    const me = await client.get('/api/me', { token });
    expect((await client.delete('/api/me', { token })).status).toBe(200);
    const [row] = await platform.db.query<Record<string, unknown>>(
      'select postcode, commune_code, show_as from participant where id = ?',
      [me.body.id],
    );
    expect(row).toEqual({ postcode: null, commune_code: null, show_as: 'anonymous' });
  });
});

describe('mailOptOut', () => {
  it('stops every notification mail, never a mail the person asks for', async () => {
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 50 });
    const quiet = someone();
    const told = someone();
    const token = await client.signIn(quiet);
    expect((await patchMe(token, { mailOptOut: true })).status).toBe(200);

    // Both pledge by mail: the confirmation link is asked for, so it comes.
    await client.pledgeAndConfirm(challengeId, quiet);
    await client.pledgeAndConfirm(challengeId, told);
    const closed = await client.post(`/api/challenges/${challengeId}/close`, undefined, {
      token: platform.adminToken,
    });
    expect(closed.status).toBe(200);
    await platform.settle();

    // The other person got the news: the notifications did go out.
    expect(await purposesTo(told)).toEqual([
      'pledge-confirmation',
      'pledge-confirmed',
      'challenge-failed',
    ]);
    expect(await purposesTo(quiet)).toEqual(['sign-in', 'pledge-confirmation']);

    // A sign-in link asked for now still comes.
    expect((await client.post('/api/auth/magic-link', { email: quiet })).status).toBe(202);
    expect(await purposesTo(quiet)).toEqual(['sign-in', 'pledge-confirmation', 'sign-in']);
  });
});

describe("a pledge's locale", () => {
  it('sends the confirmation in the language the pledge names, and keeps it for later mails', async () => {
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 50 });
    const email = someone();
    const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, {
      email,
      locale: 'en',
    });
    expect(pledged.status).toBe(202);
    const [mail] = await platform.db.query<{ subject: string; text: string }>(
      `select subject, text from dev_mail where to_email = ? and purpose = 'pledge-confirmation'`,
      [email],
    );
    expect(mail?.subject).toMatch(/^Confirm your pledge: /);
    expect(mail?.text).toMatch(/Thank you for pledging/);

    const token = await client.mailedToken(email, 'pledge-confirmation');
    expect((await client.post('/api/pledges/confirm', { token })).status).toBe(200);
    const session = await client.signIn(email);
    expect((await client.get('/api/me', { token: session })).body.locale).toBe('en');
  });
});
