import type { EmailAddress } from '../domain/email.js';
import type { Sql } from '../store/database.js';
import { recipientOf, type Mailer, type OutgoingMail } from './mailer.js';

/** A stored mail as `GET /api/dev/mailbox` shows it. */
export interface DevMailMessage {
  /** The canonical address the mail went to. */
  to: string;
  subject: string;
  text: string;
  purpose: string;
  token?: string;
  sentAt: string;
}

/**
 * The dev mailbox: mail is written to PostgreSQL instead of being sent, so
 * every process (API and workers) writes to one mailbox that the demo and
 * the tests can read. Enabled only by TANDEM_DEV_MAILBOX=1.
 */
export function createDevMailbox(sql: Sql): Mailer {
  return {
    async send(mail: OutgoingMail) {
      const to = recipientOf(mail);
      await sql.query(
        `insert into dev_mail (to_email, recipient, subject, text, purpose, token) values (?, ?, ?, ?, ?, ?)`,
        [to, to, mail.subject, mail.text, mail.purpose, mail.token ?? null],
      );
    },
    async close() {},
  };
}

/**
 * Mail sent to `to`, newest first. The caller parsed the spelling it was
 * given, so any accepted spelling finds the mailbox of its canonical form.
 */
export async function readDevMailbox(
  sql: Sql,
  to: EmailAddress,
  limit = 50,
): Promise<DevMailMessage[]> {
  const rows = await sql.query<{
    recipient: string;
    subject: string;
    text: string;
    purpose: string;
    token: string | null;
    sent_at: Date;
  }>(
    `select recipient, subject, text, purpose, token, sent_at from dev_mail
      where to_email = ? order by seq desc limit ?`,
    [to.canonical, limit],
  );
  return rows.map((row) => ({
    to: row.recipient,
    subject: row.subject,
    text: row.text,
    purpose: row.purpose,
    ...(row.token ? { token: row.token } : {}),
    sentAt: new Date(row.sent_at).toISOString(),
  }));
}
