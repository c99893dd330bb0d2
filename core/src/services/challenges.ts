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
  type ProofFile,
  type TierRecord,
} from '../store/challenges.js';
import type { Sql, Tx } from '../store/database.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { readProgressAndShares, type Federation, type ShareView } from '../store/partners.js';
import { readChallengeProgress } from '../store/progress.js';
import { assertCanSee, hasRole, requireRole, type Audience } from './access.js';
import { actorOf, recordAudit } from './audit.js';
import type { ActionType } from '../sdk/action-type.js';
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
  /** Name of that organization: what pages show. */
  fulfilledByName: string | null;
  proof: ProofView | null;
  /** When the counterpart is due; null until the tier unlocks. */
  deliverBy: string | null;
  /** Unlocked, not fulfilled, and past `deliverBy` when the view was built. */
  overdue: boolean;
  /** When the beneficiary confirmed receipt. */
  receivedAt: string | null;
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
  /** Whether other organizations were invited to feed it (ADR 0043). */
  federated: boolean;
  /** Each organization's share of the counters; `[]` when not federated. */
  shares: ShareView[];
}

/** A proof as answers show it: the file with the address it is read at. */
export interface ProofView {
  text?: string;
  url?: string;
  file?: ProofFile & { url: string };
}

const iso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);

/** A stored proof as answers show it. */
export function proofView(proof: FulfilmentProof | null | undefined): ProofView | null {
  if (!proof) return null;
  const { file, ...rest } = proof;
  return file
    ? { ...rest, file: { ...file, url: `/api/files/${encodeURIComponent(file.id)}` } }
    : { ...rest };
}

/**
 * Whether a tier's counterpart is late at `now`: unlocked, not delivered,
 * and its delivery date gone by.
 */
export function isOverdue(
  tier: Pick<TierRecord, 'unlockedAt' | 'fulfilledAt' | 'deliverBy'>,
  now: Date,
): boolean {
  return (
    tier.unlockedAt !== null &&
    tier.fulfilledAt === null &&
    !!tier.deliverBy &&
    tier.deliverBy.getTime() < now.getTime()
  );
}

/**
 * The next instant after `now` at which a tier of these challenges turns
 * overdue, or null: a view showing `overdue` must not be kept past it.
 */
export function nextOverdueAt(challenges: ChallengeAggregate[], now: Date): number | null {
  let next: number | null = null;
  for (const challenge of challenges) {
    for (const tier of challenge.tiers) {
      if (!tier.unlockedAt || tier.fulfilledAt || !tier.deliverBy) continue;
      const at = tier.deliverBy.getTime();
      if (at >= now.getTime() && (next === null || at < next)) next = at;
    }
  }
  return next;
}

/** The earliest of instants, ignoring the missing ones; null when none is given. */
const earliest = (...instants: (number | null | undefined)[]): number | null => {
  const given = instants.filter((t): t is number => typeof t === 'number');
  return given.length > 0 ? Math.min(...given) : null;
};

async function sponsorSlugs(
  sql: Sql,
  challenges: ChallengeAggregate[],
): Promise<Map<string, { slug: string; name: string }>> {
  const ids = [
    ...new Set(
      challenges.flatMap((c) =>
        c.tiers.flatMap((t) => [t.sponsorId, t.fulfilledBy].filter((v): v is string => !!v)),
      ),
    ),
  ];
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; slug: string; name: string }>(
    'select id, slug, name from organization where id in (?)',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { slug: r.slug, name: r.name }]));
}

