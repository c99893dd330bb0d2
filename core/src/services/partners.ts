import { TandemError, conflict, invalid, notFound } from '../errors.js';
import { renderPartnerInvitationMail } from '../mail/templates.js';
import { storedEmail } from '../domain/email.js';
import { loadChallenge, type ChallengeAggregate } from '../store/challenges.js';
import type { Sql } from '../store/database.js';
import { validateCounterpart } from '../domain/counterparts.js';
import { normalizeGoal } from '../domain/goals.js';
import type { Counterpart, Goal, GoalInput, Progress } from '../domain/types.js';
import { newId } from '../ids.js';
import {
  findPartner,
  insertPartnerTier,
  listPartners,
  listPartnerTiers,
  reachedPartnerTiers,
  unlockPartnerTiers,
  type PartnerRecord,
  type PartnerStatus,
  type PartnerTierRecord,
} from '../store/partners.js';
import { hasRole, requireRole } from './access.js';
import { actorOf, recordAudit } from './audit.js';
import type { Audience, ServiceContext, Viewer } from './context.js';
import { findOrganization, normalizeAudience } from './organizations.js';

/** A partner of a federated challenge as the API shows it (ADR 0043). */
export interface PartnerView {
  /** The partner organization's slug. */
  organization: string;
  name: string;
  status: PartnerStatus;
  /** Who may pledge through its pages: the shape of a campaign's audience. */
  audience: Audience;
  invitedAt: string;
  decidedAt: string | null;
  /** Its own sub-goals, unlocking on its share. */
  tiers: PartnerTierView[];
}

/** A partner's sub-goal as the API shows it. */
export interface PartnerTierView {
  id: string;
  rank: number;
  goal: Goal;
  counterpart: Counterpart | null;
  unlockedAt: string | null;
  /** The share's figures when it unlocked. */
  unlockProgress: Progress | null;
}

const tierView = (tier: PartnerTierRecord): PartnerTierView => ({
  id: tier.id,
  rank: tier.rank,
  goal: tier.goal,
  counterpart: tier.counterpart,
  unlockedAt: tier.unlockedAt ? tier.unlockedAt.toISOString() : null,
  unlockProgress: tier.unlockProgress,
});

export const partnerView = (
  partner: PartnerRecord,
  tiers: readonly PartnerTierRecord[] = [],
): PartnerView => ({
  organization: partner.slug,
  name: partner.name,
  status: partner.status,
  audience: partner.audience,
  invitedAt: partner.invitedAt.toISOString(),
  decidedAt: partner.decidedAt ? partner.decidedAt.toISOString() : null,
  tiers: tiers.filter((t) => t.organizationId === partner.organizationId).map(tierView),
});

/**
 * The challenge, for a change or a read of its partners. Who may see it:
 * its organization's agents and admins, and the admins of an organization
 * it has a partner row for (invited, accepted, declined or left). A draft
 * is a 404 to anyone else, as everywhere; an open challenge gives them
 * 401/403 from the role check the caller makes.
 */
async function loadForPartners(
  sql: Sql,
  viewer: Viewer,
  id: string,
  options: { lock?: boolean } = {},
): Promise<{ challenge: ChallengeAggregate; partners: PartnerRecord[] }> {
  const challenge = await loadChallenge(sql, id, options);
  if (!challenge) throw notFound('challenge', id);
  const partners = await listPartners(sql, id);
  const involved =
    hasRole(viewer, challenge.organizationId, 'agent') ||
    partners.some((p) => hasRole(viewer, p.organizationId, 'admin'));
  if (challenge.status === 'draft' && !involved) throw notFound('challenge', id);
  return { challenge, partners };
}

/** 401 anonymous, 403 otherwise, unless the viewer is an admin of one of `organizationIds`. */
function requireAdminOfAny(viewer: Viewer, organizationIds: readonly string[], what: string): void {
  if (organizationIds.some((id) => hasRole(viewer, id, 'admin'))) return;
  if (viewer.kind === 'anonymous')
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to do this.');
  throw new TandemError('TANDEM_AUTH_FORBIDDEN', `This is for ${what}.`);
}

