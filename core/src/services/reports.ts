import { TandemError, notFound } from '../errors.js';
import { loadChallenges } from '../store/challenges.js';
import { readProgress } from '../store/progress.js';
import { hasRole } from './access.js';
import { viewChallenges, type TierView } from './challenges.js';
import type { ServiceContext, Viewer } from './context.js';
import { invalidatedTotals } from './integrity.js';
import { findCampaign } from './organizations.js';

export interface ChallengeReport {
  id: string;
  title: string;
  actionType: string;
  unit: string | null;
  status: string;
  closedAt: string | null;
  participants: number;
  quantity: number;
  co2eKg: number;
  tiers: TierView[];
  /**
   * What batch invalidations took out of the counts above (ADR 0039): the
   * pledges (people) and the quantity and CO2e of their contributions.
   */
  invalidated: { participants: number; quantity: number; co2eKg: number };
}

export interface CampaignReport {
  campaign: {
    id: string;
    title: string;
    organization: string | null;
    startsAt: string | null;
    endsAt: string | null;
  };
  generatedAt: string;
  challenges: ChallengeReport[];
  totals: {
    /** Distinct people across the campaign, whatever challenges they joined. */
    participants: number;
    quantityByUnit: Record<string, number>;
    co2eKg: number;
  };
  /** Where each action type's CO2e factors come from, for the sponsor's audit. */
  sources: {
    actionType: string;
    title: string;
    version: string;
    factors: { key: string; label: string; value: number; unit: string; source: string }[];
  }[];
}

/**
 * `GET /api/campaigns/{id}/report`: what a sponsor is shown — per challenge
 * its unit, counts, CO2e and tiers; totals with distinct people across the
 * campaign and quantity per unit. For the organizer's admins and the
 * admins of any organization sponsoring one of its tiers.
 */
export async function campaignReport(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
): Promise<CampaignReport> {
  const campaign = await findCampaign(ctx.db, campaignId);
  const ids = (
    await ctx.db.query<{ id: string }>(
      `select id from challenge where campaign_id = ? and status <> 'draft' order by created_at, id`,
      [campaignId],
    )
  ).map((r) => r.id);
  const challenges = await loadChallenges(ctx.db, ids);
  // A sponsor that has not accepted its tier is no sponsor of the campaign yet.
  const sponsors = new Set(
    challenges.flatMap((c) =>
      c.tiers.flatMap((t) => (t.sponsorId && t.sponsorship === 'accepted' ? [t.sponsorId] : [])),
    ),
  );
  const allowed =
    hasRole(viewer, campaign.organizationId, 'admin') ||
    [...sponsors].some((id) => hasRole(viewer, id, 'admin'));
  if (!allowed) {
    if (viewer.kind === 'anonymous')
      throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to read this report.');
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      "The report is for the organizer's admins and the sponsors' admins.",
    );
  }
  const [views, progress, organization, distinct, invalidated] = await Promise.all([
    viewChallenges(ctx, challenges),
    readProgress(ctx.db, ids),
    ctx.db.query<{ slug: string }>('select slug from organization where id = ?', [
      campaign.organizationId,
    ]),
    ids.length === 0
      ? Promise.resolve([{ n: 0 }])
      : ctx.db.query<{ n: number }>(
          `select count(distinct participant_id)::int as n from participation
            where challenge_id in (?) and (pledged or contributions > 0)`,
          [ids],
        ),
    invalidatedTotals(ctx.db, ids),
  ]);
  const rows: ChallengeReport[] = views.map((view) => {
    const p = progress.get(view.id) ?? { participants: 0, quantity: 0, co2eKg: 0 };
    return {
      id: view.id,
      title: view.title,
      actionType: view.actionType,
      unit: view.unit,
      status: view.status,
      closedAt: view.closedAt,
      participants: p.participants,
      quantity: p.quantity,
      co2eKg: p.co2eKg,
      tiers: view.tiers,
      invalidated: invalidated.get(view.id) ?? { participants: 0, quantity: 0, co2eKg: 0 },
    };
  });
  const quantityByUnit: Record<string, number> = {};
  let co2eKg = 0;
  for (const row of rows) {
    if (row.unit) quantityByUnit[row.unit] = round((quantityByUnit[row.unit] ?? 0) + row.quantity);
    co2eKg += row.co2eKg;
  }
  const actionTypes = [...new Set(rows.map((r) => r.actionType))];
  return {
    campaign: {
      id: campaign.id,
      title: campaign.title,
      organization: organization[0]?.slug ?? null,
      startsAt: campaign.startsAt?.toISOString() ?? null,
      endsAt: campaign.endsAt?.toISOString() ?? null,
    },
    generatedAt: ctx.now().toISOString(),
    challenges: rows,
    totals: { participants: distinct[0]?.n ?? 0, quantityByUnit, co2eKg: round(co2eKg) },
    sources: actionTypes.flatMap((id) => {
      const type = ctx.registry.findActionType(id);
      return type
        ? [
            {
              actionType: id,
              title: type.title.en,
              version: type.version,
              factors: type.factors.map((f) => ({ ...f })),
            },
          ]
        : [];
    }),
  };
}

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : String(value);
  // Quote what needs it, and defuse spreadsheet formulas (=, +, -, @ at the start).
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * The same report as CSV: one line per challenge (with what invalidations
 * took out of it), then a totals line per unit.
 */