function toView(
  challenge: ChallengeAggregate,
  progress: Progress,
  unit: string | null,
  slugs: Map<string, { slug: string; name: string }>,
  now: Date,
  federation: Federation = { federated: false, shares: [] },
): ChallengeView {
  const tiers = challenge.tiers.map((tier): TierView => ({
    id: tier.id,
    rank: tier.rank,
    goal: tier.goal,
    counterpart: tier.counterpart ?? null,
    sponsor: tier.sponsorId ? (slugs.get(tier.sponsorId)?.slug ?? null) : null,
    sponsorship: tier.sponsorship,
    unlockedAt: iso(tier.unlockedAt),
    fulfilledAt: iso(tier.fulfilledAt),
    fulfilledBy: tier.fulfilledBy ? (slugs.get(tier.fulfilledBy)?.slug ?? null) : null,
    fulfilledByName: tier.fulfilledBy ? (slugs.get(tier.fulfilledBy)?.name ?? null) : null,
    proof: proofView(tier.proof),
    // Only an unlocked tier has a delivery date.
    deliverBy: tier.unlockedAt ? iso(tier.deliverBy) : null,
    overdue: isOverdue(tier, now),
    receivedAt: iso(tier.receivedAt),
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
    federated: federation.federated,
    shares: federation.shares,
  };
}

/** Views of several challenges, with progress read from their counter slots. */
export async function viewChallenges(
  ctx: ServiceContext,
  challenges: ChallengeAggregate[],
): Promise<ChallengeView[]> {
  const [progress, slugs] = await Promise.all([
    readProgressAndShares(
      ctx.db,
      challenges.map((c) => c.id),
    ),
    sponsorSlugs(ctx.db, challenges),
  ]);
  const now = ctx.now();
  return challenges.map((c) => {
    const read = progress.get(c.id);
    return toView(
      c,
      read?.progress ?? { participants: 0, quantity: 0, co2eKg: 0 },
      ctx.registry.findActionType(c.actionType)?.unit ?? null,
      slugs,
      now,
      read,
    );
  });
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
): Promise<{
  view: ChallengeView;
  visibility: ChallengeVisibility;
  deadline: Date | null;
  /** When the view stops holding on its own: the deadline, or a tier turning overdue. */
  expiresAt: number | null;
}> {
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
    expiresAt: earliest(challenge.deadline?.getTime(), nextOverdueAt([challenge], ctx.now())),
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
    // Past it, a forecast or an `overdue` flag in the view no longer holds.
    earliestDeadline: earliest(...deadlines, nextOverdueAt(challenges, ctx.now())),
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

/**
 * A challenge's action settings as stored: what the client sent, completed
 * by the action type from what the organization keeps (its own actions
 * catalogue, say), then checked against the type's settings schema.
 * Creation and a draft's edit share it.
 */
async function checkedSettings(
  sql: Sql,
  actionType: ActionType,
  settings: Record<string, unknown> | undefined,
  organizationId: string,
): Promise<Record<string, unknown>> {
  return actionType.validateSettings(
    await actionType.resolveSettings({ settings, organizationId, sql }),
  );
}

/** A tier checked and ready to store, with whether its sponsor agreed yet. */
type PreparedTier = Tier & { sponsorship: Sponsorship };

/**
 * The tiers of a challenge from what a client sent — `goal` (+
 * `counterpart`) for one tier, or `tiers` — checked by the domain rules:
 * goals against the action type's unit, sponsors and beneficiaries known,
 * each sponsorship `proposed` as soon as another organization is named.
 * Creation and a draft's edit share it, so an edit is refused exactly as a
 * creation would be, naming the same fields.
 */
async function prepareTiers(
  sql: Sql,
  campaign: CampaignRecord,
  actionType: { id: string; unit: string | null },
  input: Pick<ChallengeInput, 'goal' | 'counterpart' | 'tiers' | 'sponsor'>,
): Promise<PreparedTier[]> {
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

  const defaultSponsor = input.sponsor
    ? await resolveSponsor(sql, input.sponsor, 'sponsor')
    : campaign.organizationId;
  const tiers: PreparedTier[] = [];
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
      ? await resolveSponsor(sql, tierInput.sponsor, at('sponsor'))
      : defaultSponsor;
    const tier: PreparedTier = {
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
        sql,
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
  return tiers;
}

/** A deadline sent by a client: in the future, or 400 naming `deadline`. */
function parseDeadline(ctx: ServiceContext, value: string): Date {
  const deadline = new Date(value);
  if (deadline <= ctx.now()) throw invalid('deadline', 'must be in the future');
  return deadline;
}

async function insertTiers(tx: Sql, challengeId: string, tiers: readonly PreparedTier[]) {
  for (const tier of tiers) {
    await tx.query(
      `insert into tier (id, challenge_id, rank, goal, counterpart, sponsor_id, sponsorship)
       values (?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)`,
      [
        tier.id,
        challengeId,
        tier.rank,
        JSON.stringify(tier.goal),
        tier.counterpart ? JSON.stringify(tier.counterpart) : null,
        tier.sponsorId ?? null,
        tier.sponsorship,
      ],
    );
  }
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
  const actionSettings = await checkedSettings(
    ctx.db,
    actionType,
    input.actionSettings,
    campaign.organizationId,
  );
  const tiers = await prepareTiers(ctx.db, campaign, actionType, input);
  const deadline = input.deadline ? parseDeadline(ctx, input.deadline) : null;

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
    await insertTiers(tx, id, tiers);
    await recordAudit(tx, {
      challengeId: id,
      organizationId: campaign.organizationId,
      actor: actorOf(viewer, campaign.organizationId),
      action: 'challenge.created',
      details: {
        campaignId: campaign.id,
        actionType: actionType.id,
        deadline: deadline?.toISOString() ?? null,
        tiers: tiers.map((t) => ({
          id: t.id,
          rank: t.rank,
          goal: t.goal,
          kind: t.counterpart?.kind ?? null,
          sponsorship: t.sponsorship,
        })),
      },
    });
  });
  return getChallenge(ctx, viewer, id);
}

/**
 * `PATCH /api/challenges/{id}`: what may change of a draft. Fields left out
 * stay as they are; `description` and `deadline` may be `null` (cleared).
 */
export interface ChallengePatch {
  title?: string;
  description?: string | null;
  actionType?: string;
  actionSettings?: Record<string, unknown>;
  goal?: GoalInput;
  counterpart?: CounterpartInput;
  tiers?: TierInput[];
  sponsor?: string;
  deadline?: string | null;
}

/** Refuses anything but a draft: what the public saw or pledged to stays as it was. */
function assertDraft(challenge: ChallengeAggregate): void {
  if (challenge.status !== 'draft') {
    throw new TandemError(
      'TANDEM_CHALLENGE_NOT_DRAFT',
      `The challenge is ${challenge.status}; only a draft can be edited or deleted.`,
    );
  }
}

/** Two tiers promise the same thing to the same sponsor (ids and answers aside). */
const samePromise = (a: Tier, b: Tier): boolean =>
  a.rank === b.rank &&
  (a.sponsorId ?? null) === (b.sponsorId ?? null) &&
  JSON.stringify(a.goal) === JSON.stringify(b.goal) &&
  JSON.stringify(a.counterpart ?? null) === JSON.stringify(b.counterpart ?? null);

/**
 * Edits a draft (org admin), checked exactly as a creation: the action
 * type's settings schema, the tiers' rules, sponsors and beneficiaries.
 *
 * Tiers are all or nothing: `goal` (+ `counterpart`) or `tiers` replaces
 * every tier. A replacement tier that promises what the old tier of the same
 * rank promised (same goal, counterpart and sponsor) keeps its id and its
 * sponsor's answer; any other is proposed afresh to the sponsor it names, who
 * agreed to the old promise, not to the new one. Changing only the action
 * type re-checks the tiers kept (a quantity goal needs a unit), and its
 * settings are checked against the new type (left out: its defaults).
 *
 * 409 `TANDEM_CHALLENGE_NOT_DRAFT` once the challenge was opened.
 */
export async function updateChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  patch: ChallengePatch,
): Promise<ChallengeView> {
  await ctx.db.transaction(async (tx) => {
    const challenge = await loadEditableChallenge(tx, viewer, id);
    const campaign = await findCampaign(tx, challenge.campaignId);
    const actionType = ctx.registry.actionType(patch.actionType ?? challenge.actionType);
    const typeChanged = actionType.id !== challenge.actionType;
    const actionSettings =
      patch.actionSettings !== undefined || typeChanged
        ? await checkedSettings(tx, actionType, patch.actionSettings, campaign.organizationId)
        : challenge.actionSettings;

    const replacesTiers =
      patch.tiers !== undefined || patch.goal !== undefined || patch.counterpart !== undefined;
    if (patch.sponsor !== undefined && !replacesTiers) {
      throw invalid('sponsor', 'give it with goal or tiers: it names who delivers them');
    }
    if (replacesTiers) {
      const tiers = await prepareTiers(tx, campaign, actionType, patch);
      for (const tier of tiers) {
        const old = challenge.tiers.find((t) => samePromise(t, tier));
        if (old) {
          tier.id = old.id;
          tier.sponsorship = old.sponsorship;
        }
      }
      const kept = new Set(tiers.map((t) => t.id));
      const gone = challenge.tiers.filter((t) => !kept.has(t.id)).map((t) => t.id);
      if (gone.length > 0) await tx.query('delete from tier where id in (?)', [gone]);
      await insertTiers(
        tx,
        id,
        tiers.filter((t) => !challenge.tiers.some((old) => old.id === t.id)),
      );
    } else if (typeChanged) {
      for (const tier of challenge.tiers) {
        if (tier.goal.quantity !== undefined && actionType.unit === null) {
          throw invalid(
            'actionType',
            `"${actionType.id}" measures nothing, and tier ${tier.rank + 1} has a quantity goal; give new tiers too`,
          );
        }
      }
    }

    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown, cast = '') => {
      sets.push(`${column} = ?${cast}`);
      params.push(value);
    };
    if (patch.title !== undefined) set('title', patch.title.trim());
    if (patch.description !== undefined) set('description', patch.description);
    if (typeChanged) set('action_type', actionType.id);
    if (actionSettings !== challenge.actionSettings) {
      set('action_settings', JSON.stringify(actionSettings), '::jsonb');
    }
    if (patch.deadline !== undefined) {
      set('deadline', patch.deadline === null ? null : parseDeadline(ctx, patch.deadline));
    }
    set('updated_at', new Date());
    await tx.query(`update challenge set ${sets.join(', ')} where id = ?`, [...params, id]);
    await recordAudit(tx, {
      challengeId: id,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, challenge.organizationId),
      action: 'challenge.edited',
      // Which fields changed, not their text: the challenge shows what they are now.
      details: {
        fields: Object.keys(patch)
          .filter((key) => key in patch)
          .sort(),
      },
    });
  });
  // This process's write already emptied its cache (app.ts); the tag drops
  // the answer for a change made outside a request too.
  ctx.views?.invalidate(id);
  return getChallenge(ctx, viewer, id);
}

