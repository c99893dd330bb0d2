import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../ids.js';
import { createMemoryMailer, type Mailer } from '../../mail/mailer.js';
import { defineActionType } from '../../index.js';
import { confirmPledgeRow } from '../../services/pledges.js';
import { loadChallenge } from '../../store/challenges.js';
import {
  confirmPledges,
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
} from '../../testing/index.js';
import { sendReminders, type ReminderDeps } from './reminders.js';

/**
 * Contribution reminders (issue 3, "Scheduled work"): people who pledged to
 * a measured action get a weekly reminder to log what they did, with a
 * link that stops them. Opening the link changes nothing; posting it does.
 */

const testReminderKm = defineActionType({
  id: 'test-reminder-km',
  version: '1.0.0',
  title: { fr: 'Km à vélo (test)', en: 'Km by bike (test)' },
  unit: 'km',
  contributionSchema: Type.Object({ km: Type.Number({ minimum: 0 }) }),
  quantify: ({ details }) => details.km,
});

const DAY = 24 * 60 * 60 * 1000;

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [testReminderKm] });
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

async function openReminderChallenge(actionType: string): Promise<string> {
  const { challengeId } = await openChallenge(
    client,
    platform.adminToken,
    {
      title: 'Vélo au travail',
      actionType,
      goal: { participants: 100 },
      counterpart: { kind: 'act', description: 'Something' },
    },
    { kind: 'company' },
  );
  return challengeId;
}

/** Confirmed pledges of new people; returns their addresses and ids. */
async function pledgers(challengeId: string, count: number) {
  return confirmPledges(platform, challengeId, count, { verified: true });
}

const deps = (now: Date, mailer: Mailer = platform.ctx.mailer): ReminderDeps => ({
  db: platform.db,
  mailer,
  config: platform.config,
  registry: platform.registry,
  now: () => now,
});

const at = (days: number) => new Date(Date.now() + days * DAY);

const reminders = async (email: string) =>
  (await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`)).body.messages.filter(
    (m: { purpose: string }) => m.purpose === 'contribution-reminder',
  ) as { subject: string; text: string; token: string }[];

describe('send-reminders', () => {
  it('reminds pledgers of a measured action weekly, and never in their first week', async () => {
    const measured = await openReminderChallenge('test-reminder-km');
    const unmeasured = await openReminderChallenge('pledge-only');
    const [ann, bob] = await pledgers(measured, 2);
    const [cid] = await pledgers(unmeasured, 1);

    await sendReminders(deps(at(3))); // pledged 3 days ago: too early
    expect(await reminders(ann!.email)).toHaveLength(0);

    // Three runs at once (a replayed job, two workers): one mail each.
    await Promise.all([8, 8, 8].map((d) => sendReminders(deps(at(d)))));
    const [mail] = await reminders(ann!.email);
    expect(await reminders(ann!.email)).toHaveLength(1);
    expect(await reminders(bob!.email)).toHaveLength(1);
    expect(await reminders(cid!.email)).toHaveLength(0); // nothing to log for pledge-only
    expect(mail?.subject).toContain('Vélo au travail');
    expect(mail?.text).toContain(`http://tandem.test/me#challenge-${measured}`);
    expect(mail?.text).toContain(
      `http://tandem.test/api/reminders/unsubscribe?token=${encodeURIComponent(mail?.token ?? '')}`,
    );

    await sendReminders(deps(at(12))); // 4 days after the last one
    expect(await reminders(ann!.email)).toHaveLength(1);
    await sendReminders(deps(at(16)));
    expect(await reminders(ann!.email)).toHaveLength(2);
  });

  it('skips someone who logged what they did this week', async () => {
    const id = await openReminderChallenge('test-reminder-km');
    const [active, idle] = await pledgers(id, 2);
    await platform.db.query(
      `insert into contribution (id, challenge_id, participant_id, details, quantity, co2e_kg,
                                 occurred_at, day, created_at)
       values (?, ?, ?, '{"km": 8}', 8, 0, ?, ?::date, ?)`,
      [newId('ctb'), id, active!.id, at(9), at(9).toISOString().slice(0, 10), at(9)],
    );
    await sendReminders(deps(at(10)));
    expect(await reminders(active!.email)).toHaveLength(0);
    expect(await reminders(idle!.email)).toHaveLength(1);
  });

  it('skips someone who opted out of mail (PATCH /api/me mailOptOut)', async () => {
    const id = await openReminderChallenge('test-reminder-km');
    const [quiet, told] = await pledgers(id, 2);
    const token = await client.signIn(quiet!.email);
    const patched = await platform.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
      payload: { mailOptOut: true },
    });
    expect(patched.statusCode).toBe(200);
    await sendReminders(deps(at(10)));
    expect(await reminders(quiet!.email)).toHaveLength(0);
    expect(await reminders(told!.email)).toHaveLength(1);
  });

  it('gives back unsent claims when the mail server fails, and sends them next time', async () => {
    const id = await openReminderChallenge('test-reminder-km');
    const people = await pledgers(id, 3);
    const emails = new Set(people.map((p) => p.email));
    let sent = 0;
    const flaky: Mailer = {
      async send(mail) {
        if (emails.has(mail.to.canonical) && ++sent > 1) throw new Error('mail server down');
      },
      async close() {},
    };
    await expect(sendReminders(deps(at(8), flaky))).rejects.toThrow('mail server down');
    const memory = createMemoryMailer();
    await sendReminders(deps(at(8), memory));
    // The one mailed before the failure is not mailed again; the two others are.
    expect(memory.sent.filter((m) => emails.has(m.to.canonical))).toHaveLength(2);
  });
});

