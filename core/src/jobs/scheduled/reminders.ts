import type { Config } from '../../config.js';
import { storedEmail } from '../../domain/email.js';
import { TandemError } from '../../errors.js';
import { hashSecret, newSecret } from '../../ids.js';
import type { Mailer } from '../../mail/mailer.js';
import { renderScheduledMail } from '../../mail/templates.js';
import type { ServiceContext } from '../../services/context.js';
import type { Database, Sql } from '../../store/database.js';
import { toLocale } from './pacing.js';

/**
 * At most one reminder per person and challenge within this long; and none
 * in the first week after pledging, nor within a week of logging something.
 */
export const REMINDER_INTERVAL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long an unsubscribe link works. Each reminder carries a fresh one
 * (only hashes are stored, so an old token cannot be mailed again); older
 * ones are deleted so the table does not grow with every mail ever sent.
 */
export const UNSUBSCRIBE_TOKEN_TTL_MS = 180 * 24 * 60 * 60 * 1000;

/** The path of the unsubscribe page and endpoint (core/src/http/routes/reminders.ts). */
export const UNSUBSCRIBE_PATH = '/api/reminders/unsubscribe';

/** People claimed and mailed per query. */
const PAGE = 200;

export interface ReminderDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl'>;
  registry: Pick<ServiceContext['registry'], 'actionTypes'>;
  now: () => Date;
}

/** What a reminder run did. */
export interface ReminderSummary {
  /** Open challenges of measured action types looked at. */
  challenges: number;
  sent: number;
}

interface Candidate {
  participant_id: string;
  /** The canonical address, as stored. */
  email: string;
  display_name: string | null;
  locale: string | null;
}

/**
 * The reminder run (job `send-reminders`, daily): people with a confirmed
 * pledge on an open challenge whose action type measures something (a unit:
 * km, kg…) get a mail asking them to log what they did, with a link that
 * stops reminders.
 *
 * Someone is due when they pledged at least {@link REMINDER_INTERVAL_MS}
 * ago, had no reminder for this challenge within that time, logged no
 * contribution to it within that time either, and has not unsubscribed.
 * An unsubscribe stops reminders from every challenge: the link says "no
 * more reminders", and a person who clicked it should not have to do so
 * again for each challenge.
 *
 * Each send is claimed first by an upsert on `reminder_sent` that only
 * succeeds when the last reminder is old enough, so a run replayed or run
 * by two workers mails each person once. If a send fails, this page's
 * unsent claims are given back and the error is rethrown: the mail server
 * is likely down, and the next run takes them again.
 */
export async function sendReminders(deps: ReminderDeps): Promise<ReminderSummary> {
  const now = deps.now();
  const cutoff = new Date(now.getTime() - REMINDER_INTERVAL_MS);
  await deps.db.query('delete from reminder_token where created_at < ?', [
    new Date(now.getTime() - UNSUBSCRIBE_TOKEN_TTL_MS),
  ]);
  const measured = deps.registry
    .actionTypes()
    .filter((type) => type.unit !== null)
    .map((type) => type.id);
  const summary: ReminderSummary = { challenges: 0, sent: 0 };
  if (measured.length === 0) return summary;

  const challenges = await deps.db.query<{ id: string; title: string; action_type: string }>(
    `select id, title, action_type from challenge
      where status in ('open', 'succeeded') and closed_at is null
        and (deadline is null or deadline > ?) and action_type in (?)
      order by id`,
    [now, measured],
  );
  const units = new Map(deps.registry.actionTypes().map((type) => [type.id, type.unit]));
  for (const challenge of challenges) {
    summary.challenges++;
    let after = '';
    for (;;) {
      const candidates = await deps.db.query<Candidate>(
        `select p.participant_id, pt.canonical_email as email, pt.display_name, pt.locale
           from pledge p
           join participant pt on pt.id = p.participant_id
           left join reminder_sent r
             on r.challenge_id = p.challenge_id and r.participant_id = p.participant_id
          where p.challenge_id = ? and p.status = 'confirmed' and p.confirmed_at <= ?
            and p.participant_id > ? and pt.email is not null and not pt.mail_opt_out
            and (r.last_sent_at is null or r.last_sent_at <= ?)
            and not exists (select 1 from reminder_opt_out o where o.participant_id = p.participant_id)
            and not exists (select 1 from contribution c
                             where c.challenge_id = p.challenge_id
                               and c.participant_id = p.participant_id and c.created_at > ?)
          order by p.participant_id
          limit ?`,
        [challenge.id, cutoff, after, cutoff, cutoff, PAGE],
      );
      if (candidates.length === 0) break;
      const claimed = await claimReminders(deps.db, challenge.id, candidates, now, cutoff);
      const unit = units.get(challenge.action_type) ?? null;
      for (const [index, person] of claimed.entries()) {
        try {
          if (await remind(deps, challenge, unit, person, now)) summary.sent++;
        } catch (error) {
          await releaseReminders(deps.db, challenge.id, claimed.slice(index));
          throw error;
        }
      }
      after = candidates.at(-1)?.participant_id ?? after;
      if (candidates.length < PAGE) break;
    }
  }
  return summary;
}

