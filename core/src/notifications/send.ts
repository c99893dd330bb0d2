import type { EmailAddress } from '../domain/email.js';
import type { Mailer } from '../mail/mailer.js';
import type { MailLocale, NotificationKind, RenderedMail } from '../mail/templates.js';
import type { Database, Sql } from '../store/database.js';

/** Someone a notification goes to, as read from the database at send time. */
export interface Recipient {
  participantId: string;
  /** Where the mail goes: the person's canonical address. */
  email: EmailAddress;
  displayName: string | null;
  locale: MailLocale;
}

/** A mail's identity: one kind of mail, for one event, to one person. */
export interface MailKey {
  eventId: string;
  kind: NotificationKind;
  participantId: string;
}

/**
 * Sends one mail at most once per key — and at least once, unless the
 * process dies in the instant between the mail server's "accepted" and the
 * commit.
 *
 * The `notification_sent` row is inserted, the mail sent and the row
 * committed in one transaction, so the row exists only for a mail the
 * server accepted:
 * - a redelivered event finds the committed row and sends nothing;
 * - a delivery running at the same time (a stalled job taken twice) blocks
 *   on the uncommitted row, then finds it and sends nothing;
 * - a send that fails, or a process that dies before the send, rolls the
 *   row back: the retry sends the mail.
 *
 * This is the at-least-once side of the trade-off, chosen because a lost
 * unlock or success mail is worse than a rare duplicate. The price is a
 * transaction (one pooled connection) held open during the send; a
 * notification's row is its own, so no other writer waits on it.
 *
 * @returns whether this call sent the mail (false: it was sent before).
 */
export async function sendOnce(
  db: Database,
  mailer: Mailer,
  key: MailKey,
  to: EmailAddress,
  mail: RenderedMail,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query<{ participant_id: string }>(
      `insert into notification_sent (event_id, kind, participant_id) values (?, ?, ?)
       on conflict (event_id, kind, participant_id) do nothing
       returning participant_id`,
      [key.eventId, key.kind, key.participantId],
    );
    if (claimed.length === 0) return false;
    await mailer.send({ to, ...mail, purpose: key.kind });
    return true;
  });
}

/**
 * Which of these people already got this kind of mail for this event: one
 * query, so a redelivered batch of 500 costs one round trip rather than 500
 * transactions. `sendOnce` still guards each mail against a race.
 */
export async function alreadySent(
  sql: Sql,
  eventId: string,
  kind: NotificationKind,
  participantIds: readonly string[],
): Promise<Set<string>> {
  if (participantIds.length === 0) return new Set();
  const rows = await sql.query<{ participant_id: string }>(
    `select participant_id from notification_sent
      where event_id = ? and kind = ? and participant_id in (?)`,
    [eventId, kind, participantIds],
  );
  return new Set(rows.map((row) => row.participant_id));
}

/** What {@link sendToAll} did. */
export interface SendReport {
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * Sends one kind of mail for one event to each recipient, once each. A
 * failed send does not stop the others; when any failed, it throws after
 * the last one, so the job is retried and the retry sends only what did
 * not go out.
 *
 * @throws Error naming the event, the kind and how many failed (never an
 *   address: job failure reasons end up in logs and dashboards).
 */
export async function sendToAll(
  db: Database,
  mailer: Mailer,
  eventId: string,
  kind: NotificationKind,
  recipients: readonly Recipient[],
  render: (recipient: Recipient) => RenderedMail,
): Promise<SendReport> {
  const done = await alreadySent(
    db,
    eventId,
    kind,
    recipients.map((r) => r.participantId),
  );
  const report: SendReport = { sent: 0, skipped: 0, failed: 0 };
  let firstError: unknown;
  for (const recipient of recipients) {
    if (done.has(recipient.participantId)) {
      report.skipped++;
      continue;
    }
    try {
      const key = { eventId, kind, participantId: recipient.participantId };
      const sent = await sendOnce(db, mailer, key, recipient.email, render(recipient));
      if (sent) report.sent++;
      else report.skipped++;
    } catch (error) {
      report.failed++;
      firstError ??= error;
    }
  }
  if (report.failed > 0) {
    throw new Error(
      `${report.failed} of ${recipients.length} "${kind}" mails for event ${eventId} failed; a retry sends only those.`,
      { cause: firstError },
    );
  }
  return report;
}
