import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  openChallenge,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * One mailbox, one person, one limit (issue: mail bombing past the
 * per-address limit; one mailbox counted as several people). Spellings the
 * grammar refuses are a 400 on the field; spellings it accepts are one
 * canonical address: one participant, one count, one mail bucket, one dev
 * mailbox.
 */

const LIMIT = 3;
let platform: TestPlatform;
let client: TestClient;
let challengeId: string;

beforeAll(async () => {
  platform = await startTestPlatform({ env: { TANDEM_RATE_LIMIT_PER_EMAIL: String(LIMIT) } });
  client = createTestClient(platform.app);
  ({ challengeId } = await setUpClichy(client, platform.adminToken, { participants: 50 }));
});
afterAll(async () => {
  await platform?.stop();
});

const askLink = (email: string) => client.post('/api/auth/magic-link', { email });
const pledge = (email: string, id = challengeId) =>
  client.post(`/api/challenges/${id}/pledges`, { email });

async function mailbox(to: string) {
  const response = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(to)}`);
  expect(response.status).toBe(200);
  return response.body.messages as { to: string; purpose: string; token?: string }[];
}

/** Every mail the dev mailbox stored for addresses holding `tag`, whatever their spelling. */
async function storedMails(tag: string): Promise<{ to_email: string; recipient: string }[]> {
  return platform.db.query('select to_email, recipient from dev_mail where recipient like ?', [
    `%${tag}%`,
  ]);
}

describe('mail bombing past the per-address limit', () => {
  it('given a list, a quoted local part or an IP literal, then 400 on email, for links and pledges', async () => {
    const tag = unique();
    const victim = `victim${tag}@x.example`;
    const spellings = [
      ...Array.from({ length: LIMIT + 2 }, (_, i) => `a${i}${tag},${victim}`),
      `${victim},a${tag}@x.example`,
      `"victim${tag}"@x.example`,
      `"victim${tag}@x.example"@x.example`,
      `victim${tag}@[93.184.216.34]`,
      `victim${tag}@[IPv6:2001:db8::1]`,
      `victim${tag}@93.184.216.34`,
      `victim${tag}%x.example@relay.example`,
    ];
    for (const email of spellings) {
      for (const response of [await askLink(email), await pledge(email)]) {
        expect(response.status, email).toBe(400);
        expect(response.body.error).toBe('TANDEM_REQUEST_INVALID');
        expect(response.body.details[0].path).toBe('email');
      }
    }
    expect(await storedMails(tag)).toEqual([]);
  });

  it('given the limit hit for an address, then every accepted spelling of it is 429', async () => {
    const tag = unique();
    const victim = `victim${tag}@bücher.example`;
    for (let i = 0; i < LIMIT; i++) {
      // Sign-in links and pledge confirmations fill one bucket: the inbox's.
      const response = i % 2 === 0 ? await askLink(victim) : await pledge(victim);
      expect(response.status).toBe(202);
    }
    const spellings = [
      victim,
      `VICTIM${tag}@BÜCHER.EXAMPLE`,
      `victim${tag}+1@bücher.example`,
      `victim${tag}+other+tag@bücher.example`,
      `  victim${tag}@bücher.example\t`,
      `victim${tag}@xn--bcher-kva.example`,
      `victim${tag}@XN--BCHER-KVA.example`,
      `victim${tag}@bu\u0308cher.example`,
    ];
    for (const email of spellings) {
      const link = await askLink(email);
      expect(link.status, email).toBe(429);
      expect(link.body.error).toBe('TANDEM_RATE_LIMITED');
      const pledged = await pledge(email);
      expect(pledged.status, email).toBe(429);
    }
    // Exactly LIMIT mails reached the mailbox, all to its canonical form.
    const stored = await storedMails(tag);
    expect(stored).toHaveLength(LIMIT);
    for (const row of stored) {
      expect(row.recipient).toBe(`victim${tag}@xn--bcher-kva.example`);
      expect(row.to_email).toBe(row.recipient);
    }
  });

  it('given a Gmail address, then dots and googlemail.com share its bucket', async () => {
    const tag = unique();
    for (let i = 0; i < LIMIT; i++)
      expect((await askLink(`victim${tag}@gmail.com`)).status).toBe(202);
    for (const email of [
      `v.i.c.t.i.m${tag}@gmail.com`,
      `Victim${tag}+x@GoogleMail.com`,
      `victim.${tag}@googlemail.com`,
    ]) {
      expect((await askLink(email)).status, email).toBe(429);
    }
  });
});

describe('the dev mailbox', () => {
  it('finds a mail under any accepted spelling, shows the canonical address, and refuses a bad spelling', async () => {
    const tag = unique();
    expect((await askLink(`Jo.Ann${tag}+x@Bücher.example`)).status).toBe(202);
    const canonical = `jo.ann${tag}@xn--bcher-kva.example`;
    for (const spelling of [
      canonical,
      `JO.ANN${tag}@bücher.example`,
      `jo.ann${tag}+y@bu\u0308cher.example`,
      ` jo.ann${tag}@XN--BCHER-KVA.EXAMPLE `,
    ]) {
      const messages = await mailbox(spelling);
      expect(messages, spelling).toHaveLength(1);
      expect(messages[0]?.to).toBe(canonical);
      expect(messages[0]?.purpose).toBe('sign-in');
    }
    for (const bad of [
      `jo.ann${tag}@bücher.example,eve@x.example`,
      `"jo.ann${tag}"@bücher.example`,
      `jo.ann${tag}\u200b@bücher.example`,
    ]) {
      const response = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(response.body.details[0].path).toBe('to');
    }
  });
});

describe('one mailbox, one person', () => {
  it('counts jane@bücher.example, its xn-- form and its NFD spelling as one person', async () => {
    const { challengeId: id } = await setUpClichy(client, platform.adminToken, {
      participants: 10,
    });
    const tag = unique();
    const spellings = [
      `jane${tag}@bücher.example`,
      `jane${tag}@xn--bcher-kva.example`,
      // NFD, in capitals. (At most LIMIT spellings: each one mails the same inbox.)
      `JANE${tag}@BU\u0308CHER.EXAMPLE`,
    ];
    const pledgeIds = new Set<string>();
    for (const email of spellings) pledgeIds.add(await client.pledgeAndConfirm(id, email));
    expect(pledgeIds.size).toBe(1);
    await platform.settle();
    const challenge = await client.get(`/api/challenges/${id}`);
    expect(challenge.body.progress.participants).toBe(1);
    const people = await platform.db.query<{ canonical_email: string; email: string }>(
      'select canonical_email, email from participant where canonical_email like ?',
      [`%${tag}%`],
    );
    expect(people).toEqual([
      {
        canonical_email: `jane${tag}@xn--bcher-kva.example`,
        email: `jane${tag}@xn--bcher-kva.example`,
      },
    ]);
    const pledges = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from pledge where challenge_id = ?',
      [id],
    );
    expect(pledges[0]?.n).toBe(1);
  });

  it('refuses quoted and zero-width spellings with 400 on email, and stores no one', async () => {
    const tag = unique();
    for (const email of [
      `"jane${tag}"@bücher.example`,
      `ja\u200bne${tag}@bücher.example`,
      `jane${tag}@bücher.example\u200b`,
      `jane${tag}@bücher\u200b.example`,
      `jane${tag}\u2060@bücher.example`,
      `jane${tag}\ufeff@bücher.example`,
      `jane${tag}\u00ad@bücher.example`,
      `jane${tag}\u202e@bücher.example`,
      `jane${tag}\u200e@bücher.example`,
    ]) {
      const response = await pledge(email);
      expect(response.status, JSON.stringify(email)).toBe(400);
      expect(response.body.details[0].path).toBe('email');
    }
    const people = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from participant where canonical_email like ?',
      [`%${tag}%`],
    );
    expect(people[0]?.n).toBe(0);
  });

  it('makes a member added as xn-- the person who signs in with the Unicode spelling', async () => {
    const tag = unique();
    const { slug } = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Members', actionType: 'pledge-only', goal: { participants: 5 } },
      { open: false },
    );
    const added = await client.post(
      `/api/organizations/${slug}/members`,
      { email: `Agent${tag}+desk@XN--BCHER-KVA.example`, role: 'agent' },
      { token: platform.adminToken },
    );
    expect(added.status).toBe(201);
    expect(added.body.email).toBe(`agent${tag}@xn--bcher-kva.example`);
    const session = await client.signIn(`agent${tag}@bu\u0308cher.example`);
    const me = await client.get('/api/me', { token: session });
    expect(me.body.id).toBe(added.body.participantId);
    expect(me.body.memberships).toEqual([expect.objectContaining({ role: 'agent' })]);
    const refused = await client.post(
      `/api/organizations/${slug}/members`,
      { email: `agent${tag},eve@x.example`, role: 'admin' },
      { token: platform.adminToken },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].path).toBe('email');
  });

  it('lets an e-mail-domain audience named in Unicode take the xn-- spelling, and the reverse', async () => {
    const tag = unique();
    const { challengeId: id } = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Staff', actionType: 'pledge-only', goal: { participants: 5 } },
      {
        campaign: {
          title: 'Staff',
          audience: { type: 'email-domain', domains: ['Bücher.example'] },
        },
      },
    );
    expect((await pledge(`a${tag}@xn--bcher-kva.example`, id)).status).toBe(202);
    expect((await pledge(`b${tag}@bu\u0308cher.example`, id)).status).toBe(202);
    const outsider = await pledge(`c${tag}@xn--bcher-kva.example.evil.example`, id);
    expect(outsider.status).toBe(403);
  });
});
