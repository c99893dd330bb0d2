import { isGoalReached } from '../domain/goals.js';
import { insertAuditEntries } from './audit.js';
import type { Counterpart, Goal, Progress } from '../domain/types.js';
import type { Sql } from './database.js';
import { roundQuantity, SHARE_PREFIX } from './progress.js';

/** Who may write through a partner's pages: the shape of a campaign's audience. */
export type PartnerAudience =
  { type: 'public' } | { type: 'members' } | { type: 'email-domain'; domains: string[] };

/** Where a partner stands in a federated challenge (ADR 0043). */
export type PartnerStatus = 'invited' | 'accepted' | 'declined' | 'left';

/** One partner row with its organization. */
export interface PartnerRecord {
  challengeId: string;
  organizationId: string;
  slug: string;
  name: string;
  status: PartnerStatus;
  audience: PartnerAudience;
  invitedAt: Date;
  decidedAt: Date | null;
}

interface PartnerRow {
  challenge_id: string;
  organization_id: string;
  slug: string;
  name: string;
  status: PartnerStatus;
  audience: PartnerAudience;
  invited_at: Date;
  decided_at: Date | null;
}

const toRecord = (row: PartnerRow): PartnerRecord => ({
  challengeId: row.challenge_id,
  organizationId: row.organization_id,
  slug: row.slug,
  name: row.name,
  status: row.status,
  audience: row.audience,
  invitedAt: new Date(row.invited_at),
  decidedAt: row.decided_at ? new Date(row.decided_at) : null,
});

const PARTNER_COLUMNS = `cp.challenge_id, cp.organization_id, o.slug, o.name, cp.status, cp.audience,
       cp.invited_at, cp.decided_at`;

/** A challenge's partners, oldest invitation first. */
export async function listPartners(sql: Sql, challengeId: string): Promise<PartnerRecord[]> {
  const rows = await sql.query<PartnerRow>(
    `select ${PARTNER_COLUMNS}
       from challenge_partner cp join organization o on o.id = cp.organization_id
      where cp.challenge_id = ?
      order by cp.invited_at, o.slug`,
    [challengeId],
  );
  return rows.map(toRecord);
}

/** One partner of a challenge by its organization's slug, locked when asked. */
export async function findPartner(
  sql: Sql,
  challengeId: string,
  slug: string,
  options: { lock?: boolean } = {},
): Promise<PartnerRecord | undefined> {
  const [row] = await sql.query<PartnerRow>(
    `select ${PARTNER_COLUMNS}
       from challenge_partner cp join organization o on o.id = cp.organization_id
      where cp.challenge_id = ? and o.slug = ?
      ${options.lock ? 'for update of cp' : ''}`,
    [challengeId, slug],
  );
  return row ? toRecord(row) : undefined;
}

/** One organization's share of a federated challenge, as answers show it. */
export interface ShareView {
  /** The organization's slug. */
  organization: string;
  name: string;
  participants: number;
  quantity: number;
  co2eKg: number;
}

/** Whether a challenge is federated, and its shares (`[]` when it is not). */
export interface Federation {
  federated: boolean;
  shares: ShareView[];
}

const NOT_FEDERATED: Federation = { federated: false, shares: [] };

/**
 * The progress and shares of several challenges, in two statements whatever
 * their number and their partners' (ADR 0043): the organizations (the owner
 * and every partner) of the federated ones among them, and the counters —
 * the whole and the partners' — in one snapshot.
 * A partner's share is the sum of its `org:` slots; the owner's is the
 * whole less the partners', so the shares add up to the whole exactly.
 * Shown: the owner, every accepted partner, and any other that holds a
 * share (one that counted before it left the record); sorted by
 * participants, then name.
 */
