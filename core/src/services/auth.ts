import { timingSafeEqual } from 'node:crypto';
import { parseEmailField } from '../domain/email.js';
import { TandemError } from '../errors.js';
import { hashSecret, newSecret } from '../ids.js';
import { renderMail } from '../mail/templates.js';
import type { Sql } from '../store/database.js';
import { anonymous, type Role, type ServiceContext, type Viewer } from './context.js';
import { enforceMailLimit } from './mail-limit.js';
import { upsertParticipant } from '../store/participants.js';
import { deleteSession, findSessionRows, insertSession } from '../store/sessions.js';
import { issueToken, markTokenUsed, takeToken } from '../store/tokens.js';

/** How long a participant session lasts. */
export const SESSION_TTL_DAYS = 30;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(hashSecret(given));
  const b = Buffer.from(hashSecret(expected));
  return timingSafeEqual(a, b);
}

/**
 * Who is asking, from the `Authorization: Bearer …` header: the platform
 * admin token, a participant session, or nobody. A bearer that matches
 * neither is a 401 (a stale session should not silently act as anonymous).
 */
export async function resolveViewer(
  ctx: ServiceContext,
  authorization: string | undefined,
): Promise<Viewer> {
  if (!authorization) return anonymous;
  // Other schemes (Basic, as xAPI clients send) belong to the routes that
  // accept them; to core they are no Tandem credentials at all.
  if (!/^Bearer\s/i.test(authorization)) return anonymous;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) {
    throw new TandemError('TANDEM_AUTH_INVALID', 'Authorization must be "Bearer <token>".');
  }
  const token = match[1];
  if (ctx.config.adminToken && sameSecret(token, ctx.config.adminToken)) return { kind: 'admin' };
  return resolveSession(ctx, token);
}

/**
 * Who a participant session token belongs to, as the `tandem_session`
 * cookie carries it (ADR 0028). Only sessions: the admin token in a cookie
 * is no credential, so a browser never holds platform-wide power. An
 * unknown or expired session is a 401, as with a bearer.
 */
export async function resolveSession(ctx: ServiceContext, token: string): Promise<Viewer> {
  const rows = await findSessionRows<Role>(ctx.db, hashSecret(token));
  const first = rows[0];
  if (!first)
    throw new TandemError(
      'TANDEM_AUTH_INVALID',
      'This session is unknown or has expired; sign in again.',
    );
  const roles = new Map<string, Role>();
  for (const row of rows)
    if (row.organization_id && row.role) roles.set(row.organization_id, row.role);
  return { kind: 'participant', participantId: first.participant_id, email: first.email, roles };
}

/**
 * `POST /api/auth/magic-link`: mails a one-time sign-in link (10 minutes).
 * The answer is the same whether or not the address is known.
 *
 * The address is read once, here: the limit, the token and the mail all
 * take the parsed value, and the link goes to its canonical form — the
 * mailbox of the person the token signs in, never to the text as typed.
 */
export async function requestMagicLink(
  ctx: ServiceContext,
  input: { email: string; locale?: 'fr' | 'en' },
): Promise<void> {
  const email = parseEmailField(input.email, 'email');
  await enforceMailLimit(ctx, email);
  const { token, expiresInMinutes } = await issueToken(
    ctx.db,
    'sign-in',
    email,
    // Stored on the participant once the link comes back, never by the request alone.
    input.locale ? { locale: input.locale } : {},
    ctx.now(),
  );
  const link = `${ctx.config.publicUrl}/sign-in?token=${encodeURIComponent(token)}`;
  const mail = renderMail('sign-in', input.locale ?? 'fr', { link, token, expiresInMinutes });
  await ctx.mailer.send({ to: email, ...mail, purpose: 'sign-in', token });
}

/**
 * `POST /api/auth/session`: trades a sign-in token (once) for a session.
 * The person is created on first sign-in; their address is now verified.
 */
export async function createSession(
  ctx: ServiceContext,
  token: string,
): Promise<{ sessionToken: string; participantId: string; expiresAt: string }> {
  return ctx.db.transaction(async (tx) => {
    const stored = await takeToken(tx, 'sign-in', token, ctx.now());
    if (stored.usedAt) {
      throw new TandemError(
        'TANDEM_NOT_FOUND',
        'This sign-in link was already used; ask for a new one.',
      );
    }
    const locale = stored.payload['locale'];
    const participant = await upsertParticipant(tx, ctx.keyring, {
      email: stored.email,
      verified: true,
      locale: locale === 'fr' || locale === 'en' ? locale : undefined,
    });
    const sessionToken = newSecret();
    const expiresAt = new Date(ctx.now().getTime() + SESSION_TTL_DAYS * 86_400_000);
    await insertSession(tx, hashSecret(sessionToken), participant.id, expiresAt);
    await markTokenUsed(tx, stored.hash, { participantId: participant.id });
    return { sessionToken, participantId: participant.id, expiresAt: expiresAt.toISOString() };
  });
}

/** `DELETE /api/auth/session`: ends the caller's session. */
export async function endSession(sql: Sql, token: string): Promise<void> {
  await deleteSession(sql, hashSecret(token));
}
