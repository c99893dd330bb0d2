import type { EmailAddress } from '../domain/email.js';
import { TandemError } from '../errors.js';
import { newId } from '../ids.js';
import type { Keyring } from '../keyring.js';
import type { Sql } from './database.js';

export interface ParticipantRef {
  id: string;
  email: string | null;
  displayName: string | null;
}

/** The fingerprint purpose of a person's identity (their canonical address). */
export const IDENTITY_PURPOSE = 'participant';

/**
 * The keyed hash a person is looked up by: the HMAC of their canonical
 * address. It stays on the row when the person is erased, so they are
 * recognised if they come back, while the row no longer says who they are.
 */
export function identityFingerprint(keyring: Keyring, canonical: string): string {
  return keyring.fingerprint(IDENTITY_PURPOSE, canonical);
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
 *
 * People are found by {@link identityFingerprint}, not by the address: a
 * person who erased their data and comes back gets their old, anonymous row
 * again (with this address), so they are never counted twice.
 */
export async function upsertParticipant(
  tx: Sql,
  keyring: Keyring,
  input: {
    email: EmailAddress;
    displayName?: string | null;
    verified?: boolean;
    locale?: ParticipantLocale | undefined;
  },
): Promise<ParticipantRef> {
  const [row] = await tx.query<{ id: string; email: string | null; display_name: string | null }>(
    `insert into participant (id, identity_fingerprint, canonical_email, email, display_name,
                              verified_at, locale)
     values (?, ?, ?, ?, ?, ?, coalesce(?::text, 'fr'))
     on conflict (identity_fingerprint) do update set
       canonical_email = excluded.canonical_email,
       email = excluded.email,
       display_name = coalesce(excluded.display_name, participant.display_name),
       verified_at = coalesce(participant.verified_at, excluded.verified_at),
       locale = coalesce(?::text, participant.locale),
       erased_at = null
     returning id, email, display_name`,
    [
      newId('ptc'),
      identityFingerprint(keyring, input.email.canonical),
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

/**
 * Gives participants stored before identity fingerprints existed their
 * fingerprint, so that {@link upsertParticipant} finds them. Runs at start
 * (SQL has no access to the key); a no-op once every row has one.
 *
 * @returns how many rows it filled
 */
export async function fillIdentityFingerprints(sql: Sql, keyring: Keyring): Promise<number> {
  let filled = 0;
  for (;;) {
    const rows = await sql.query<{ id: string; canonical_email: string }>(
      `select id, canonical_email from participant
        where identity_fingerprint is null and canonical_email is not null
        order by id limit 500`,
    );
    if (rows.length === 0) return filled;
    for (const row of rows) {
      await sql.query(
        'update participant set identity_fingerprint = ? where id = ? and identity_fingerprint is null',
        [identityFingerprint(keyring, row.canonical_email), row.id],
      );
    }
    filled += rows.length;
  }
}

/**
 * Checks that `keyring` is the key the stored fingerprints were made with,
 * on one person who has both an address and a fingerprint. Started with
 * another `TANDEM_SECRET_KEY`, Tandem would no longer recognise anyone
 * (every comeback a new person, counted twice) nor open a sealed secret:
 * better to stop and say so.
 *
 * @throws TandemError `TANDEM_CONFIG_INVALID` when the key differs
 */
export async function assertSameSecretKey(sql: Sql, keyring: Keyring): Promise<void> {
  const [row] = await sql.query<{ canonical_email: string; identity_fingerprint: string }>(
    `select canonical_email, identity_fingerprint from participant
      where canonical_email is not null and identity_fingerprint is not null limit 1`,
  );
  if (row && identityFingerprint(keyring, row.canonical_email) !== row.identity_fingerprint) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      'TANDEM_SECRET_KEY is not the key this database was written with: start with the original key (rotation is not supported yet).',
    );
  }
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
