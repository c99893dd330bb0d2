import { storedEmail } from '../domain/email.js';
import type { MailLocale } from '../mail/templates.js';
import type { Sql } from '../store/database.js';
import type { Recipient } from './send.js';

/**
 * A slice of a challenge's participants by id: those with `after < id <=
 * upTo`, a null bound being open. Ids only, so it can travel in a job.
 */
export interface RecipientRange {
  after: string | null;
  upTo: string | null;
}

interface RecipientRow {
  id: string;
  canonical_email: string | null;
  display_name: string | null;
  locale: MailLocale;
}

/**
 * The recipient of a row, mailed at its canonical address (the identity,
 * not a spelling someone typed); none for a row whose stored address the
 * grammar refuses, which gets no mail rather than a mail to unchecked text.
 */
function toRecipient(row: RecipientRow): Recipient | undefined {
  const email = storedEmail(row.canonical_email);
  if (!email) return undefined;
  return {
    participantId: row.id,
    email,
    displayName: row.display_name,
    locale: row.locale === 'en' ? 'en' : 'fr',
  };
}

const recipientsOf = (rows: readonly RecipientRow[]): Recipient[] =>
  rows.flatMap((row) => toRecipient(row) ?? []);

// "Who counts" (API.md): a confirmed pledge or a recorded contribution.
const COUNTED = '(pa.pledged or pa.contributions > 0)';

/**
 * Cuts a challenge's counted participants into ranges of about `size`
 * people, for a fan-out in batches. Only the boundaries are read (one id in
 * `size`, numbered in the primary key's order), so planning 10,000
 * recipients reads 20 ids, not 10,000 rows.
 *
 * The first range starts open and the last ends open: the ranges cover every
 * id, including people who start counting after the plan was made, and two
 * plans made at different times each cover everyone on their own.
 */
export async function planRanges(
  sql: Sql,
  challengeId: string,
  size: number,
): Promise<RecipientRange[]> {
  const rows = await sql.query<{ participant_id: string }>(
    `select participant_id
       from (select pa.participant_id, row_number() over (order by pa.participant_id) as n
               from participation pa
              where pa.challenge_id = ? and ${COUNTED}) numbered
      where n % ? = 0
      order by participant_id`,
    [challengeId, size],
  );
  const ranges: RecipientRange[] = [];
  let after: string | null = null;
  for (const row of rows) {
    ranges.push({ after, upTo: row.participant_id });
    after = row.participant_id;
  }
  ranges.push({ after, upTo: null });
  return ranges;
}

/**
 * The challenge's participants counted now in one range, with an address
 * (a resident enrolled by code has none, and gets no mail), in id order.
 * Here and below, a person who opted out of mail (`PATCH /api/me`
 * `mailOptOut`) is nobody's recipient: every notification reads its
 * recipients from these queries.
 */
export async function countedParticipants(
  sql: Sql,
  challengeId: string,
  range: RecipientRange,
): Promise<Recipient[]> {
  const params: unknown[] = [challengeId];
  let bounds = '';
  if (range.after !== null) {
    bounds += ' and pa.participant_id > ?';
    params.push(range.after);
  }
  if (range.upTo !== null) {
    bounds += ' and pa.participant_id <= ?';
    params.push(range.upTo);
  }
  const rows = await sql.query<RecipientRow>(
    `select p.id, p.canonical_email, p.display_name, p.locale
       from participation pa
       join participant p on p.id = pa.participant_id
      where pa.challenge_id = ? and ${COUNTED} and p.email is not null and not p.mail_opt_out${bounds}
      order by pa.participant_id`,
    params,
  );
  return recipientsOf(rows);
}

/** The owners and admins of an organization who have an address: who answers for a sponsor. */
export async function organizationAdmins(sql: Sql, organizationId: string): Promise<Recipient[]> {
  const rows = await sql.query<RecipientRow>(
    `select p.id, p.canonical_email, p.display_name, p.locale
       from membership m
       join participant p on p.id = m.participant_id
      where m.organization_id = ? and m.role in (?) and p.email is not null and not p.mail_opt_out
      order by p.id`,
    [organizationId, ['owner', 'admin']],
  );
  return recipientsOf(rows);
}

/**
 * The person who made this pledge, if it is still confirmed and they have
 * an address: a pledge withdrawn before its mail went out gets none.
 */
export async function confirmedPledger(
  sql: Sql,
  pledgeId: string,
): Promise<(Recipient & { challengeId: string }) | undefined> {
  const [row] = await sql.query<RecipientRow & { challenge_id: string }>(
    `select p.id, p.canonical_email, p.display_name, p.locale, pl.challenge_id
       from pledge pl
       join participant p on p.id = pl.participant_id
      where pl.id = ? and pl.status = 'confirmed' and p.email is not null and not p.mail_opt_out`,
    [pledgeId],
  );
  const recipient = row ? toRecipient(row) : undefined;
  return recipient && row ? { ...recipient, challengeId: row.challenge_id } : undefined;
}
