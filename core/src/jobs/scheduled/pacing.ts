import type { Config } from '../../config.js';
import { storedEmail } from '../../domain/email.js';
import { challengeForecast, isLagging, type PacingForecast } from '../../domain/pacing.js';
import type { Mailer } from '../../mail/mailer.js';
import { renderScheduledMail, type MailLocale } from '../../mail/templates.js';
import type { ServiceContext } from '../../services/context.js';
import { loadChallenges, type ChallengeAggregate } from '../../store/challenges.js';
import type { Database } from '../../store/database.js';
import { readProgress } from '../../store/progress.js';

/** At most one nudge per organizer and challenge within this long. */
export const NUDGE_INTERVAL_MS = 7 * 24 * 60 * 60 * 1000;

/** How many challenges are looked at per query. */
const PAGE = 200;

export interface PacingDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl'>;
  registry: Pick<ServiceContext['registry'], 'findActionType'>;
  now: () => Date;
}

/** What a pacing check did. */
export interface PacingSummary {
  /** Open challenges with a deadline looked at. */
  checked: number;
  /** Ids of those that lag. */
  lagging: string[];
  /** Nudges mailed. */
  sent: number;
}

interface Recipient {
  id: string;
  /** The canonical address, as stored. */
  email: string;
  display_name: string | null;
  locale: string | null;
}

/**
 * The pacing check (job `check-pacing`, hourly): for each challenge that is
 * open, has not unlocked a tier yet (a challenge that succeeded cannot
 * fail) and has a deadline ahead, forecasts its progress at the deadline
 * (`challengeForecast`, from the counters: no scan of pledges) and, when it
 * lags (`isLagging`: off track with a quarter of its time gone), mails a
 * nudge to the organizing organization's owners and admins.
 *
 * Each organizer gets at most one nudge per challenge per
 * {@link NUDGE_INTERVAL_MS}: the send is claimed first by an upsert on
 * `pacing_nudge` that only succeeds when the last one is older, so a job
 * run twice or by two workers mails once. A failed send gives its claim
 * back and the check goes on with the others; the failures are rethrown
 * together at the end for the queue to record.
 */
export async function checkPacing(deps: PacingDeps): Promise<PacingSummary> {
  const summary: PacingSummary = { checked: 0, lagging: [], sent: 0 };
  const failures: unknown[] = [];
  const now = deps.now();
  let after = '';
  for (;;) {
    const ids = await deps.db.query<{ id: string }>(
      `select id from challenge
        where status = 'open' and closed_at is null and opened_at is not null
          and deadline > ? and id > ?
        order by id limit ?`,
      [now, after, PAGE],
    );
    if (ids.length === 0) break;
    const challenges = await loadChallenges(
      deps.db,
      ids.map((r) => r.id),
    );
    const progress = await readProgress(
      deps.db,
      challenges.map((c) => c.id),
    );
    for (const challenge of challenges) {
      summary.checked++;
      const current = progress.get(challenge.id);
      const forecast = current ? challengeForecast(challenge, current, now) : null;
      if (!current || !forecast || !isLagging(forecast)) continue;
      summary.lagging.push(challenge.id);
      const recipients = await deps.db.query<Recipient>(
        `select p.id, p.canonical_email as email, p.display_name, p.locale
           from membership m join participant p on p.id = m.participant_id
          where m.organization_id = ? and m.role in ('owner', 'admin') and p.email is not null
            and not p.mail_opt_out
          order by p.id`,
        [challenge.organizationId],
      );
      for (const recipient of recipients) {
        try {
          if (await nudge(deps, challenge, current, forecast, recipient, now)) summary.sent++;
        } catch (error) {
          failures.push(error);
        }
      }
    }
    after = ids.at(-1)?.id ?? after;
    if (ids.length < PAGE) break;
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} pacing nudge(s) could not be sent`);
  }
  return summary;
}

/** Claims, renders and sends one nudge; false when this organizer had one less than a week ago. */
async function nudge(
  deps: PacingDeps,
  challenge: ChallengeAggregate,
  current: { participants: number; quantity: number },
  forecast: PacingForecast,
  recipient: Recipient,
  now: Date,
): Promise<boolean> {
  // A stored address the grammar now refuses gets no mail (see storedEmail).
  const to = storedEmail(recipient.email);
  if (!to) return false;
  const claimed = await deps.db.query(
    `insert into pacing_nudge (challenge_id, participant_id, last_sent_at, forecast)
     values (?, ?, ?, ?::jsonb)
     on conflict (challenge_id, participant_id) do update set
       last_sent_at = excluded.last_sent_at, forecast = excluded.forecast
      where pacing_nudge.last_sent_at <= ?
     returning participant_id`,
    [
      challenge.id,
      recipient.id,
      now,
      JSON.stringify(forecast),
      new Date(now.getTime() - NUDGE_INTERVAL_MS),
    ],
  );
  if (claimed.length === 0) return false;
  const goal = challenge.tiers.find((t) => t.id === forecast.tierId)?.goal ?? {};
  const mail = renderScheduledMail('pacing-nudge', toLocale(recipient.locale), {
    ...(recipient.display_name ? { displayName: recipient.display_name } : {}),
    challengeTitle: challenge.title,
    challengeUrl: `${deps.config.publicUrl}/c/${encodeURIComponent(challenge.id)}`,
    unit: deps.registry.findActionType(challenge.actionType)?.unit ?? null,
    pacing: {
      progress: { participants: current.participants, quantity: current.quantity },
      expected: forecast.expectedAtDeadline,
      goal,
      deadline: challenge.deadline as Date,
    },
  });
  try {
    await deps.mailer.send({ to, purpose: 'pacing-nudge', ...mail });
  } catch (error) {
    // The next check may try again rather than wait a week for a mail never sent.
    await deps.db.query(
      `update pacing_nudge set last_sent_at = '-infinity' where challenge_id = ? and participant_id = ?`,
      [challenge.id, recipient.id],
    );
    throw error;
  }
  return true;
}

/** A stored language, or French (Tandem's default) when unknown. */
export function toLocale(value: string | null | undefined): MailLocale {
  return value === 'en' ? 'en' : 'fr';
}
