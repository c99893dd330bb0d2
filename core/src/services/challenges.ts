import { owedSoFar, validateCounterpart } from '../domain/counterparts.js';
import { normalizeGoal } from '../domain/goals.js';
import { challengeForecast, type PacingForecast } from '../domain/pacing.js';
import {
  closeChallenge as closeState,
  fulfillTier as fulfillState,
  openChallenge as openState,
} from '../domain/lifecycle.js';
import {
  assertSponsorshipsAccepted,
  decideSponsorship as decideState,
  initialSponsorship,
  type Sponsorship,
  type SponsorshipDecision,
} from '../domain/sponsorship.js';
import { validateTiers } from '../domain/tiers.js';
import type { Counterpart, GoalInput, Money, Progress, Tier } from '../domain/types.js';
import { TandemError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { applyEvaluationRows } from '../store/evaluations.js';
import {
  loadChallenge,
  loadChallenges,
  toChallengeState,
  type ChallengeAggregate,
  type FulfilmentProof,
} from '../store/challenges.js';
import type { Sql, Tx } from '../store/database.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { readChallengeProgress, readProgress } from '../store/progress.js';
import { assertCanSee, hasRole, requireRole, type Audience } from './access.js';
import type { ServiceContext, Viewer } from './context.js';
import { findCampaign, findOrganization, type CampaignRecord } from './organizations.js';

type CounterpartInput = Counterpart;

export interface TierInput {
  goal: GoalInput;
  counterpart?: CounterpartInput;
  sponsor?: string;
}

export interface ChallengeInput {
  title: string;
  description?: string;
  actionType: string;
  actionSettings?: Record<string, unknown>;
  goal?: GoalInput;
  counterpart?: CounterpartInput;
  tiers?: TierInput[];
  sponsor?: string;
  deadline?: string;
}

export interface TierView {
  id: string;
  rank: number;
  goal: Tier['goal'];
  counterpart: Counterpart | null;
  sponsor: string | null;
  /** `proposed` until the sponsor's admins accept; the challenge opens only with all `accepted`. */
  sponsorship: Sponsorship;
  unlockedAt: string | null;
  fulfilledAt: string | null;
  /** Slug of the organization that declared the counterpart delivered. */
  fulfilledBy: string | null;
  proof: FulfilmentProof | null;
  /** A matching tier's worth at the quantity so far, capped; `null` for other kinds. */
  owed: Money | null;
}

export interface ChallengeView {
  id: string;
  campaignId: string;
  organizationId: string;
  title: string;
  description: string | null;
  status: string;
  actionType: string;
  actionSettings: Record<string, unknown>;
  unit: string | null;
  goal: Tier['goal'] | null;
  counterpart: Counterpart | null;
  deadline: string | null;
  openedAt: string | null;
  closedAt: string | null;
  createdAt: string;
  /**
   * The counters, and where they are heading: `forecast` is computed on
   * each read from the counters and the challenge's dates (no scan of
   * pledges); null without a deadline or once closed.
   */
  progress: Progress & { forecast: PacingForecast | null };
  /** Where the counters are heading (the same as `progress.forecast`, its earlier place). */
  forecast: PacingForecast | null;
  tiers: TierView[];
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

async function sponsorSlugs(
  sql: Sql,
  challenges: ChallengeAggregate[],
): Promise<Map<string, string>> {
  const ids = [
    ...new Set(
      challenges.flatMap((c) =>
        c.tiers.flatMap((t) => [t.sponsorId, t.fulfilledBy].filter((v): v is string => !!v)),
      ),
    ),
  ];
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; slug: string }>(
    'select id, slug from organization where id in (?)',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.slug]));
}

