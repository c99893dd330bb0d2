import { parseEmail, parseEmailField, storedEmail } from '../domain/email.js';
import { TandemError, notFound } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import { renderInvitationMail } from '../mail/templates.js';
import type { Sql } from '../store/database.js';
import { upsertParticipant } from '../store/participants.js';
import { insertSession } from '../store/sessions.js';
import { requireRole } from './access.js';
import { SESSION_TTL_DAYS } from './auth.js';
import type { Role, ServiceContext, Viewer } from './context.js';
import { enforceMailLimit } from './mail-limit.js';
import { findOrganization } from './organizations.js';

/**
 * Invitations to join an organization by e-mail (ADR 0037): an admin names
 * an address and a role, Tandem mails a one-time link, and whoever opens it
 * from that mailbox becomes a member. The link proves the mailbox, as a
 * sign-in link does; it never lends its membership to another account.
 */

/** How long an invitation link works: a week, for people who read mail now and then. */
export const INVITATION_TTL_DAYS = 7;

const RANK: Record<Role, number> = { member: 0, agent: 1, admin: 2, owner: 3 };

/** What `POST /api/organizations/{slug}/invitations` answers. */
export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
}

/**
 * `POST /api/organizations/{slug}/invitations`: invites `email` to join
 * with `role`, and mails the link. Admins and owners invite; only an owner
 * invites an owner. A pending invitation of the same address to the same
 * organization is revoked, so one link at most works for a person. The mail
 * counts against the recipient's hourly mail limit (429 beyond it), like
 * every mail a client makes Tandem send.
 */
