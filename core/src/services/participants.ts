import type { EmailAddress } from '../domain/email.js';
import { newId } from '../ids.js';
import type { Sql } from '../store/database.js';

export interface ParticipantRef {
  id: string;
  email: string | null;
  displayName: string | null;
}

/**
 * The participant known by this address (one canonical form for every
 * spelling of it: API.md, "Who counts"), created when new. Both `email` and
 * `canonical_email` hold the canonical form: it is the identity and where
 * mail goes, and a row written before addresses were parsed strictly is
 * set right the next time its person comes back. `verified` marks that the
 * person proved they hold the address (a mailed token came back). `locale`, the language of
 * their mails, replaces the stored one when given; a new person without one
 * gets French.
 */
export async function upsertParticipant(
  tx: Sql,
  input: {
    email: EmailAddress;
    displayName?: string | null;
    verified?: boolean;
    locale?: ParticipantLocale | undefined;
  },
): Promise<ParticipantRef> {
  const [row] = await tx.query<{ id: string; email: string | null; display_name: string | null }>(
    `insert into participant (id, canonical_email, email, display_name, verified_at, locale)
     values (?, ?, ?, ?, ?, coalesce(?::text, 'fr'))
     on conflict (canonical_email) do update set
       email = excluded.email,
       display_name = coalesce(excluded.display_name, participant.display_name),
       verified_at = coalesce(participant.verified_at, excluded.verified_at),
       locale = coalesce(?::text, participant.locale)
     returning id, email, display_name`,
    [
      newId('ptc'),
      input.email.canonical,
      input.email.canonical,
      input.displayName ?? null,
      input.verified ? new Date() : null,
      input.locale ?? null,
      input.locale ?? null,
    ],
  );
  if (!row) throw new Error('participant upsert returned no row');
  return { id: row.id, email: row.email, displayName: row.display_name };
}

/** The languages a participant's mails are written in (French unless they chose). */
export type ParticipantLocale = 'fr' | 'en';

/** Records the language a participant asked for, e.g. with a signed-in pledge. */
export async function setParticipantLocale(
  tx: Sql,
  participantId: string,
  locale: ParticipantLocale,
): Promise<void> {
  await tx.query('update participant set locale = ? where id = ?', [locale, participantId]);
}

/** Agent-issued resident codes: 4 to 32 letters, digits or dashes, case-insensitive. */
export const RESIDENT_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{2,30}[A-Za-z0-9]$/;

/**
 * The participant an organization's agents know by a code instead of an
 * e-mail (a resident without an address, enrolled door to door). Codes are
 * scoped to the organization that issued them.
 */
export async function upsertParticipantByCode(
  tx: Sql,
  input: { organizationId: string; code: string; displayName?: string | null },
): Promise<ParticipantRef> {
  const key = `${input.organizationId}/${input.code.toUpperCase()}`;
  const [row] = await tx.query<{ id: string; email: string | null; display_name: string | null }>(
    `insert into participant (id, resident_code, display_name) values (?, ?, ?)
     on conflict (resident_code) do update set
       display_name = coalesce(excluded.display_name, participant.display_name)
     returning id, email, display_name`,
    [newId('ptc'), key, input.displayName ?? null],
  );
  if (!row) throw new Error('participant upsert returned no row');
  return { id: row.id, email: row.email, displayName: row.display_name };
}