function toView(
  challenge: ChallengeAggregate,
  progress: Progress,
  unit: string | null,
  slugs: Map<string, string>,
  now: Date,
): ChallengeView {
  const tiers = challenge.tiers.map((tier): TierView => ({
    id: tier.id,
    rank: tier.rank,
    goal: tier.goal,
    counterpart: tier.counterpart ?? null,
    sponsor: tier.sponsorId ? (slugs.get(tier.sponsorId) ?? null) : null,
    sponsorship: tier.sponsorship,
    unlockedAt: iso(tier.unlockedAt),
    fulfilledAt: iso(tier.fulfilledAt),
    fulfilledBy: tier.fulfilledBy ? (slugs.get(tier.fulfilledBy) ?? null) : null,
    proof: tier.proof ?? null,
    owed: owedSoFar(tier.counterpart, progress.quantity),
  }));
  const first = tiers[0];
  const forecast = challengeForecast(challenge, progress, now);
  return {
    id: challenge.id,
    campaignId: challenge.campaignId,
    organizationId: challenge.organizationId,
    title: challenge.title,
    description: challenge.description,
    status: challenge.status,
    actionType: challenge.actionType,
    actionSettings: challenge.actionSettings,
    unit,
    goal: first?.goal ?? null,
    counterpart: first?.counterpart ?? null,
    deadline: iso(challenge.deadline),
    openedAt: iso(challenge.openedAt),
    closedAt: iso(challenge.closedAt),
    createdAt: challenge.createdAt.toISOString(),
    progress: { ...progress, forecast },
    forecast,
    tiers,
  };
}

/** Views of several challenges, with progress read from their counter slots. */
export async function viewChallenges(
  ctx: ServiceContext,
  challenges: ChallengeAggregate[],
): Promise<ChallengeView[]> {
  const [progress, slugs] = await Promise.all([
    readProgress(
      ctx.db,
      challenges.map((c) => c.id),
    ),
    sponsorSlugs(ctx.db, challenges),
  ]);
  const now = ctx.now();
  return challenges.map((c) =>
    toView(
      c,
      progress.get(c.id) ?? { participants: 0, quantity: 0, co2eKg: 0 },
      ctx.registry.findActionType(c.actionType)?.unit ?? null,
      slugs,
      now,
    ),
  );
}

/** What deciding who may see a challenge needs; the same whoever asks. */
export interface ChallengeVisibility {
  organizationId: string;
  isDraft: boolean;
  audience: Audience;
}

/**
 * Drafts only for the organization's agents and admins (404 for everyone
 * else, who need not know it exists); members-only campaigns per API.md
 * (401 / 403).
 */
export function assertCanSeeChallenge(
  viewer: Viewer,
  id: string,
  visibility: ChallengeVisibility,
): void {
  if (visibility.isDraft && !hasRole(viewer, visibility.organizationId, 'agent')) {
    throw notFound('challenge', id);
  }
  assertCanSee(viewer, visibility.organizationId, visibility.audience);
}

/** Loads a challenge the viewer may see (see {@link assertCanSeeChallenge}). */
export async function loadVisibleChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  sql: Sql = ctx.db,
  options: { lock?: boolean } = {},
): Promise<{ challenge: ChallengeAggregate; campaign: CampaignRecord }> {
  const challenge = await loadChallenge(sql, id, options);
  if (!challenge) throw notFound('challenge', id);
  if (challenge.status === 'draft' && !hasRole(viewer, challenge.organizationId, 'agent')) {
    throw notFound('challenge', id);
  }
  const campaign = await findCampaign(sql, challenge.campaignId);
  assertCanSee(viewer, campaign.organizationId, campaign.audience);
  return { challenge, campaign };
}

export async function getChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
): Promise<ChallengeView> {
  const { challenge } = await loadVisibleChallenge(ctx, viewer, id);
  const [view] = await viewChallenges(ctx, [challenge]);
  return view as ChallengeView;
}

/**
 * A challenge's view as everyone allowed to see it sees it, with who is
 * allowed — for a cache that checks the viewer on each request — and the
 * deadline, past which the forecast in the view no longer holds.
 */
export async function loadChallengeView(
  ctx: ServiceContext,
  id: string,
): Promise<{ view: ChallengeView; visibility: ChallengeVisibility; deadline: Date | null }> {
  const challenge = await loadChallenge(ctx.db, id);
  if (!challenge) throw notFound('challenge', id);
  const [campaign, [view]] = await Promise.all([
    findCampaign(ctx.db, challenge.campaignId),
    viewChallenges(ctx, [challenge]),
  ]);
  return {
    view: view as ChallengeView,
    visibility: {
      organizationId: challenge.organizationId,
      isDraft: challenge.status === 'draft',
      audience: campaign.audience,
    },
    deadline: challenge.deadline,
  };
}