/**
 * `POST /api/challenges/{id}/partners`: the owner's admins invite another
 * organization to feed the challenge, until it closes. The
 * invited organization's admins are mailed a link to their console. 404
 * for an unknown organization, 400 for the owner itself, 409 when it is
 * already invited or feeds it; one that declined or left may be invited
 * again.
 */
export async function invitePartner(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  input: { organization: string },
): Promise<PartnerView> {
  const { partner, challenge, ownerName } = await ctx.db.transaction(async (tx) => {
    const { challenge } = await loadForPartners(tx, viewer, challengeId, { lock: true });
    requireRole(viewer, challenge.organizationId, 'admin');
    // A succeeded challenge still takes pledges until it closes: partners too.
    if (challenge.closedAt !== null) {
      throw conflict(
        'Partners join a challenge until it closes; this one is closed.',
        'TANDEM_CHALLENGE_CLOSED',
      );
    }
    const organization = await findOrganization(tx, input.organization);
    if (organization.id === challenge.organizationId) {
      throw invalid('organization', 'is the challenge’s own organization, which always counts');
    }
    const existing = await findPartner(tx, challengeId, organization.slug, { lock: true });
    if (existing && (existing.status === 'invited' || existing.status === 'accepted')) {
      throw conflict(
        `${organization.slug} is already ${existing.status} on this challenge.`,
        'TANDEM_PARTNER_ALREADY_INVITED',
      );
    }
    await tx.query(
      `insert into challenge_partner (challenge_id, organization_id, status, audience, invited_at,
                                      decided_at, invited_by)
       values (?, ?, 'invited', '{"type":"public"}'::jsonb, ?, null, ?)
       on conflict (challenge_id, organization_id) do update set
         status = 'invited', invited_at = excluded.invited_at, decided_at = null,
         invited_by = excluded.invited_by`,
      [
        challengeId,
        organization.id,
        ctx.now(),
        viewer.kind === 'participant' ? viewer.participantId : null,
      ],
    );
    await recordAudit(tx, {
      challengeId,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, challenge.organizationId),
      action: 'partner.invited',
      details: { organizationId: organization.id },
    });
    const [owner] = await tx.query<{ name: string }>('select name from organization where id = ?', [
      challenge.organizationId,
    ]);
    const partner = await findPartner(tx, challengeId, organization.slug);
    if (!partner) throw new Error('partner row neither inserted nor found');
    return { partner, challenge, ownerName: owner?.name ?? '' };
  });
  ctx.views?.invalidate(challengeId);
  // After the commit: the mail never announces an invitation that was rolled back.
  const link = `${ctx.config.publicUrl}/admin/${encodeURIComponent(partner.slug)}`;
  const admins = await ctx.db.query<{ canonical_email: string | null; locale: string }>(
    `select p.canonical_email, p.locale
       from membership m join participant p on p.id = m.participant_id
      where m.organization_id = ? and m.role in ('owner', 'admin') and p.email is not null
      order by p.id`,
    [partner.organizationId],
  );
  for (const row of admins) {
    const email = storedEmail(row.canonical_email);
    if (!email) continue;
    const mail = renderPartnerInvitationMail(row.locale === 'en' ? 'en' : 'fr', {
      link,
      organizationName: ownerName,
      challengeTitle: challenge.title,
    });
    await ctx.mailer.send({ to: email, ...mail, purpose: 'partner-invitation' });
  }
  return partnerView(partner);
}

/** `GET /api/challenges/{id}/partners`: for the owner's admins and each partner's admins. */
export async function getPartners(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
): Promise<{ items: PartnerView[] }> {
  const { challenge, partners } = await loadForPartners(ctx.db, viewer, challengeId);
  requireAdminOfAny(
    viewer,
    [challenge.organizationId, ...partners.map((p) => p.organizationId)],
    "the challenge organization's admins and its partners' admins",
  );
  const tiers = await listPartnerTiers(ctx.db, challengeId);
  return { items: partners.map((partner) => partnerView(partner, tiers)) };
}

/**
 * `POST /api/challenges/{id}/partners/{slug}/decision`: the invited
 * organization's admins accept (with the audience rule of their own pages,
 * public by default) or decline. 409 unless the partner is `invited`.
 */
