import type { Sql } from './database.js';

/** One row per membership of a session's participant (one row with nulls when they have none). */
export interface SessionRow<TRole extends string = string> {
  participant_id: string;
  email: string | null;
  organization_id: string | null;
  role: TRole | null;
}

/**
 * The participant a live session belongs to, with each of their
 * memberships; no rows when the session is unknown or expired.
 *
 * @param hash the hash of the session token (only hashes are stored)
 */
export async function findSessionRows<TRole extends string = string>(
  sql: Sql,
  hash: string,
): Promise<SessionRow<TRole>[]> {
  return sql.query<SessionRow<TRole>>(
    `select s.participant_id, p.canonical_email as email, m.organization_id, m.role
       from session s
       join participant p on p.id = s.participant_id
       left join membership m on m.participant_id = s.participant_id
      where s.hash = ? and s.expires_at > now()`,
    [hash],
  );
}

/** Stores a session under the hash of its token. */
export async function insertSession(
  tx: Sql,
  hash: string,
  participantId: string,
  expiresAt: Date,
): Promise<void> {
  await tx.query('insert into session (hash, participant_id, expires_at) values (?, ?, ?)', [
    hash,
    participantId,
    expiresAt,
  ]);
}

/** Forgets the session stored under this hash (nothing when there is none). */
export async function deleteSession(sql: Sql, hash: string): Promise<void> {
  await sql.query('delete from session where hash = ?', [hash]);
}
