import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../ids.js';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../testing/smtp.js';

/**
 * Where mail really goes (issue: account takeover by a comma). The platform
 * sends through its real SMTP mailer to a real SMTP server in this process,
 * and every assertion is on the envelope's `RCPT TO`: an address is read
 * once, with one grammar, and a mail only ever goes to the canonical form of
 * the person it is for — never to the text that was typed.
 */

let sink: SmtpSink;
let platform: TestPlatform;
let client: TestClient;
let challengeId: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  platform = await startTestPlatform({
    env: { TANDEM_DEV_MAILBOX: '0', SMTP_URL: sink.url, TANDEM_RATE_LIMIT_PER_EMAIL: '0' },
  });
  client = createTestClient(platform.app);
  ({ challengeId } = await setUpClichy(client, platform.adminToken, { participants: 50 }));
});
afterAll(async () => {
  await platform?.stop();
  await sink?.stop();
});

/** The message as text: quoted-printable soft breaks joined and escapes decoded. */
function decoded(mail: ReceivedMail): string {
  return mail.data
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The one-time token a mail's link carries. */
function tokenIn(mail: ReceivedMail): string {
  const token = /[?&]token=([A-Za-z0-9_-]{20,})/.exec(decoded(mail))?.[1];
  if (!token) throw new Error('no token in the mail');
  return token;
}

/** The first mail carrying a link accepted after the `before`-th, waiting for it. */
async function confirmationAfter(before: number): Promise<ReceivedMail> {
  for (let count = before + 1; ; count++) {
    const mails = await sink.waitFor(count);
    const found = mails.slice(before).find((mail) => /[?&]token=/.test(decoded(mail)));
    if (found) return found;
  }
}

/** Runs `act` and answers the mails the SMTP server accepted meanwhile. */
async function mailsDuring(act: () => Promise<void>, expected: number): Promise<ReceivedMail[]> {
  const before = sink.received.length;
  const recipientsBefore = sink.recipients.length;
  await act();
  if (expected > 0) await sink.waitFor(before + expected);
  const mails = sink.received.slice(before);
  // Nothing beyond what the mails themselves name was ever offered as a recipient.
  expect(sink.recipients.slice(recipientsBefore)).toEqual(mails.flatMap((m) => m.rcptTo));
  return mails;
}

describe('sign-in links over SMTP', () => {
  it('given "alice+x,eve@a.example", when a link is asked, then 400 on email and no mail at all', async () => {
    const tag = unique();
    for (const email of [
      `alice${tag}+x,eve${tag}@a.example`,
      `alice${tag}@a.example,eve${tag}@a.example`,
      `alice${tag}@a.example;eve${tag}@a.example`,
      `"alice${tag}@a.example" <eve${tag}@a.example>`,
      `alice${tag}@a.example <eve${tag}@a.example>`,
      `"alice${tag},eve${tag}"@a.example`,
      `alice${tag}@a.example\r\nBcc: eve${tag}@a.example`,
      `alice${tag}(eve${tag}@a.example)@a.example`,
    ]) {
      const mails = await mailsDuring(async () => {
        const response = await client.post('/api/auth/magic-link', { email });
        expect(response.status, email).toBe(400);
        expect(response.body.error).toBe('TANDEM_REQUEST_INVALID');
        expect(response.body.details[0].path).toBe('email');
      }, 0);
      expect(mails).toEqual([]);
    }
    expect(sink.recipients.filter((to) => to.includes(`eve${tag}`))).toEqual([]);
    const tokens = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from mail_token where email like ?',
      [`%${tag}%`],
    );
    expect(tokens[0]?.n).toBe(0);
  });

  it("given any accepted spelling of Alice's address, then RCPT TO is exactly her canonical address", async () => {
    const tag = unique();
    const cases: Array<[string, string]> = [
      [`alice${tag}@a.example`, `alice${tag}@a.example`],
      [`  Alice${tag}+x@A.Example `, `alice${tag}@a.example`],
      [`ALICE${tag}+news+more@a.example`, `alice${tag}@a.example`],
      [`alice${tag}@Bücher.example`, `alice${tag}@xn--bcher-kva.example`],
      [`alice${tag}@bu\u0308cher.example`, `alice${tag}@xn--bcher-kva.example`],
      [`A.l.i.c.e.${tag}+x@googlemail.com`, `alice${tag}@gmail.com`],
    ];
    for (const [email, canonical] of cases) {
      const [mail, ...more] = await mailsDuring(async () => {
        const response = await client.post('/api/auth/magic-link', { email });
        expect(response.status, email).toBe(202);
      }, 1);
      expect(more).toEqual([]);
      expect(mail?.rcptTo, email).toEqual([canonical]);
      expect(decoded(mail as ReceivedMail)).toMatch(new RegExp(`^To: ${canonical}\\r?$`, 'm'));
    }
  });

  it("given the link mailed to a spelling of Alice's address, then it signs in Alice, the one person", async () => {
    const tag = unique();
    const [first] = await mailsDuring(async () => {
      expect(
        (await client.post('/api/auth/magic-link', { email: `Alice${tag}+x@a.example` })).status,
      ).toBe(202);
    }, 1);
    const [second] = await mailsDuring(async () => {
      expect(
        (await client.post('/api/auth/magic-link', { email: `alice${tag}@a.example` })).status,
      ).toBe(202);
    }, 1);
    const ids = [];
    for (const mail of [first, second]) {
      const session = await client.post('/api/auth/session', {
        token: tokenIn(mail as ReceivedMail),
      });
      expect(session.status).toBe(200);
      ids.push(session.body.participantId);
      const me = await client.get('/api/me', { token: session.body.sessionToken });
      expect(me.body.email).toBe(`alice${tag}@a.example`);
    }
    expect(ids[0]).toBe(ids[1]);
  });

  it('given a token stored for a list before the grammar was strict, then it signs nobody in', async () => {
    // What the old code stored for "alice+x,eve@a.example" while eve got the
    // link: the token must not turn into Alice's session now.
    const tag = unique();
    const token = `legacy-${unique()}-${unique()}`;
    await platform.db.query(
      `insert into mail_token (hash, purpose, email, payload, expires_at)
       values (?, 'sign-in', ?, '{}'::jsonb, now() + interval '10 minutes')`,
      [hashSecret(token), `alice${tag}+x,eve${tag}@a.example`],
    );
    const session = await client.post('/api/auth/session', { token });
    expect(session.status).toBe(404);
    expect(session.body.error).toBe('TANDEM_NOT_FOUND');
    const people = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from participant where canonical_email like ?',
      [`%${tag}%`],
    );
    expect(people[0]?.n).toBe(0);
  });
});