export async function decidePartnership(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  slug: string,
  input: { accept: boolean; audience?: Audience },
): Promise<PartnerView> {
  const partner = await ctx.db.transaction(async (tx) => {
    const { challenge } = await loadForPartners(tx, viewer, challengeId, { lock: true });
    const partner = await findPartner(tx, challengeId, slug, { lock: true });
    if (!partner) throw notFound('partner', slug);
    requireAdminOfAny(viewer, [partner.organizationId], `the admins of ${partner.slug}`);
    if (partner.status !== 'invited') {
      throw conflict(
        `${partner.slug} is ${partner.status}, not invited: there is nothing to decide.`,
        'TANDEM_PARTNER_ALREADY_DECIDED',
      );
    }
    if (challenge.closedAt !== null) {
      throw conflict('The challenge is closed.', 'TANDEM_CHALLENGE_CLOSED');
    }
    const audience = input.accept ? normalizeAudience(input.audience) : partner.audience;
    const status: PartnerStatus = input.accept ? 'accepted' : 'declined';
    await tx.query(
      `update challenge_partner set status = ?, audience = ?::jsonb, decided_at = ?
        where challenge_id = ? and organization_id = ?`,
      [status, JSON.stringify(audience), ctx.now(), challengeId, partner.organizationId],
    );
    await recordAudit(tx, {
      challengeId,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, partner.organizationId),
      action: input.accept ? 'partner.accepted' : 'partner.declined',
      details: { organizationId: partner.organizationId },
    });
    const decided = await findPartner(tx, challengeId, slug);
    if (!decided) throw new Error('partner row vanished inside its transaction');
    return decided;
  });
  ctx.views?.invalidate(challengeId);
  return partnerView(partner);
}

/**
 * `DELETE /api/challenges/{id}/partners/{slug}`: the partner's admins
 * leave, or the owner's admins withdraw the partner — only while the
 * challenge is a draft (409 `TANDEM_CHALLENGE_NOT_DRAFT` after: from the
 * opening on, a share stays on the record). The row stays, `left`.
 */
export async function leavePartnership(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  slug: string,
): Promise<PartnerView> {
  const partner = await ctx.db.transaction(async (tx) => {
    const { challenge } = await loadForPartners(tx, viewer, challengeId, { lock: true });
    const partner = await findPartner(tx, challengeId, slug, { lock: true });
    if (!partner) throw notFound('partner', slug);
    requireAdminOfAny(
      viewer,
      [challenge.organizationId, partner.organizationId],
      `the admins of ${partner.slug} and of the challenge's organization`,
    );
    if (challenge.status !== 'draft') {
      throw conflict(
        'The challenge is open or finished: its partners’ shares stay on the record.',
        'TANDEM_CHALLENGE_NOT_DRAFT',
      );
    }
    if (partner.status === 'left' || partner.status === 'declined') {
      throw conflict(
        `${partner.slug} already ${partner.status}.`,
        'TANDEM_PARTNER_ALREADY_DECIDED',
      );
    }
    await tx.query(
      `update challenge_partner set status = 'left', decided_at = ?
        where challenge_id = ? and organization_id = ?`,
      [ctx.now(), challengeId, partner.organizationId],
    );
    const byPartner = hasRole(viewer, partner.organizationId, 'admin');
    await recordAudit(tx, {
      challengeId,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, byPartner ? partner.organizationId : challenge.organizationId),
      action: byPartner ? 'partner.left' : 'partner.withdrawn',
      details: { organizationId: partner.organizationId },
    });
    const left = await findPartner(tx, challengeId, slug);
    if (!left) throw new Error('partner row vanished inside its transaction');
    return left;
  });
  ctx.views?.invalidate(challengeId);
  return partnerView(partner);
}

/**
 * `POST /api/challenges/{id}/partners/{slug}/tiers`: an accepted partner's
 * admins add a sub-goal of their own (ADR 0043), with the body of a
 * challenge's tier (`goal`, `counterpart`); it unlocks on the partner's
 * share, not the whole, and takes no part in the challenge's lifecycle.
 * A donation or matching counterpart names a beneficiary of the partner.
 * 409 unless the partner is accepted and the challenge not closed. An
 * evaluation follows at once, so a goal already reached unlocks.
 */