export function reportToCsv(report: CampaignReport): string {
  const header = [
    'challenge_id',
    'title',
    'action_type',
    'unit',
    'status',
    'participants',
    'quantity',
    'co2e_kg',
    'tiers_unlocked',
    'tiers_total',
    'invalidated_participants',
    'invalidated_quantity',
  ];
  const lines = [header.join(',')];
  for (const c of report.challenges) {
    lines.push(
      [
        c.id,
        c.title,
        c.actionType,
        c.unit,
        c.status,
        c.participants,
        c.quantity,
        c.co2eKg,
        c.tiers.filter((t) => t.unlockedAt).length,
        c.tiers.length,
        c.invalidated.participants,
        c.invalidated.quantity,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  lines.push(
    [
      'TOTAL',
      report.campaign.title,
      '',
      '',
      '',
      report.totals.participants,
      '',
      report.totals.co2eKg,
      '',
      '',
      '',
      '',
    ]
      .map(csvCell)
      .join(','),
  );
  for (const [unit, quantity] of Object.entries(report.totals.quantityByUnit)) {
    lines.push(
      ['TOTAL', report.campaign.title, '', unit, '', '', quantity, '', '', '', '', '']
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** `GET /api/challenges/{id}/partners/{slug}/report`: one organization's share (ADR 0043). */
export interface ShareReport {
  challenge: {
    id: string;
    title: string;
    actionType: string;
    unit: string | null;
    status: string;
    openedAt: string | null;
    closedAt: string | null;
  };
  organization: { slug: string; name: string; role: 'owner' | 'partner'; status: string };
  generatedAt: string;
  /** The share as the counters hold it (what pages show). */
  share: { participants: number; quantity: number; co2eKg: number };
  /** The share recomputed from the rows: the people who count in it and their contributions. */
  recorded: {
    participants: number;
    pledges: number;
    contributions: number;
    quantity: number;
    co2eKg: number;
  };
  /** The whole challenge, for scale. */
  whole: { participants: number; quantity: number; co2eKg: number };
  sources: CampaignReport['sources'];
}

/**
 * One organization's share of a federated challenge: the counters' figures
 * beside the same recomputed from the rows of the people who count in it
 * (a person counts in the share of the first organization that confirmed
 * them; the owner's share also holds contributions recorded for nobody).
 * For the owner's admins (any share) and the partner's admins (its own);
 * 404 for an organization that is neither the owner nor a partner, and
 * for a draft to outsiders.
 */
export async function partnerReport(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  slug: string,
): Promise<ShareReport> {
  const [challenge] = await loadChallenges(ctx.db, [challengeId]);
  if (!challenge) throw notFound('challenge', challengeId);
  const [organization] = await ctx.db.query<{
    id: string;
    slug: string;
    name: string;
    status: string | null;
  }>(
    `select o.id, o.slug, o.name, cp.status
       from organization o
       left join challenge_partner cp on cp.organization_id = o.id and cp.challenge_id = ?
      where o.slug = ?`,
    [challengeId, slug],
  );
  const isOwner = organization?.id === challenge.organizationId;
  const involved =
    hasRole(viewer, challenge.organizationId, 'admin') ||
    (organization !== undefined && hasRole(viewer, organization.id, 'admin'));
  if (
    challenge.status === 'draft' &&
    !involved &&
    !hasRole(viewer, challenge.organizationId, 'agent')
  )
    throw notFound('challenge', challengeId);
  if (!organization || (!isOwner && organization.status === null)) throw notFound('partner', slug);
  if (!involved) {
    if (viewer.kind === 'anonymous')
      throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to read this report.');
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      "A share's report is for its organization's admins and the challenge organization's.",
    );
  }
  const via = isOwner ? null : organization.id;
  const [[view], [people], [deeds]] = await Promise.all([
    viewChallenges(ctx, [challenge]),
    ctx.db.query<{ participants: number; pledges: number }>(
      `select count(*) filter (where pledged or contributions > 0)::int as participants,
              count(*) filter (where pledged)::int as pledges
         from participation
        where challenge_id = ? and via_organization_id is not distinct from ?`,
      [challengeId, via],
    ),
    ctx.db.query<{ contributions: number; quantity: string; co2e: string }>(
      `select count(*)::int as contributions, coalesce(sum(c.quantity), 0)::text as quantity,
              coalesce(sum(c.co2e_kg), 0)::text as co2e
         from contribution c
         left join participation p
           on p.challenge_id = c.challenge_id and p.participant_id = c.participant_id
        where c.challenge_id = ? and c.invalidation_id is null
          and p.via_organization_id is not distinct from ?`,
      [challengeId, via],
    ),
  ]);
  if (!view) throw notFound('challenge', challengeId);
  const share = view.shares.find((s) => s.organization === organization.slug);
  const type = ctx.registry.findActionType(challenge.actionType);
  return {
    challenge: {
      id: view.id,
      title: view.title,
      actionType: view.actionType,
      unit: view.unit,
      status: view.status,
      openedAt: view.openedAt,
      closedAt: view.closedAt,
    },
    organization: {
      slug: organization.slug,
      name: organization.name,
      role: isOwner ? 'owner' : 'partner',
      status: isOwner ? 'owner' : (organization.status ?? 'invited'),
    },
    generatedAt: ctx.now().toISOString(),
    share: share
      ? { participants: share.participants, quantity: share.quantity, co2eKg: share.co2eKg }
      : isOwner
        ? {
            participants: view.progress.participants,
            quantity: view.progress.quantity,
            co2eKg: view.progress.co2eKg,
          }
        : { participants: 0, quantity: 0, co2eKg: 0 },
    recorded: {
      participants: people?.participants ?? 0,
      pledges: people?.pledges ?? 0,
      contributions: deeds?.contributions ?? 0,
      quantity: round(Number(deeds?.quantity ?? 0)),
      co2eKg: round(Number(deeds?.co2e ?? 0)),
    },
    whole: {
      participants: view.progress.participants,
      quantity: view.progress.quantity,
      co2eKg: view.progress.co2eKg,
    },
    sources: type
      ? [
          {
            actionType: challenge.actionType,
            title: type.title.en,
            version: type.version,
            factors: type.factors.map((f) => ({ ...f })),
          },
        ]
      : [],
  };
}
