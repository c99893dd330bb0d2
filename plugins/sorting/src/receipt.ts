/**
 * The receipt mailed to a resident an agent enrolled by e-mail: the day an
 * agent recorded their pledge with their consent, and how to withdraw it if
 * that was a mistake. It is what lets someone enrolled without knowing it
 * find out, so the count sponsors pay on stays true.
 */
import { renderNotification, storedEmail, type PluginJob } from '@tandem/core';

/** The job's short name; the platform runs it as `sorting.send-receipt`. */
export const SEND_RECEIPT_JOB = 'send-receipt';

/** The mail's purpose, as the dev mailbox shows it. */
export const RECEIPT_PURPOSE = 'enrolment-receipt';

/**
 * The job's data: ids and times only, never an address (STYLE.md, BullMQ);
 * the address is read when the mail is sent.
 */
export interface ReceiptJob {
  pledgeId: string;
  /** When the resident consented, ISO-8601. */
  recordedAt: string;
  /** The language the agent chose for the resident; their stored one otherwise. */
  locale?: 'fr' | 'en';
}

interface PledgerRow {
  challenge_id: string;
  /** The canonical address, as stored. */
  email: string;
  display_name: string | null;
  locale: string | null;
}

/**
 * Sends one receipt. A pledge withdrawn (or erased) before the job runs
 * gets none: there is nothing left to withdraw. A mail server that refuses
 * makes the job fail, and the queue retries it.
 */
export const sendReceipt: PluginJob<'tables' | 'challenges' | 'mail'> = async (data, context) => {
  const { pledgeId, recordedAt, locale } = data as Partial<ReceiptJob>;
  if (typeof pledgeId !== 'string') return;
  const [pledger] = await context.tables.query<PledgerRow>(
    `select pl.challenge_id, p.canonical_email as email, p.display_name, p.locale
       from pledge pl
       join participant p on p.id = pl.participant_id
      where pl.id = ? and pl.status = 'confirmed' and p.email is not null`,
    [pledgeId],
  );
  // Mailed at the canonical address only; a stored one the grammar now refuses gets none.
  const to = storedEmail(pledger?.email);
  if (!pledger || !to) return;

  const challenge = await context.challenges.view(pledger.challenge_id);
  // Deleted meanwhile: retrying would not bring it back.
  if (!challenge) return;

  const language = locale ?? (pledger.locale === 'en' ? 'en' : 'fr');
  const when = typeof recordedAt === 'string' ? new Date(recordedAt) : undefined;
  const mail = renderNotification('enrolment-receipt', language, {
    ...(pledger.display_name ? { displayName: pledger.display_name } : {}),
    challengeTitle: challenge.title,
    challengeUrl: `${context.publicUrl}/c/${encodeURIComponent(challenge.id)}`,
    unit: challenge.unit,
    progress: {
      participants: challenge.progress.participants,
      quantity: challenge.progress.quantity,
    },
    ...(when && !Number.isNaN(when.getTime()) ? { recordedAt: when } : {}),
  });
  await context.mail.send({ to: to.canonical, purpose: RECEIPT_PURPOSE, ...mail });
};