export async function addPartnerTier(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  slug: string,
  input: { goal: GoalInput; counterpart?: Counterpart },
): Promise<PartnerTierView> {
  const goal = normalizeGoal(input.goal);
  if (input.counterpart !== undefined) validateCounterpart(input.counterpart);
  const tier = await ctx.db.transaction(async (tx) => {
    const { challenge } = await loadForPartners(tx, viewer, challengeId);
    const partner = await findPartner(tx, challengeId, slug, { lock: true });
    if (!partner) throw notFound('partner', slug);
    requireAdminOfAny(viewer, [partner.organizationId], `the admins of ${partner.slug}`);
    if (partner.status !== 'accepted') {
      throw conflict(
        `${partner.slug} is ${partner.status}: only an accepted partner sets its own goals.`,
        'TANDEM_PARTNER_ALREADY_DECIDED',
      );
    }
    if (challenge.closedAt !== null) {
      throw conflict('The challenge is closed.', 'TANDEM_CHALLENGE_CLOSED');
    }
    const counterpart = input.counterpart ?? null;
    if (counterpart && counterpart.kind !== 'act') {
      const [own] = await tx.query<{ id: string }>(
        'select id from beneficiary where id = ? and organization_id = ?',
        [counterpart.beneficiaryId, partner.organizationId],
      );
      if (!own) {
        throw invalid('counterpart/beneficiaryId', `is no beneficiary of ${partner.slug}`);
      }
    }
    const tier = await insertPartnerTier(tx, {
      id: newId('ptr'),
      challengeId,
      organizationId: partner.organizationId,
      goal: goal as Goal,
      counterpart,
    });
    await recordAudit(tx, {
      challengeId,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, partner.organizationId),
      action: 'partner.tier-added',
      details: { tierId: tier.id, partnerId: partner.organizationId, goal },
    });
    // A goal the share already reaches unlocks now, in the same transaction.
    const reached = await reachedPartnerTiers(tx, challengeId);
    const unlocked = await unlockPartnerTiers(
      tx,
      challenge.organizationId,
      challengeId,
      reached.filter((r) => r.id === tier.id),
      ctx.now(),
    );
    return unlocked[0] ?? tier;
  });
  return tierView(tier);
}

/** A federated challenge as one of its partners' admins see their part in it. */
export interface PartnershipView {
  challenge: {
    id: string;
    title: string;
    status: string;
    deadline: string | null;
    /** The owner organization. */
    organization: { slug: string; name: string };
  };
  status: PartnerStatus;
  audience: Audience;
  invitedAt: string;
  decidedAt: string | null;
}

/**
 * `GET /api/organizations/{slug}/partnerships`: the challenges of other
 * organizations this one is invited to feed, feeds, declined or left,
 * newest invitation first; `status=invited` lists what waits for an answer
 * (`POST /api/challenges/{id}/partners/{slug}/decision`). The
 * organization's admins only.
 */
export async function listPartnerships(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  status?: PartnerStatus,
): Promise<{ items: PartnershipView[] }> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const rows = await ctx.db.query<{
    challenge_id: string;
    title: string;
    challenge_status: string;
    deadline: Date | null;
    owner_slug: string;
    owner_name: string;
    status: PartnerStatus;
    audience: Audience;
    invited_at: Date;
    decided_at: Date | null;
  }>(
    `select c.id as challenge_id, c.title, c.status as challenge_status, c.deadline,
            o.slug as owner_slug, o.name as owner_name,
            cp.status, cp.audience, cp.invited_at, cp.decided_at
       from challenge_partner cp
       join challenge c on c.id = cp.challenge_id
       join organization o on o.id = c.organization_id
      where cp.organization_id = ? and (?::text is null or cp.status = ?)
      order by cp.invited_at desc, c.id
      limit 500`,
    [organization.id, status ?? null, status ?? null],
  );
  return {
    items: rows.map((row) => ({
      challenge: {
        id: row.challenge_id,
        title: row.title,
        status: row.challenge_status,
        deadline: row.deadline ? new Date(row.deadline).toISOString() : null,
        organization: { slug: row.owner_slug, name: row.owner_name },
      },
      status: row.status,
      audience: row.audience,
      invitedAt: new Date(row.invited_at).toISOString(),
      decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
    })),
  };
}