export async function getCampaign(ctx: ServiceContext, viewer: Viewer, id: string) {
  const campaign = await findCampaign(ctx.db, id);
  assertCanSee(viewer, campaign.organizationId, campaign.audience);
  const { view } = await loadCampaignView(ctx, campaign, {
    drafts: hasRole(viewer, campaign.organizationId, 'agent'),
  });
  return view;
}

/** Who may see a campaign, for a cache that checks the viewer on each request. */
export const campaignVisibility = (campaign: CampaignRecord): ChallengeVisibility => ({
  organizationId: campaign.organizationId,
  isDraft: false,
  audience: campaign.audience,
});

/**
 * A campaign with its challenges (drafts only when asked: for the
 * organization's agents and admins); also the ids of all its challenges,
 * drafts included, whose changes change it, and the earliest of their
 * deadlines, past which a forecast in it no longer holds.
 */
export async function loadCampaignView(
  ctx: ServiceContext,
  campaign: CampaignRecord,
  options: { drafts: boolean },
) {
  const [[organization], rows, teams] = await Promise.all([
    ctx.db.query<{ slug: string; name: string }>(
      'select slug, name from organization where id = ?',
      [campaign.organizationId],
    ),
    ctx.db.query<{ id: string; status: string }>(
      'select id, status from challenge where campaign_id = ? order by created_at, id',
      [campaign.id],
    ),
    ctx.db.query<{ id: string; slug: string; name: string }>(
      'select id, slug, name from team where campaign_id = ? order by name',
      [campaign.id],
    ),
  ]);
  const challenges = await loadChallenges(
    ctx.db,
    rows.filter((r) => options.drafts || r.status !== 'draft').map((r) => r.id),
  );
  const deadlines = challenges
    .map((c) => c.deadline?.getTime())
    .filter((t): t is number => t !== undefined);
  return {
    view: {
      id: campaign.id,
      organizationId: campaign.organizationId,
      organization: organization?.slug ?? null,
      organizationName: organization?.name ?? null,
      title: campaign.title,
      description: campaign.description,
      startsAt: iso(campaign.startsAt),
      endsAt: iso(campaign.endsAt),
      audience: campaign.audience as Audience,
      teams,
      challenges: await viewChallenges(ctx, challenges),
    },
    challengeIds: rows.map((r) => r.id),
    earliestDeadline: deadlines.length > 0 ? Math.min(...deadlines) : null,
  };
}

async function resolveSponsor(sql: Sql, slug: string, path: string): Promise<string> {
  const [row] = await sql.query<{ id: string }>('select id from organization where slug = ?', [
    slug,
  ]);
  if (!row) throw invalid(path, `no organization with slug "${slug}"`);
  return row.id;
}

/** Checks the beneficiary belongs to one of the organizations; answers which one. */
async function checkBeneficiary(
  sql: Sql,
  counterpart: Counterpart,
  allowedOrganizations: string[],
  path: string,
): Promise<string | null> {
  if (counterpart.kind === 'act') return null;
  const [row] = await sql.query<{ organization_id: string }>(
    'select organization_id from beneficiary where id = ?',
    [counterpart.beneficiaryId],
  );
  if (!row || !allowedOrganizations.includes(row.organization_id)) {
    throw invalid(
      `${path}/beneficiaryId`,
      `no beneficiary "${counterpart.beneficiaryId}" in the organizing or sponsoring organization`,
    );
  }
  return row.organization_id;
}

