import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullQueue } from '../jobs/bullmq/bullmq-queue.js';
import { createEventDispatcher, loadEvent } from '../jobs/events.js';
import { createLocalQueue } from '../jobs/local/local-queue.js';
import { createDevMailbox } from '../mail/dev-mailbox.js';
import type { Mailer } from '../mail/mailer.js';
import type { OutboxEvent } from '../store/outbox.js';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';
import { deleteKeys, testRedisUrl } from '../testing/redis.js';
import { createNotifications, installNotifications, NOTIFICATIONS_SUBSCRIBER } from './index.js';
import { planRanges } from './recipients.js';

const run = unique();
const address = (name: string) => `${name}-${run}@clichy.example`;

interface StoredMail {
  to_email: string;
  subject: string;
  text: string;
  purpose: string;
}

describe('notifications', () => {
  let platform: TestPlatform;
  let client: TestClient;

  beforeAll(async () => {
    platform = await startTestPlatform();
    client = createTestClient(platform.app);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const mailsTo = (emails: readonly string[], purpose: string) =>
    platform.db.query<StoredMail>(
      'select to_email, subject, text, purpose from dev_mail where to_email in (?) and purpose = ? order by seq',
      [emails, purpose],
    );

  /** How many mails of this purpose each address got, in the order given. */
  const countsOf = async (emails: readonly string[], purpose: string) => {
    const mails = await mailsTo(emails, purpose);
    return emails.map((email) => mails.filter((m) => m.to_email === email).length);
  };

  const eventOf = async (challengeId: string, type: string): Promise<OutboxEvent> => {
    const [row] = await platform.db.query<{ id: string }>(
      'select id from outbox_event where challenge_id = ? and type = ? order by seq',
      [challengeId, type],
    );
    const event = row ? await loadEvent(platform.db, row.id) : undefined;
    if (!event) throw new Error(`no ${type} event for ${challengeId}`);
    return event;
  };

  /** Forgets that an event's mails were sent, as if it had never been delivered. */
  const forget = async (eventId: string, purpose: string, emails: readonly string[]) => {
    await platform.db.query('delete from notification_sent where event_id = ?', [eventId]);
    await platform.db.query('delete from dev_mail where purpose = ? and to_email in (?)', [
      purpose,
      emails,
    ]);
  };

  const close = async (challengeId: string) => {
    const closed = await client.post(`/api/challenges/${challengeId}/close`, undefined, {
      token: platform.adminToken,
    });
    expect(closed.status).toBe(200);
    await platform.settle();
    return closed.body as { status: string };
  };

  it('confirms each pledge, tells pledgers and the sponsor of the unlock, and the success at close', async () => {
    const { challengeId, organization } = await setUpClichy(client, platform.adminToken, {
      participants: 3,
    });
    const sponsorAdmin = address('maire');
    const added = await client.post(
      `/api/organizations/${organization.slug}/members`,
      { email: sponsorAdmin, role: 'admin' },
      { token: platform.adminToken },
    );
    expect(added.status).toBe(201);
    const [ada, bea, cyd] = [address('ada'), address('bea'), address('cyd')];
    const pledgers = [ada, bea, cyd];

    await client.pledgeAndConfirm(challengeId, ada, { locale: 'en', displayName: 'Ada' });
    await platform.settle();
    await client.pledgeAndConfirm(challengeId, bea);
    await platform.settle();
    expect(await countsOf(pledgers, 'pledge-confirmed')).toEqual([1, 1, 0]);
    expect(await countsOf(pledgers, 'challenge-unlocked')).toEqual([0, 0, 0]);

    // The mailbox API shows them too, in the pledger's language, with the count of that moment.
    const adaBox = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(ada)}`);
    const adaConfirmed = adaBox.body.messages.find(
      (m: { purpose: string }) => m.purpose === 'pledge-confirmed',
    );
    expect(adaConfirmed.subject).toBe('Your pledge counts: Je vais au travail à vélo');
    expect(adaConfirmed.text).toMatch(/^Hello Ada,/);
    expect(adaConfirmed.text).toContain('It counts: 1 person so far.');
    expect(adaConfirmed.text).toMatch(
      /IF 3 people take part, THEN Ville de Clichy gives €5,000 to Solicycle\./,
    );
    expect(adaConfirmed.text).toContain('withdraw');
    expect(adaConfirmed.text).toContain(`http://tandem.test/c/${challengeId}`);
    const [beaConfirmed] = await mailsTo([bea], 'pledge-confirmed');
    expect(beaConfirmed?.subject).toMatch(/^Votre engagement compte\s: Je vais au travail à vélo$/);
    expect(beaConfirmed?.text).toMatch(/Il compte\s: 2\spersonnes à ce jour\./);
    expect(beaConfirmed?.text).toMatch(
      /SI 3\spersonnes participent, ALORS Ville de Clichy donne 5\s000\s€ à Solicycle\./,
    );

    await client.pledgeAndConfirm(challengeId, cyd);
    await platform.settle();
    expect((await client.get(`/api/challenges/${challengeId}`)).body.status).toBe('succeeded');
    expect(await countsOf(pledgers, 'pledge-confirmed')).toEqual([1, 1, 1]);
    expect(await countsOf(pledgers, 'challenge-unlocked')).toEqual([1, 1, 1]);
    expect(await countsOf([sponsorAdmin], 'sponsor-unlocked')).toEqual([1]);
    // The sponsor's admin pledged nothing: no participant's mail for them.
    expect(await countsOf([sponsorAdmin], 'challenge-unlocked')).toEqual([0]);
    expect(await countsOf(pledgers, 'sponsor-unlocked')).toEqual([0, 0, 0]);

    const [adaUnlocked] = await mailsTo([ada], 'challenge-unlocked');
    expect(adaUnlocked?.subject).toBe('Goal reached: Je vais au travail à vélo');
    expect(adaUnlocked?.text).toContain('So now Ville de Clichy gives €5,000 to Solicycle.');
    const [cydUnlocked] = await mailsTo([cyd], 'challenge-unlocked');
    expect(cydUnlocked?.subject).toMatch(/^Objectif atteint\s:/);
    expect(cydUnlocked?.text).toMatch(/3\spersonnes/);
    const [sponsorMail] = await mailsTo([sponsorAdmin], 'sponsor-unlocked');
    expect(sponsorMail?.subject).toMatch(/^Contrepartie due\s: Je vais au travail à vélo$/);
    expect(sponsorMail?.text).toMatch(/ALORS Ville de Clichy donne 5\s000\s€ à Solicycle\./);

    // At-least-once delivery: the same events again, twice in a row and twice at once.
    const unlocked = await eventOf(challengeId, 'challenge.unlocked');
    const confirmed = await eventOf(challengeId, 'pledge.confirmed');
    await platform.dispatcher.deliver(NOTIFICATIONS_SUBSCRIBER, unlocked);
    await platform.dispatcher.deliver(NOTIFICATIONS_SUBSCRIBER, confirmed);
    await Promise.all([
      platform.dispatcher.deliver(NOTIFICATIONS_SUBSCRIBER, unlocked),
      platform.dispatcher.deliver(NOTIFICATIONS_SUBSCRIBER, unlocked),
    ]);
    expect(await countsOf(pledgers, 'pledge-confirmed')).toEqual([1, 1, 1]);
    expect(await countsOf(pledgers, 'challenge-unlocked')).toEqual([1, 1, 1]);
    expect(await countsOf([sponsorAdmin], 'sponsor-unlocked')).toEqual([1]);

    expect((await close(challengeId)).status).toBe('succeeded');
    expect(await countsOf(pledgers, 'challenge-succeeded')).toEqual([1, 1, 1]);
    expect(await countsOf(pledgers, 'challenge-failed')).toEqual([0, 0, 0]);
    expect(await countsOf([sponsorAdmin], 'challenge-succeeded')).toEqual([0]);
    const [adaSucceeded] = await mailsTo([ada], 'challenge-succeeded');
    expect(adaSucceeded?.subject).toBe('Challenge succeeded: Je vais au travail à vélo');
    expect(adaSucceeded?.text).toContain('- Ville de Clichy gives €5,000 to Solicycle');
    const [beaSucceeded] = await mailsTo([bea], 'challenge-succeeded');
    expect(beaSucceeded?.subject).toMatch(/^Défi réussi\s:/);

    await platform.dispatcher.deliver(
      NOTIFICATIONS_SUBSCRIBER,
      await eventOf(challengeId, 'challenge.closed'),
    );
    expect(await countsOf(pledgers, 'challenge-succeeded')).toEqual([1, 1, 1]);
  });

  it('tells the participants of a failed challenge, and nobody that a counterpart is due', async () => {
    const { challengeId, organization } = await setUpClichy(client, platform.adminToken, {
      participants: 5,
    });
    const owner = address('owner-failed');
    await client.post(
      `/api/organizations/${organization.slug}/members`,
      { email: owner, role: 'owner' },
      { token: platform.adminToken },
    );
    const pledgers = [address('dan'), address('eve')];
    for (const email of pledgers) await client.pledgeAndConfirm(challengeId, email);
    await platform.settle();

    expect((await close(challengeId)).status).toBe('failed');
    expect(await countsOf(pledgers, 'challenge-failed')).toEqual([1, 1]);
    expect(await countsOf(pledgers, 'challenge-succeeded')).toEqual([0, 0]);
    expect(await countsOf(pledgers, 'challenge-unlocked')).toEqual([0, 0]);
    expect(await countsOf([owner], 'sponsor-unlocked')).toEqual([0]);
    const [failed] = await mailsTo([pledgers[0] as string], 'challenge-failed');
    expect(failed?.subject).toMatch(/^Défi terminé\s: Je vais au travail à vélo$/);
    expect(failed?.text).toMatch(/sans avoir atteint son objectif\s: 2\spersonnes\./);
    expect(failed?.text).toMatch(/SI 5\spersonnes participent/);
  });

  it('stores the language given with a sign-in link or a signed-in pledge, never by a mere request', async () => {
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 50 });
    const localeOf = async (email: string) => {
      const [row] = await platform.db.query<{ locale: string }>(
        'select locale from participant where canonical_email = ?',
        [email],
      );
      return row?.locale;
    };

    // Sign in asking for English, then pledge signed in without saying: English.
    const fay = address('fay');
    expect((await client.post('/api/auth/magic-link', { email: fay, locale: 'en' })).status).toBe(
      202,
    );
    const token = await client.mailedToken(fay, 'sign-in');
    const session = await client.post('/api/auth/session', { token });
    const sessionToken = session.body.sessionToken as string;
    expect(await localeOf(fay)).toBe('en');
    const pledged = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: sessionToken },
    );
    expect(pledged.status).toBe(201);
    await platform.settle();
    expect(await localeOf(fay)).toBe('en');
    // Signed in, the answer says it counts: no pledge-confirmed mail (only a mailed confirmation gets one).
    expect(await mailsTo([fay], 'pledge-confirmed')).toEqual([]);

    // A signed-in pledge that names a language changes it (here on another challenge).
    const other = await setUpClichy(client, platform.adminToken, { participants: 50 });
    await client.post(
      `/api/challenges/${other.challengeId}/pledges`,
      { locale: 'fr' },
      { token: sessionToken },
    );
    expect(await localeOf(fay)).toBe('fr');

    // Typing someone's address with another language changes nothing until they confirm.
    const gus = address('gus');
    await client.pledgeAndConfirm(challengeId, gus);
    const pending = await client.post(`/api/challenges/${other.challengeId}/pledges`, {
      email: gus,
      locale: 'en',
    });
    expect(pending.status).toBe(202);
    expect(await localeOf(gus)).toBe('fr');
  });

  it.each(['local', 'bullmq'] as const)(
    'fans a large audience out in batches of jobs, each mail once (%s queue)',
    async (kind) => {
      const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 100 });
      const pledgers = ['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => address(`${h}-${kind}`));
      for (const email of pledgers) await client.pledgeAndConfirm(challengeId, email);
      await close(challengeId);
      const closed = await eventOf(challengeId, 'challenge.closed');
      await forget(closed.id, 'challenge-failed', pledgers);

      expect(await planRanges(platform.db, challengeId, 2)).toHaveLength(3);
      const prefix = `tandem-test-ntf-${run}`;
      const queue =
        kind === 'local'
          ? createLocalQueue()
          : await createBullQueue({ url: testRedisUrl(), prefix, backoffMs: 100 });
      const dispatcher = createEventDispatcher();
      const notifications = installNotifications({
        dispatcher,
        queue,
        db: platform.db,
        mailer: platform.ctx.mailer,
        config: platform.config,
        registry: platform.registry,
        batchSize: 2,
      });
      await queue.start();
      try {
        const inline = await notifications.handleEvent(closed);
        // The delivery itself sends the first batch; jobs send the other two.
        expect(inline).toEqual({ sent: 2, skipped: 0, failed: 0 });
        await queue.idle();
        expect(await countsOf(pledgers, 'challenge-failed')).toEqual([1, 1, 1, 1, 1]);

        // Every batch again, as a redelivery would: nothing more.
        await dispatcher.deliver(NOTIFICATIONS_SUBSCRIBER, closed);
        await queue.idle();
        expect(await countsOf(pledgers, 'challenge-failed')).toEqual([1, 1, 1, 1, 1]);
      } finally {
        await queue.close();
        if (kind === 'bullmq') await deleteKeys(prefix);
      }
    },
  );

  it('sends again what failed to go out, and only that', async () => {
    const { challengeId } = await setUpClichy(client, platform.adminToken, { participants: 100 });
    const pledgers = ['i1', 'i2', 'i3'].map(address);
    for (const email of pledgers) await client.pledgeAndConfirm(challengeId, email);
    await close(challengeId);
    const closed = await eventOf(challengeId, 'challenge.closed');
    await forget(closed.id, 'challenge-failed', pledgers);

    // A mail server that refuses one mail once, the way a real one answers 451.
    const mailbox = createDevMailbox(platform.db);
    const victim = pledgers[1] as string;
    let refusals = 1;
    const flaky: Mailer = {
      async send(mail) {
        if (mail.to.canonical === victim && refusals-- > 0) throw new Error('451 try again later');
        await mailbox.send(mail);
      },
      async close() {},
    };
    const notifications = createNotifications({
      dispatcher: createEventDispatcher(),
      queue: createLocalQueue(),
      db: platform.db,
      mailer: flaky,
      config: platform.config,
      registry: platform.registry,
    });

    await expect(notifications.handleEvent(closed)).rejects.toThrow(
      /1 of 3 "challenge-failed" mails .* failed/,
    );
    expect(await countsOf(pledgers, 'challenge-failed')).toEqual([1, 0, 1]);
    // The retry of the delivery sends the refused mail and none of the others.
    expect(await notifications.handleEvent(closed)).toEqual({ sent: 1, skipped: 2, failed: 0 });
    expect(await countsOf(pledgers, 'challenge-failed')).toEqual([1, 1, 1]);
  });
});