describe('pledge confirmations over SMTP', () => {
  it('given a list or a quoted spelling, when pledging, then 400 on email and no mail', async () => {
    const tag = unique();
    for (const email of [
      `alice${tag}+x,eve${tag}@a.example`,
      `"alice${tag}"@a.example`,
      `alice${tag}@[93.184.216.34]`,
      `<eve${tag}@a.example>`,
    ]) {
      const mails = await mailsDuring(async () => {
        const response = await client.post(`/api/challenges/${challengeId}/pledges`, { email });
        expect(response.status, email).toBe(400);
        expect(response.body.details[0].path).toBe('email');
      }, 0);
      expect(mails).toEqual([]);
    }
    expect(sink.recipients.filter((to) => to.includes(tag))).toEqual([]);
  });

  it('given spellings of one address, then every confirmation goes to the canonical address and counts one person', async () => {
    const tag = unique();
    const canonical = `bob${tag}@xn--bcher-kva.example`;
    const spellings = [
      `Bob${tag}+x@BÜCHER.example`,
      `bob${tag}@xn--bcher-kva.example`,
      `bob${tag}@bu\u0308cher.example`,
    ];
    const before = (await client.get(`/api/challenges/${challengeId}`)).body.progress.participants;
    const pledgeIds = new Set<string>();
    for (const email of spellings) {
      const before = sink.received.length;
      const response = await client.post(`/api/challenges/${challengeId}/pledges`, { email });
      expect(response.status, email).toBe(202);
      // The previous confirmation's "your pledge counts" mail is sent by a
      // job and may land meanwhile: take the mail that carries a link.
      const mail = await confirmationAfter(before);
      expect(mail.rcptTo, email).toEqual([canonical]);
      const confirmed = await client.post('/api/pledges/confirm', { token: tokenIn(mail) });
      expect(confirmed.status).toBe(200);
      pledgeIds.add(confirmed.body.id);
    }
    expect(pledgeIds.size).toBe(1);
    await platform.settle();
    const after = (await client.get(`/api/challenges/${challengeId}`)).body.progress.participants;
    expect(after - before).toBe(1);
    // Every mail for this person, notifications included, went to the one
    // canonical address and to nobody else.
    const mine = sink.received.filter((mail) => mail.rcptTo.some((to) => to.includes(tag)));
    expect(mine.length).toBeGreaterThanOrEqual(spellings.length);
    for (const mail of mine) expect(mail.rcptTo).toEqual([canonical]);
    expect(sink.recipients.filter((to) => to.includes(tag) && to !== canonical)).toEqual([]);
  });
});