/** Creates a challenge as a draft, its tiers checked by the domain rules. */
export async function createChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
  input: ChallengeInput,
): Promise<ChallengeView> {
  const campaign = await findCampaign(ctx.db, campaignId);
  requireRole(viewer, campaign.organizationId, 'admin');
  const actionType = ctx.registry.actionType(input.actionType);
  const actionSettings = actionType.validateSettings(
    await actionType.resolveSettings({
      settings: input.actionSettings,
      organizationId: campaign.organizationId,
      sql: ctx.db,
    }),
  );

  if (input.tiers && (input.goal || input.counterpart)) {
    throw invalid('tiers', 'give either goal and counterpart, or tiers, not both');
  }
  if (!input.tiers && !input.goal) throw invalid('goal', 'is required (or give tiers)');
  const tierInputs: TierInput[] = input.tiers ?? [
    {
      goal: input.goal as GoalInput,
      ...(input.counterpart ? { counterpart: input.counterpart } : {}),
    },
  ];
  if (tierInputs.length === 0) throw invalid('tiers', 'needs at least one tier');
  const deadline = input.deadline ? new Date(input.deadline) : null;
  if (deadline && deadline <= ctx.now()) throw invalid('deadline', 'must be in the future');

  const defaultSponsor = input.sponsor
    ? await resolveSponsor(ctx.db, input.sponsor, 'sponsor')
    : campaign.organizationId;
  const tiers: (Tier & { sponsorship: Sponsorship })[] = [];
  for (const [rank, tierInput] of tierInputs.entries()) {
    const path = input.tiers ? `tiers/${rank}` : '';
    const at = (field: string) => (path ? `${path}/${field}` : field);
    const goal = normalizeGoal(tierInput.goal, at('goal'));
    if (goal.quantity !== undefined && actionType.unit === null) {
      throw invalid(
        at('goal/quantity'),
        `action type "${actionType.id}" measures nothing; use participants`,
      );
    }
    const sponsorId = tierInput.sponsor
      ? await resolveSponsor(ctx.db, tierInput.sponsor, at('sponsor'))
      : defaultSponsor;
    const tier: Tier & { sponsorship: Sponsorship } = {
      id: newId('tier'),
      rank,
      goal,
      sponsorId,
      sponsorship: 'accepted',
    };
    let beneficiaryOrganizationId: string | null = null;
    if (tierInput.counterpart) {
      validateCounterpart(tierInput.counterpart, at('counterpart'));
      beneficiaryOrganizationId = await checkBeneficiary(
        ctx.db,
        tierInput.counterpart,
        [campaign.organizationId, sponsorId],
        at('counterpart'),
      );
      tier.counterpart = tierInput.counterpart;
    }
    // Naming another organization is a proposal to it, not a promise of it:
    // its admins accept or decline (decideSponsorship) before it goes public.
    tier.sponsorship = initialSponsorship({
      organizerId: campaign.organizationId,
      sponsorId,
      beneficiaryOrganizationId,
    });
    tiers.push(tier);
  }
  validateTiers(tiers);

  const id = newId('chl');
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into challenge (id, campaign_id, organization_id, title, description, action_type,
                              action_settings, status, deadline)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, 'draft', ?)`,
      [
        id,
        campaign.id,
        campaign.organizationId,
        input.title.trim(),
        input.description ?? null,
        actionType.id,
        JSON.stringify(actionSettings),
        deadline,
      ],
    );
    for (const tier of tiers) {
      await tx.query(
        `insert into tier (id, challenge_id, rank, goal, counterpart, sponsor_id, sponsorship)
         values (?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)`,
        [
          tier.id,
          id,
          tier.rank,
          JSON.stringify(tier.goal),
          tier.counterpart ? JSON.stringify(tier.counterpart) : null,
          tier.sponsorId ?? null,
          tier.sponsorship,
        ],
      );
    }
  });
  return getChallenge(ctx, viewer, id);
}

/** Runs a lifecycle change on the locked challenge row, then answers its view. */
async function changeChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  change: (tx: Tx, challenge: ChallengeAggregate) => Promise<void>,
  authorize: (challenge: ChallengeAggregate) => void,
): Promise<ChallengeView> {
  await ctx.db.transaction(async (tx) => {
    const challenge = await loadChallenge(tx, id, { lock: true });
    if (!challenge) throw notFound('challenge', id);
    // The role check comes first, drafts included: a caller without the
    // role gets 401/403 (API.md, "Errors"), not a 404 that hides the draft.
    authorize(challenge);
    if (challenge.status === 'draft' && !hasRole(viewer, challenge.organizationId, 'agent')) {
      throw notFound('challenge', id);
    }
    await change(tx, challenge);
  });
  return getChallenge(ctx, viewer, id);
}

export function openChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
): Promise<ChallengeView> {
  return changeChallenge(
    ctx,
    viewer,
    id,
    async (tx, challenge) => {
      const status = openState(toChallengeState(challenge));
      assertSponsorshipsAccepted(challenge.tiers);
      if (challenge.deadline && challenge.deadline <= ctx.now()) {
        throw new TandemError(
          'TANDEM_CHALLENGE_DEADLINE_PASSED',
          'The deadline has passed; set a new one first.',
        );
      }
      await tx.query(
        `update challenge set status = ?, opened_at = now(), updated_at = now() where id = ?`,
        [status, id],
      );
      await appendEvents(tx, [
        {
          type: EventTypes.challengeOpened,
          challengeId: id,
          organizationId: challenge.organizationId,
          payload: { status },
        },
      ]);
    },
    (challenge) => requireRole(viewer, challenge.organizationId, 'admin'),
  );
}

/** Closes a challenge now: tiers reached unlock first, then it succeeds or fails. */
export function closeChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
): Promise<ChallengeView> {
  return changeChallenge(
    ctx,
    viewer,
    id,
    async (tx, challenge) => {
      const progress = await readChallengeProgress(tx, id);
      const evaluation = closeState(toChallengeState(challenge), progress, ctx.now());
      await applyEvaluationRows(tx, challenge, progress, evaluation);
    },
    (challenge) => requireRole(viewer, challenge.organizationId, 'admin'),
  );
}

/**
 * The sponsor (or the organizer) marks a tier's counterpart delivered; the
 * challenge becomes `fulfilled` once every unlocked counterpart is.
 */
export function fulfillTier(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  tierId: string,
  proof: FulfilmentProof | null = null,
): Promise<ChallengeView> {
  return changeChallenge(
    ctx,
    viewer,
    id,
    async (tx, challenge) => {
      const tier = challenge.tiers.find((t) => t.id === tierId);
      if (!tier) throw notFound('tier', tierId);
      const result = fulfillState(toChallengeState(challenge), tierId);
      if (!tier.fulfilledAt) {
        // Whose admin declares it: the sponsor's when the viewer is one, else the organizer's.
        const by =
          tier.sponsorId && hasRole(viewer, tier.sponsorId, 'admin')
            ? tier.sponsorId
            : challenge.organizationId;
        await tx.query(
          'update tier set fulfilled_at = now(), fulfilled_by = ?, proof = ?::jsonb where id = ?',
          [by, proof ? JSON.stringify(proof) : null, tierId],
        );
        await appendEvents(tx, [
          {
            type: EventTypes.counterpartFulfilled,
            challengeId: id,
            organizationId: challenge.organizationId,
            payload: { tierId },
          },
        ]);
      }
      if (result.status !== challenge.status) {
        await tx.query('update challenge set status = ?, updated_at = now() where id = ?', [
          result.status,
          id,
        ]);
      }
    },
    (challenge) => {
      const tier = challenge.tiers.find((t) => t.id === tierId);
      // A sponsor answers for a tier only once it accepted it.
      const sponsorId = tier?.sponsorship === 'accepted' ? tier.sponsorId : undefined;
      if (sponsorId && hasRole(viewer, sponsorId, 'admin')) return;
      requireRole(viewer, challenge.organizationId, 'admin');
    },
  );
}

/**
 * `POST /api/challenges/{id}/tiers/{tierId}/sponsorship`: the proposed
 * sponsor's admins (or the platform admin) accept or decline a tier that
 * names their organization. Anyone else is refused (403), drafts included:
 * the sponsor's admins must be able to answer a draft they cannot otherwise
 * see, so the answer is the challenge as it stands, whatever its status.
 * 409 when the tier is not `proposed` (already decided, or the organizer's own).
 */
export async function decideSponsorship(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  tierId: string,
  decision: SponsorshipDecision,
): Promise<ChallengeView> {
  const decided = await ctx.db.transaction(async (tx) => {
    const challenge = await loadChallenge(tx, id, { lock: true });
    if (!challenge) throw notFound('challenge', id);
    const tier = challenge.tiers.find((t) => t.id === tierId);
    if (!tier) throw notFound('tier', tierId);
    requireRole(viewer, tier.sponsorId ?? challenge.organizationId, 'admin');
    const sponsorship = decideState(tier.sponsorship, decision);
    await tx.query('update tier set sponsorship = ?, sponsorship_decided_at = now() where id = ?', [
      sponsorship,
      tierId,
    ]);
    tier.sponsorship = sponsorship;
    return challenge;
  });
  const [view] = await viewChallenges(ctx, [decided]);
  return view as ChallengeView;
}

/** One tier that names an organization as sponsor, as its admins see it. */
export interface SponsorshipView {
  challengeId: string;
  tierId: string;
  rank: number;
  sponsorship: Sponsorship;
  decidedAt: string | null;
  organizer: { slug: string; name: string };
  challenge: {
    id: string;
    title: string;
    description: string | null;
    status: string;
    actionType: string;
    deadline: string | null;
    createdAt: string;
  };
  goal: Tier['goal'];
  counterpart: Counterpart | null;
  beneficiary: { id: string; name: string; url: string | null } | null;
}

/**
 * `GET /api/organizations/{slug}/sponsorships?status=`: the tiers other
 * organizations named this one to sponsor, newest first, for its admins —
 * so that a proposal is seen, and answered, by those who may answer it.
 */
export async function listSponsorships(
  ctx: ServiceContext,
  viewer: Viewer,
  slug: string,
  status?: Sponsorship,
): Promise<{ sponsorships: SponsorshipView[] }> {
  const organization = await findOrganization(ctx.db, slug);
  requireRole(viewer, organization.id, 'admin');
  const rows = await ctx.db.query<{
    tier_id: string;
    rank: number;
    goal: Tier['goal'];
    counterpart: Counterpart | null;
    sponsorship: Sponsorship;
    sponsorship_decided_at: Date | null;
    challenge_id: string;
    title: string;
    description: string | null;
    status: string;
    action_type: string;
    deadline: Date | null;
    created_at: Date;
    organizer_slug: string;
    organizer_name: string;
    beneficiary_id: string | null;
    beneficiary_name: string | null;
    beneficiary_url: string | null;
  }>(
    `select t.id as tier_id, t.rank, t.goal, t.counterpart, t.sponsorship, t.sponsorship_decided_at,
            c.id as challenge_id, c.title, c.description, c.status, c.action_type, c.deadline,
            c.created_at, o.slug as organizer_slug, o.name as organizer_name,
            b.id as beneficiary_id, b.name as beneficiary_name, b.url as beneficiary_url
       from tier t
       join challenge c on c.id = t.challenge_id
       join organization o on o.id = c.organization_id
       left join beneficiary b on b.id = t.counterpart ->> 'beneficiaryId'
      where t.sponsor_id = ? and c.organization_id <> t.sponsor_id
        ${status ? 'and t.sponsorship = ?' : ''}
      order by c.created_at desc, c.id, t.rank
      limit 500`,
    status ? [organization.id, status] : [organization.id],
  );
  const at = (value: Date | null) => (value ? new Date(value).toISOString() : null);
  return {
    sponsorships: rows.map((row) => ({
      challengeId: row.challenge_id,
      tierId: row.tier_id,
      rank: row.rank,
      sponsorship: row.sponsorship,
      decidedAt: at(row.sponsorship_decided_at),
      organizer: { slug: row.organizer_slug, name: row.organizer_name },
      challenge: {
        id: row.challenge_id,
        title: row.title,
        description: row.description,
        status: row.status,
        actionType: row.action_type,
        deadline: at(row.deadline),
        createdAt: new Date(row.created_at).toISOString(),
      },
      goal: row.goal,
      counterpart: row.counterpart,
      beneficiary: row.beneficiary_id
        ? { id: row.beneficiary_id, name: row.beneficiary_name ?? '', url: row.beneficiary_url }
        : null,
    })),
  };
}