/**
 * `DELETE /api/challenges/{id}` (org admin): a draft goes, with its tiers;
 * nobody outside the organization ever saw it. 409 once opened: an opened
 * challenge is closed, never deleted, so its pledges and report stay.
 */
export async function deleteChallenge(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
): Promise<{ id: string; status: 'deleted' }> {
  await ctx.db.transaction(async (tx) => {
    const challenge = await loadEditableChallenge(tx, viewer, id);
    await tx.query('delete from challenge where id = ?', [id]);
    // The log names its challenge without a foreign key: the draft's record outlives it.
    await recordAudit(tx, {
      challengeId: id,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, challenge.organizationId),
      action: 'challenge.deleted',
      details: { title: challenge.title },
    });
  });
  ctx.views?.invalidate(id);
  return { id, status: 'deleted' };
}

/**
 * The challenge, locked, for an edit by an admin of its organization: the
 * role first (401/403 before anything about the challenge), then 409 unless
 * it is a draft.
 */
async function loadEditableChallenge(
  tx: Sql,
  viewer: Viewer,
  id: string,
): Promise<ChallengeAggregate> {
  const challenge = await loadChallenge(tx, id, { lock: true });
  if (!challenge) throw notFound('challenge', id);
  requireRole(viewer, challenge.organizationId, 'admin');
  assertDraft(challenge);
  return challenge;
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
      await recordAudit(tx, {
        challengeId: id,
        organizationId: challenge.organizationId,
        actor: actorOf(viewer, challenge.organizationId),
        action: 'challenge.opened',
        details: { status },
      });
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
      await applyEvaluationRows(
        tx,
        challenge,
        progress,
        evaluation,
        actorOf(viewer, challenge.organizationId),
      );
    },
    (challenge) => requireRole(viewer, challenge.organizationId, 'admin'),
  );
}