/** Claims the sends of one page at once; returns the people this run got. */
async function claimReminders(
  sql: Sql,
  challengeId: string,
  candidates: Candidate[],
  now: Date,
  cutoff: Date,
): Promise<Candidate[]> {
  const values = candidates.map(() => '(?, ?, ?::timestamptz)').join(', ');
  const rows = await sql.query<{ participant_id: string }>(
    `insert into reminder_sent (challenge_id, participant_id, last_sent_at) values ${values}
     on conflict (challenge_id, participant_id) do update set last_sent_at = excluded.last_sent_at
      where reminder_sent.last_sent_at <= ?
     returning participant_id`,
    [...candidates.flatMap((c) => [challengeId, c.participant_id, now]), cutoff],
  );
  const got = new Set(rows.map((row) => row.participant_id));
  return candidates.filter((c) => got.has(c.participant_id));
}

async function releaseReminders(sql: Sql, challengeId: string, people: Candidate[]): Promise<void> {
  if (people.length === 0) return;
  await sql.query(
    `update reminder_sent set last_sent_at = '-infinity'
      where challenge_id = ? and participant_id in (?)`,
    [challengeId, people.map((p) => p.participant_id)],
  );
}

async function remind(
  deps: ReminderDeps,
  challenge: { id: string; title: string },
  unit: string | null,
  person: Candidate,
  now: Date,
): Promise<boolean> {
  // A stored address the grammar now refuses gets no mail (see storedEmail).
  const to = storedEmail(person.email);
  if (!to) return false;
  const token = newSecret();
  await deps.db.query(
    'insert into reminder_token (hash, participant_id, created_at) values (?, ?, ?)',
    [hashSecret(token), person.participant_id, now],
  );
  const mail = renderScheduledMail('contribution-reminder', toLocale(person.locale), {
    ...(person.display_name ? { displayName: person.display_name } : {}),
    challengeTitle: challenge.title,
    // The participant's space is where a contribution is logged (the site's
    // /me, which asks to sign in first); the anchor is the challenge's pledge.
    challengeUrl: `${deps.config.publicUrl}/me#challenge-${encodeURIComponent(challenge.id)}`,
    unit,
    unsubscribeUrl: unsubscribeUrl(deps.config.publicUrl, token),
  });
  // The dev mailbox keeps `token` so that tests and the demo can follow the link.
  await deps.mailer.send({ to, purpose: 'contribution-reminder', token, ...mail });
  return true;
}

/** The link a reminder carries to stop reminders. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token)}`;
}

/**
 * Stops reminders for the person a mailed unsubscribe token belongs to,
 * from every challenge. Unsubscribing twice is fine: the answer is the same.
 *
 * @throws TandemError `TANDEM_NOT_FOUND` when the token is unknown or older
 *   than {@link UNSUBSCRIBE_TOKEN_TTL_MS} (the message never repeats it).
 */
export async function unsubscribeFromReminders(sql: Sql, token: string, now: Date): Promise<void> {
  const [row] = await sql.query<{ participant_id: string }>(
    'select participant_id from reminder_token where hash = ? and created_at >= ?',
    [hashSecret(token), new Date(now.getTime() - UNSUBSCRIBE_TOKEN_TTL_MS)],
  );
  if (!row) {
    throw new TandemError(
      'TANDEM_NOT_FOUND',
      'This unsubscribe link is unknown or too old; the next reminder carries a new one.',
      [{ path: 'token', message: 'is unknown or expired' }],
    );
  }
  await sql.query(
    `insert into reminder_opt_out (participant_id, opted_out_at) values (?, ?)
     on conflict (participant_id) do nothing`,
    [row.participant_id, now],
  );
}