describe('unsubscribe', () => {
  it('shows a button on GET without unsubscribing; POST stops every reminder', async () => {
    const first = await openReminderChallenge('test-reminder-km');
    const second = await openReminderChallenge('test-reminder-km');
    const [dana] = await pledgers(first, 1);
    const secondChallenge = await loadChallenge(platform.db, second);
    await platform.db.transaction((tx) =>
      confirmPledgeRow(tx, secondChallenge!, dana!.id, {
        details: {},
        displayName: null,
        mapCell: null,
        communeCode: null,
        showAs: 'anonymous',
        teamId: null,
      }),
    );
    await sendReminders(deps(at(8)));
    const mails = await reminders(dana!.email);
    expect(mails).toHaveLength(2);
    const token = mails[0]!.token;

    // A mail scanner opens the link: a page, and nothing changes.
    const page = await client.get(`/api/reminders/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).toContain('<form method="post" action="/api/reminders/unsubscribe">');
    expect(page.body).toContain(`value="${token}"`);
    expect(page.body).not.toContain(dana!.email);
    await sendReminders(deps(at(16)));
    expect(await reminders(dana!.email)).toHaveLength(4);

    // The button posts the form: a page says it is done.
    const form = await platform.app.inject({
      method: 'POST',
      url: '/api/reminders/unsubscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token }).toString(),
    });
    expect(form.statusCode).toBe(200);
    expect(form.headers['content-type']).toContain('text/html');
    expect(form.body).toContain('You will receive no more reminders');

    // Nothing more, from either challenge.
    await sendReminders(deps(at(24)));
    await sendReminders(deps(at(32)));
    expect(await reminders(dana!.email)).toHaveLength(4);
  });

  it('answers JSON to JSON, again the same, and 404 / 400 for a bad or missing token', async () => {
    const id = await openReminderChallenge('test-reminder-km');
    const [eve] = await pledgers(id, 1);
    await sendReminders(deps(at(8)));
    const [mail] = await reminders(eve!.email);

    for (let i = 0; i < 2; i++) {
      const done = await client.post('/api/reminders/unsubscribe', { token: mail!.token });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ status: 'unsubscribed' });
    }
    const unknown = await client.post('/api/reminders/unsubscribe', { token: 'x'.repeat(43) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('TANDEM_NOT_FOUND');
    expect(unknown.body.message).not.toContain('xxxx');
    const missing = await client.post('/api/reminders/unsubscribe', {});
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('token');
    const extra = await client.post('/api/reminders/unsubscribe', {
      token: mail!.token,
      email: eve!.email,
    });
    expect(extra.status).toBe(400);
    const noQuery = await client.get('/api/reminders/unsubscribe');
    expect(noQuery.status).toBe(400);

    const unknownForm = await platform.app.inject({
      method: 'POST',
      url: '/api/reminders/unsubscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${'y'.repeat(43)}`,
    });
    expect(unknownForm.statusCode).toBe(404);
    expect(unknownForm.headers['content-type']).toContain('text/html');
  });

  it('is described in OpenAPI', async () => {
    const spec = (await platform.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(spec.paths['/api/reminders/unsubscribe'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
  });

  it("takes RFC 8058's one-click post, the token in the query string", async () => {
    const id = await openReminderChallenge('test-reminder-km');
    const [fay] = await pledgers(id, 1);
    await sendReminders(deps(at(8)));
    const [mail] = await reminders(fay!.email);
    const oneClick = await platform.app.inject({
      method: 'POST',
      url: `/api/reminders/unsubscribe?token=${encodeURIComponent(mail!.token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    await sendReminders(deps(at(16)));
    expect(await reminders(fay!.email)).toHaveLength(1);
  });
});