export async function readProgressAndShares(
  sql: Sql,
  challengeIds: readonly string[],
): Promise<Map<string, Federation & { progress: Progress }>> {
  const result = new Map<string, Federation & { progress: Progress }>();
  const nothing = (): Progress => ({ participants: 0, quantity: 0, co2eKg: 0 });
  for (const id of challengeIds) result.set(id, { ...NOT_FEDERATED, progress: nothing() });
  if (challengeIds.length === 0) return result;
  const [organizations, sums] = await Promise.all([
    sql.query<{
      challenge_id: string;
      organization_id: string;
      slug: string;
      name: string;
      status: PartnerStatus | 'owner';
    }>(
      `select cp.challenge_id, o.id as organization_id, o.slug, o.name, cp.status
         from challenge_partner cp join organization o on o.id = cp.organization_id
        where cp.challenge_id in (?)
       union all
       select c.id, o.id, o.slug, o.name, 'owner'
         from challenge c join organization o on o.id = c.organization_id
        where c.id in (?)
          and exists (select 1 from challenge_partner cp where cp.challenge_id = c.id)`,
      [challengeIds, challengeIds],
    ),
    sql.query<{
      challenge_id: string;
      team_id: string;
      participants: string | number;
      quantity: string | number;
      co2e_kg: string | number;
    }>(
      `select challenge_id, team_id, sum(participants) as participants, sum(quantity) as quantity,
              sum(co2e_kg) as co2e_kg
         from progress_slot
        where challenge_id in (?) and (team_id = '' or team_id like 'org:%')
        group by challenge_id, team_id`,
      [challengeIds],
    ),
  ]);
  // The whole and the partners' counters come from one statement, one
  // snapshot: the owner's share, their difference, is never off by a
  // pledge counted between two reads.
  const counted = new Map<string, Progress>();
  for (const row of sums) {
    const figures = {
      participants: Number(row.participants),
      quantity: Number(row.quantity),
      co2eKg: Number(row.co2e_kg),
    };
    if (row.team_id === '') {
      const entry = result.get(row.challenge_id);
      if (entry) {
        entry.progress = {
          participants: figures.participants,
          quantity: roundQuantity(figures.quantity),
          co2eKg: roundQuantity(figures.co2eKg),
        };
      }
      continue;
    }
    counted.set(`${row.challenge_id}/${row.team_id.slice(SHARE_PREFIX.length)}`, figures);
  }
  const byChallenge = new Map<string, typeof organizations>();
  for (const row of organizations) {
    const list = byChallenge.get(row.challenge_id) ?? [];
    list.push(row);
    byChallenge.set(row.challenge_id, list);
  }
  for (const [challengeId, rows] of byChallenge) {
    const entry = result.get(challengeId);
    if (!entry) continue;
    const whole = entry.progress;
    const partners: ShareView[] = [];
    let owner: ShareView | null = null;
    const rest = { ...whole };
    for (const row of rows) {
      if (row.status === 'owner') {
        owner = { organization: row.slug, name: row.name, participants: 0, quantity: 0, co2eKg: 0 };
        continue;
      }
      const share = counted.get(`${challengeId}/${row.organization_id}`);
      if (row.status !== 'accepted' && !share) continue;
      const figures = share ?? { participants: 0, quantity: 0, co2eKg: 0 };
      rest.participants -= figures.participants;
      rest.quantity -= figures.quantity;
      rest.co2eKg -= figures.co2eKg;
      partners.push({
        organization: row.slug,
        name: row.name,
        participants: figures.participants,
        quantity: roundQuantity(figures.quantity),
        co2eKg: roundQuantity(figures.co2eKg),
      });
    }
    const shares = owner
      ? [
          {
            ...owner,
            participants: rest.participants,
            quantity: roundQuantity(rest.quantity),
            co2eKg: roundQuantity(rest.co2eKg),
          },
          ...partners,
        ]
      : partners;
    shares.sort(
      (a, b) =>
        b.participants - a.participants ||
        a.name.localeCompare(b.name) ||
        a.organization.localeCompare(b.organization),
    );
    result.set(challengeId, { federated: true, shares, progress: whole });
  }
  return result;
}

/** A partner's own sub-goal on a federated challenge, unlocking on its share (ADR 0043). */
export interface PartnerTierRecord {
  id: string;
  organizationId: string;
  rank: number;
  goal: Goal;
  counterpart: Counterpart | null;
  unlockedAt: Date | null;
  /** The share's figures when it unlocked. */
  unlockProgress: Progress | null;
}

interface PartnerTierRow {
  id: string;
  organization_id: string;
  rank: number;
  goal: Goal;
  counterpart: Counterpart | null;
  unlocked_at: Date | null;
  unlock_progress: Progress | null;
}

const toTier = (row: PartnerTierRow): PartnerTierRecord => ({
  id: row.id,
  organizationId: row.organization_id,
  rank: row.rank,
  goal: row.goal,
  counterpart: row.counterpart,
  unlockedAt: row.unlocked_at ? new Date(row.unlocked_at) : null,
  unlockProgress: row.unlock_progress,
});

/** The partners' sub-goals of a challenge, by rank. */
export async function listPartnerTiers(
  sql: Sql,
  challengeId: string,
): Promise<PartnerTierRecord[]> {
  const rows = await sql.query<PartnerTierRow>(
    `select id, organization_id, rank, goal, counterpart, unlocked_at, unlock_progress
       from partner_tier where challenge_id = ? order by organization_id, rank`,
    [challengeId],
  );
  return rows.map(toTier);
}