/** A proof as a sponsor gives it: words, a link, and an uploaded file by its id. */
export interface ProofInput {
  text?: string;
  url?: string;
  fileId?: string;
}

/**
 * The sponsor (or the organizer) marks a tier's counterpart delivered; the
 * challenge becomes `fulfilled` once every unlocked counterpart is.
 *
 * A proof file must be an upload of the sponsor or the organizer that the
 * caller administers (400 naming `proof/fileId` otherwise, as for an unknown
 * id); its SHA-256, type and size are copied into the tier's record, and the
 * file becomes public, since the ledger that shows it is. Fulfilling a tier
 * twice is 409 `TANDEM_TIER_ALREADY_FULFILLED`: a proof once shown is not
 * silently replaced.
 */
export function fulfillTier(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  tierId: string,
  proof: ProofInput | null = null,
): Promise<ChallengeView> {
  return changeChallenge(
    ctx,
    viewer,
    id,
    async (tx, challenge) => {
      const tier = challenge.tiers.find((t) => t.id === tierId);
      if (!tier) throw notFound('tier', tierId);
      const result = fulfillState(toChallengeState(challenge), tierId);
      if (tier.fulfilledAt) {
        throw new TandemError(
          'TANDEM_TIER_ALREADY_FULFILLED',
          `tier "${tierId}" was already marked fulfilled; its proof stays as recorded`,
        );
      }
      // Whose admin declares it: the sponsor's when the viewer is one, else the organizer's.
      const by =
        tier.sponsorId && hasRole(viewer, tier.sponsorId, 'admin')
          ? tier.sponsorId
          : challenge.organizationId;
      const stored = await storedProof(
        tx,
        viewer,
        proof,
        [by, tier.sponsorId, challenge.organizationId].filter((o): o is string => !!o),
      );
      await tx.query(
        `update tier set fulfilled_at = now(), fulfilled_by = ?, fulfilled_by_participant = ?,
                         proof = ?::jsonb
          where id = ?`,
        [
          by,
          viewer.kind === 'participant' ? viewer.participantId : null,
          stored ? JSON.stringify(stored) : null,
          tierId,
        ],
      );
      await appendEvents(tx, [
        {
          type: EventTypes.counterpartFulfilled,
          challengeId: id,
          organizationId: challenge.organizationId,
          payload: { tierId },
        },
      ]);
      await recordAudit(tx, {
        challengeId: id,
        organizationId: challenge.organizationId,
        actor: actorOf(viewer, by),
        action: 'tier.fulfilled',
        // What the proof is (its file's hash included), not its text: the tier holds that.
        details: {
          tierId,
          rank: tier.rank,
          by,
          proof: stored ? { url: stored.url ?? null, sha256: stored.file?.sha256 ?? null } : null,
        },
      });
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

/** The furthest a delivery date may be set after the unlock: five years. */
export const MAX_DELIVERY_DAYS = 5 * 366;

/**
 * `PATCH /api/challenges/{id}/tiers/{tierId}` `{deliverBy}`: the sponsor
 * (the admins of the tier's sponsor, or the organizer's for a tier it
 * sponsors itself) moves the date the counterpart is due. Only an unlocked
 * tier not yet fulfilled has one (409 otherwise); the date must fall after
 * the unlock and within five years of it (400 `deliverBy`). A date already
 * past is allowed: the tier then shows as overdue, which is the sponsor's
 * own statement. Every change is an event, so a pushed-back date is on record.
 */
export function setDeliverBy(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  tierId: string,
  deliverBy: string,
): Promise<ChallengeView> {
  const at = new Date(deliverBy);
  if (Number.isNaN(at.getTime())) throw invalid('deliverBy', 'is not a date-time');
  return changeChallenge(
    ctx,
    viewer,
    id,
    async (tx, challenge) => {
      const tier = challenge.tiers.find((t) => t.id === tierId);
      if (!tier) throw notFound('tier', tierId);
      if (!tier.unlockedAt) {
        throw new TandemError(
          'TANDEM_TIER_NOT_UNLOCKED',
          `tier "${tierId}" is not unlocked: its delivery date is set when it unlocks`,
        );
      }
      if (tier.fulfilledAt) {
        throw new TandemError(
          'TANDEM_TIER_ALREADY_FULFILLED',
          `tier "${tierId}" was already delivered; its delivery date no longer moves`,
        );
      }
      if (at.getTime() <= tier.unlockedAt.getTime()) {
        throw invalid('deliverBy', `must be after the unlock (${tier.unlockedAt.toISOString()})`);
      }
      if (at.getTime() > tier.unlockedAt.getTime() + MAX_DELIVERY_DAYS * 86_400_000) {
        throw invalid('deliverBy', 'must be within five years of the unlock');
      }
      await tx.query('update unlock set deliver_by = ? where tier_id = ?', [at, tierId]);
      await appendEvents(tx, [
        {
          type: EventTypes.counterpartDeliverByChanged,
          challengeId: id,
          organizationId: challenge.organizationId,
          payload: {
            tierId,
            deliverBy: at.toISOString(),
            previous: tier.deliverBy ? tier.deliverBy.toISOString() : null,
          },
        },
      ]);
      await recordAudit(tx, {
        challengeId: id,
        organizationId: challenge.organizationId,
        actor: actorOf(viewer, tier.sponsorId ?? challenge.organizationId),
        action: 'tier.edited',
        details: {
          tierId,
          rank: tier.rank,
          deliverBy: at.toISOString(),
          previous: tier.deliverBy ? tier.deliverBy.toISOString() : null,
        },
      });
    },
    (challenge) => {
      const tier = challenge.tiers.find((t) => t.id === tierId);
      // The one who owes the counterpart sets its date: the accepted sponsor,
      // or the organizer when it sponsors the tier itself.
      const owner =
        tier?.sponsorId && tier.sponsorship === 'accepted'
          ? tier.sponsorId
          : challenge.organizationId;
      requireRole(viewer, owner, 'admin');
    },
  );
}

/**
 * The proof to record: text and link as given, and the file, looked up
 * among the uploads of `organizations` the viewer administers, copied with
 * its hash and made public. Anything else is refused as an unknown file:
 * another organization's upload says nothing about whether it exists.
 */
async function storedProof(
  tx: Tx,
  viewer: Viewer,
  proof: ProofInput | null,
  organizations: string[],
): Promise<FulfilmentProof | null> {
  if (!proof) return null;
  const { fileId, ...rest } = proof;
  const stored: FulfilmentProof = { ...rest };
  if (fileId !== undefined) {
    const allowed = organizations.filter((o) => hasRole(viewer, o, 'admin'));
    const [file] =
      allowed.length === 0
        ? []
        : await tx.query<{ id: string; sha256: string; media_type: string; size: number }>(
            `select id, sha256, media_type, size from file
              where id = ? and organization_id in (?) for update`,
            [fileId, allowed],
          );
    if (!file) {
      throw new TandemError(
        'TANDEM_REQUEST_INVALID',
        `proof/fileId: no file "${fileId}" uploaded by the sponsor or the organizer.`,
        [
          {
            path: 'proof/fileId',
            message: 'is not a file uploaded by the sponsoring or organizing organization',
          },
        ],
      );
    }
    await tx.query('update file set public = true where id = ?', [file.id]);
    stored.file = {
      id: file.id,
      sha256: file.sha256,
      contentType: file.media_type,
      size: file.size,
    };
  }
  return Object.keys(stored).length > 0 ? stored : null;
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
    const sponsorId = tier.sponsorId ?? challenge.organizationId;
    await recordAudit(tx, {
      challengeId: id,
      organizationId: challenge.organizationId,
      actor: actorOf(viewer, sponsorId),
      action: sponsorship === 'accepted' ? 'sponsorship.accepted' : 'sponsorship.declined',
      details: { tierId, rank: tier.rank, sponsor: sponsorId },
    });
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
