import { storedEmail, type EmailAddress } from '../domain/email.js';
import { TandemError } from '../errors.js';
import { hashSecret, newSecret } from '../ids.js';
import type { Sql } from './database.js';

export type TokenPurpose = 'sign-in' | 'pledge-confirmation' | 'receipt';

/** How long a mailed link works. */
export const TOKEN_TTL_MINUTES: Record<TokenPurpose, number> = {
  'sign-in': 10,
  'pledge-confirmation': 48 * 60,
  // A beneficiary may look at its accounts before confirming: a month.
  receipt: 30 * 24 * 60,
};

/**
 * Stores a one-time token for a mailed link and returns the secret to mail.
 * Only its hash is kept: a leaked table holds no live token.
 */
export async function issueToken(
  tx: Sql,
  purpose: TokenPurpose,
  email: EmailAddress,
  payload: Record<string, unknown>,
  now: Date,
): Promise<{ token: string; expiresInMinutes: number }> {
  const token = newSecret();
  const minutes = TOKEN_TTL_MINUTES[purpose];
  await tx.query(
    `insert into mail_token (hash, purpose, email, payload, expires_at) values (?, ?, ?, ?::jsonb, ?)`,
    [
      hashSecret(token),
      purpose,
      email.canonical,
      JSON.stringify(payload),
      new Date(now.getTime() + minutes * 60_000),
    ],
  );
  return { token, expiresInMinutes: minutes };
}

export interface StoredToken {
  hash: string;
  /** The address the link was mailed to, the identity it stands for. */
  email: EmailAddress;
  payload: Record<string, unknown>;
  usedAt: Date | null;
  result: Record<string, unknown> | null;
}

/**
 * Locks the token row for this secret; 404 when unknown, of another
 * purpose, or expired (whether used or not).
 */
export async function takeToken(
  tx: Sql,
  purpose: TokenPurpose,
  token: string,
  now: Date,
): Promise<StoredToken> {
  const [row] = await tx.query<{
    hash: string;
    purpose: string;
    email: string;
    payload: Record<string, unknown>;
    expires_at: Date;
    used_at: Date | null;
    result: Record<string, unknown> | null;
  }>('select * from mail_token where hash = ? for update', [hashSecret(token)]);
  // A token stored before addresses were parsed strictly may hold text the
  // grammar now refuses (a list, a quoted local part): it proves nothing.
  const email = storedEmail(row?.email);
  if (!row || !email || row.purpose !== purpose || new Date(row.expires_at) <= now) {
    throw new TandemError(
      'TANDEM_NOT_FOUND',
      'This link is unknown or has expired; ask for a new one.',
    );
  }
  return {
    hash: row.hash,
    email,
    payload: row.payload,
    usedAt: row.used_at ? new Date(row.used_at) : null,
    result: row.result,
  };
}

export async function markTokenUsed(
  tx: Sql,
  hash: string,
  result: Record<string, unknown>,
): Promise<void> {
  await tx.query('update mail_token set used_at = now(), result = ?::jsonb where hash = ?', [
    JSON.stringify(result),
    hash,
  ]);
}