/** Adds a sub-goal after the partner's others; answers it. */
export async function insertPartnerTier(
  tx: Sql,
  tier: {
    id: string;
    challengeId: string;
    organizationId: string;
    goal: Goal;
    counterpart: Counterpart | null;
  },
): Promise<PartnerTierRecord> {
  const [row] = await tx.query<PartnerTierRow>(
    `insert into partner_tier (id, challenge_id, organization_id, rank, goal, counterpart)
     select ?, ?, ?, coalesce(max(rank) + 1, 0), ?::jsonb, ?::jsonb
       from partner_tier where challenge_id = ? and organization_id = ?
     returning id, organization_id, rank, goal, counterpart, unlocked_at, unlock_progress`,
    [
      tier.id,
      tier.challengeId,
      tier.organizationId,
      JSON.stringify(tier.goal),
      tier.counterpart === null ? null : JSON.stringify(tier.counterpart),
      tier.challengeId,
      tier.organizationId,
    ],
  );
  if (!row) throw new Error('partner tier not inserted');
  return toTier(row);
}

/**
 * The partners' sub-goals of an open challenge that their shares now reach
 * and that are not unlocked yet, with the share's figures: one statement,
 * which finds nothing on a challenge without any.
 */
export async function reachedPartnerTiers(
  sql: Sql,
  challengeId: string,
): Promise<{ id: string; organizationId: string; share: Progress }[]> {
  const pending = await sql.query<{
    id: string;
    organization_id: string;
    goal: Goal;
    participants: string | number | null;
    quantity: string | number | null;
    co2e_kg: string | number | null;
  }>(
    `select pt.id, pt.organization_id, pt.goal, s.participants, s.quantity, s.co2e_kg
       from partner_tier pt
       join challenge c on c.id = pt.challenge_id
        and c.status in ('open', 'succeeded') and c.closed_at is null
       left join lateral (
         select sum(participants) as participants, sum(quantity) as quantity,
                sum(co2e_kg) as co2e_kg
           from progress_slot
          where challenge_id = pt.challenge_id and team_id = 'org:' || pt.organization_id
       ) s on true
      where pt.challenge_id = ? and pt.unlocked_at is null`,
    [challengeId],
  );
  return pending.flatMap((row) => {
    const share: Progress = {
      participants: Number(row.participants ?? 0),
      quantity: roundQuantity(Number(row.quantity ?? 0)),
      co2eKg: roundQuantity(Number(row.co2e_kg ?? 0)),
    };
    return isGoalReached(row.goal, share)
      ? [{ id: row.id, organizationId: row.organization_id, share }]
      : [];
  });
}

/**
 * Marks a sub-goal unlocked with the share's figures, once: the update
 * requires it still locked, so two evaluations at once unlock it once.
 *
 * @returns it, or nothing when another evaluation was first
 */
export async function markPartnerTierUnlocked(
  tx: Sql,
  id: string,
  share: Progress,
  now: Date,
): Promise<PartnerTierRecord | undefined> {
  const [set] = await tx.query<PartnerTierRow>(
    `update partner_tier set unlocked_at = ?, unlock_progress = ?::jsonb
      where id = ? and unlocked_at is null
      returning id, organization_id, rank, goal, counterpart, unlocked_at, unlock_progress`,
    [now, JSON.stringify(share), id],
  );
  return set ? toTier(set) : undefined;
}

/**
 * Unlocks, in the caller's transaction, the sub-goals {@link
 * reachedPartnerTiers} found, each once, logging each unlock in the audit.
 */
export async function unlockPartnerTiers(
  tx: Sql,
  ownerId: string,
  challengeId: string,
  reached: readonly { id: string; share: Progress }[],
  now: Date,
): Promise<PartnerTierRecord[]> {
  const unlocked: PartnerTierRecord[] = [];
  for (const tier of reached) {
    const set = await markPartnerTierUnlocked(tx, tier.id, tier.share, now);
    if (!set) continue;
    unlocked.push(set);
    await insertAuditEntries(tx, [
      {
        challengeId,
        organizationId: ownerId,
        actor: { kind: 'system', label: 'evaluation' },
        action: 'partner.tier-unlocked',
        details: { tierId: set.id, partnerId: set.organizationId, share: tier.share },
      },
    ]);
  }
  return unlocked;
}