export async function inviteMember(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  input: { email: string; role: Role; locale?: 'fr' | 'en' },
): Promise<InvitationView> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, input.role === 'owner' ? 'owner' : 'admin');
  const email = parseEmailField(input.email, 'email');
  await enforceMailLimit(ctx, email);
  const token = newSecret();
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000);
  const id = newId('inv');
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `update invitation set revoked_at = ?
        where organization_id = ? and email = ? and accepted_at is null and revoked_at is null`,
      [now, organization.id, email.canonical],
    );
    await tx.query(
      `insert into invitation (id, organization_id, email, role, token_hash, invited_by, created_at, expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        organization.id,
        email.canonical,
        input.role,
        hashSecret(token),
        viewer.kind === 'participant' ? viewer.participantId : null,
        now,
        expiresAt,
      ],
    );
  });
  const link = `${ctx.config.publicUrl}/invitation?token=${encodeURIComponent(token)}`;
  const mail = renderInvitationMail(input.locale ?? 'fr', {
    link,
    token,
    expiresInMinutes: INVITATION_TTL_DAYS * 24 * 60,
    organizationName: organization.name,
    role: input.role,
  });
  await ctx.mailer.send({ to: email, ...mail, purpose: 'invitation', token });
  return { id, email: email.canonical, role: input.role, expiresAt: expiresAt.toISOString() };
}

/**
 * `DELETE /api/organizations/{slug}/invitations/{id}`: the link stops
 * working at once. Admins and owners revoke; an invitation to become an
 * owner only an owner may revoke, as only an owner may make one. 404 when
 * the invitation is not a pending one of this organization.
 */
export async function revokeInvitation(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  invitationId: string,
): Promise<{ id: string; status: 'revoked' }> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<{ role: Role }>(
      `select role from invitation
        where id = ? and organization_id = ? and accepted_at is null and revoked_at is null
          and expires_at > ?
        for update`,
      [invitationId, organization.id, ctx.now()],
    );
    if (!row) throw notFound('invitation', invitationId);
    if (row.role === 'owner') requireRole(viewer, organization.id, 'owner');
    await tx.query('update invitation set revoked_at = ? where id = ?', [ctx.now(), invitationId]);
    return { id: invitationId, status: 'revoked' as const };
  });
}

interface PendingInvitation {
  id: string;
  organizationId: string;
  slug: string;
  name: string;
  email: string;
  role: Role;
  expiresAt: Date;
}

/**
 * The pending invitation this secret opens, locked when `lock`; 404 when
 * unknown, accepted, revoked or expired — one answer for all, so that the
 * link says nothing of an invitation it no longer opens.
 */
async function pendingInvitation(
  sql: Sql,
  token: string,
  now: Date,
  lock: boolean,
): Promise<PendingInvitation> {
  const [row] = await sql.query<{
    id: string;
    organization_id: string;
    slug: string;
    name: string;
    email: string;
    role: Role;
    expires_at: Date;
  }>(
    `select i.id, i.organization_id, o.slug, o.name, i.email, i.role, i.expires_at
       from invitation i join organization o on o.id = i.organization_id
      where i.token_hash = ? and i.accepted_at is null and i.revoked_at is null
        and i.expires_at > ?
      ${lock ? 'for update of i' : ''}`,
    [hashSecret(token), now],
  );
  if (!row) {
    throw new TandemError(
      'TANDEM_NOT_FOUND',
      'This invitation is unknown, was already used or revoked, or has expired; ask for a new one.',
    );
  }
  return {
    id: row.id,
    organizationId: row.organization_id,
    slug: row.slug,
    name: row.name,
    email: row.email,
    role: row.role,
    expiresAt: new Date(row.expires_at),
  };
}

/**
 * `POST /api/invitations/preview`: what an invitation link is for — the
 * organization, the role and the address invited — without using it, so
 * the invitation page can say what accepting means. 404 as on acceptance.
 */
export async function previewInvitation(ctx: ServiceContext, token: string) {
  const invitation = await pendingInvitation(ctx.db, token, ctx.now(), false);
  return {
    organization: { slug: invitation.slug, name: invitation.name },
    role: invitation.role,
    email: invitation.email,
    expiresAt: invitation.expiresAt.toISOString(),
  };
}

/** What `POST /api/invitations/accept` answers. */
export interface AcceptedInvitation {
  organization: { slug: string; name: string };
  /** The role the person now holds: the invited one, or theirs if it was higher. */
  role: Role;
  participantId: string;
  /** A new session, only when the link was opened signed out (ADR 0037). */
  session?: { sessionToken: string; expiresAt: string };
}

/**
 * `POST /api/invitations/accept`: the invited person joins. The secret was
 * mailed to the invited address, so holding it proves that mailbox, as a
 * sign-in link does:
 *
 * - signed in, the session's address must be the invited one, else 403
 *   `TANDEM_INVITATION_OTHER_ACCOUNT` and the invitation stays usable: a
 *   forwarded link never makes someone else's account a member;
 * - signed out, the invited person is signed in (created if new, address
 *   verified) and a session comes back with the membership.
 *
 * The secret works once. Accepting never lowers a role the person already
 * holds (an owner invited as a member stays an owner).
 */
export async function acceptInvitation(
  ctx: ServiceContext,
  viewer: Viewer,
  token: string,
): Promise<AcceptedInvitation> {
  return ctx.db.transaction(async (tx) => {
    const invitation = await pendingInvitation(tx, token, ctx.now(), true);
    const invited = storedEmail(invitation.email);
    if (!invited) throw notFound('invitation', invitation.id);
    if (viewer.kind === 'admin') {
      throw new TandemError(
        'TANDEM_INVITATION_OTHER_ACCOUNT',
        'The platform admin token is no person: open the invitation signed out, or signed in with the invited address.',
      );
    }
    if (viewer.kind === 'participant') {
      const own = parseEmail(viewer.email ?? '');
      if (!own.ok || own.address.canonical !== invited.canonical) {
        throw new TandemError(
          'TANDEM_INVITATION_OTHER_ACCOUNT',
          'This invitation was sent to another address: sign out, or sign in with the address it was sent to.',
        );
      }
    }
    const participant = await upsertParticipant(tx, ctx.keyring, {
      email: invited,
      verified: true,
    });
    const [current] = await tx.query<{ role: Role }>(
      `select role from membership where organization_id = ? and participant_id = ? for update`,
      [invitation.organizationId, participant.id],
    );
    let role = invitation.role;
    if (current && RANK[current.role] >= RANK[invitation.role]) {
      role = current.role;
    } else {
      await tx.query(
        `insert into membership (organization_id, participant_id, role) values (?, ?, ?)
         on conflict (organization_id, participant_id) do update set role = excluded.role`,
        [invitation.organizationId, participant.id, role],
      );
    }
    await tx.query('update invitation set accepted_at = ?, accepted_by = ? where id = ?', [
      ctx.now(),
      participant.id,
      invitation.id,
    ]);
    const accepted: AcceptedInvitation = {
      organization: { slug: invitation.slug, name: invitation.name },
      role,
      participantId: participant.id,
    };
    if (viewer.kind === 'anonymous') {
      const sessionToken = newSecret();
      const expiresAt = new Date(ctx.now().getTime() + SESSION_TTL_DAYS * 86_400_000);
      await insertSession(tx, hashSecret(sessionToken), participant.id, expiresAt);
      accepted.session = { sessionToken, expiresAt: expiresAt.toISOString() };
    }
    return accepted;
  });
}
