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

/** `GET /api/me`: who the session belongs to and their roles. */
export async function describeMe(ctx: ServiceContext, viewer: Viewer) {
  if (viewer.kind === 'anonymous') throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in first.');
  if (viewer.kind === 'admin') return { kind: 'admin' as const, memberships: [] };
  const [participant] = await ctx.db.query<{
    id: string;
    email: string | null;
    display_name: string | null;
  }>('select id, email, display_name from participant where id = ?', [viewer.participantId]);
  const memberships = await ctx.db.query<{ slug: string; name: string; role: Role }>(
    `select o.slug, o.name, m.role from membership m join organization o on o.id = m.organization_id
      where m.participant_id = ? order by o.slug`,
    [viewer.participantId],
  );
  return {
    kind: 'participant' as const,
    id: participant?.id ?? viewer.participantId,
    email: participant?.email ?? null,
    displayName: participant?.display_name ?? null,
    memberships: memberships.map((m) => ({ organization: m.slug, name: m.name, role: m.role })),
  };
}
