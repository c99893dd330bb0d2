import type { Sponsorship } from '../domain/sponsorship.js';
import type { ChallengeState, ChallengeStatus, Counterpart, Goal, Tier } from '../domain/types.js';
import type { Sql } from './database.js';

/** A challenge row as the engine uses it. */
export interface ChallengeRecord {
  id: string;
  campaignId: string;
  organizationId: string;
  title: string;
  description: string | null;
  actionType: string;
  actionSettings: Record<string, unknown>;
  status: ChallengeStatus;
  deadline: Date | null;
  openedAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
}

/**
 * An uploaded file given as proof, as it was when the tier was fulfilled:
 * its SHA-256 is kept beside its id so the record says which bytes were
 * shown, whatever happens to the file later.
 */
export interface ProofFile {
  id: string;
  sha256: string;
  contentType: string;
  size: number;
}

/** What a sponsor shows to prove a counterpart was delivered. */
export interface FulfilmentProof {
  text?: string;
  url?: string;
  file?: ProofFile;
}

export interface TierRecord extends Tier {
  /** Whether the sponsor agreed; only `accepted` sponsors hear of the challenge. */
  sponsorship: Sponsorship;
  fulfilledAt: Date | null;
  unlockedAt: Date | null;
  /** The proof given when the tier was fulfilled. */
  proof?: FulfilmentProof | null;
  /** The organization (id) that declared it fulfilled. */
  fulfilledBy?: string | null;
  /** The person (participant id) who declared it fulfilled, while they exist. */
  fulfilledByParticipant?: string | null;
  /** When the counterpart is due: set at unlock (90 days later by default), movable by the sponsor. */
  deliverBy?: Date | null;
  /** When the beneficiary confirmed receipt through the mailed link. */
  receivedAt?: Date | null;
}

/** A challenge with its tiers (lowest first) and their unlocks. */
export interface ChallengeAggregate extends ChallengeRecord {
  tiers: TierRecord[];
}

interface ChallengeRow {
  id: string;
  campaign_id: string;
  organization_id: string;
  title: string;
  description: string | null;
  action_type: string;
  action_settings: Record<string, unknown>;
  status: ChallengeStatus;
  deadline: Date | null;
  opened_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
}

interface TierRow {
  id: string;
  challenge_id: string;
  rank: number;
  goal: Goal;
  counterpart: Counterpart | null;
  sponsor_id: string | null;
  sponsorship: Sponsorship;
  fulfilled_at: Date | null;
  unlocked_at: Date | null;
  proof?: FulfilmentProof | null;
  fulfilled_by?: string | null;
  fulfilled_by_participant?: string | null;
  deliver_by?: Date | null;
  received_at?: Date | null;
}

/** How long a sponsor has to deliver after an unlock, unless it sets another date. */
export const DEFAULT_DELIVERY_DAYS = 90;

/** {@link DEFAULT_DELIVERY_DAYS} as an SQL interval. */
export const DEFAULT_DELIVERY_SQL = `interval '${DEFAULT_DELIVERY_DAYS} days'`;

const date = (value: Date | string | null): Date | null =>
  value === null ? null : new Date(value);

const toRecord = (row: ChallengeRow): ChallengeRecord => ({
  id: row.id,
  campaignId: row.campaign_id,
  organizationId: row.organization_id,
  title: row.title,
  description: row.description,
  actionType: row.action_type,
  actionSettings: row.action_settings,
  status: row.status,
  deadline: date(row.deadline),
  openedAt: date(row.opened_at),
  closedAt: date(row.closed_at),
  createdAt: new Date(row.created_at),
});

const toTier = (row: TierRow): TierRecord => {
  const tier: TierRecord = {
    id: row.id,
    rank: row.rank,
    goal: row.goal,
    sponsorship: row.sponsorship,
    fulfilledAt: date(row.fulfilled_at),
    unlockedAt: date(row.unlocked_at),
    proof: row.proof ?? null,
    fulfilledBy: row.fulfilled_by ?? null,
    fulfilledByParticipant: row.fulfilled_by_participant ?? null,
    deliverBy: date(row.deliver_by ?? null),
    receivedAt: date(row.received_at ?? null),
  };
  if (row.counterpart) tier.counterpart = row.counterpart;
  if (row.sponsor_id) tier.sponsorId = row.sponsor_id;
  return tier;
};

/**
 * Loads challenges with their tiers; `lock` takes the challenge row FOR
 * UPDATE so that evaluations of one challenge run one after the other.
 */
export async function loadChallenges(
  sql: Sql,
  ids: readonly string[],
  options: { lock?: boolean } = {},
): Promise<ChallengeAggregate[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<ChallengeRow>(
    `select * from challenge where id in (?) order by created_at, id${options.lock ? ' for update' : ''}`,
    [ids],
  );
  if (rows.length === 0) return [];
  const tierRows = await sql.query<TierRow>(
    // Unlocks written before deliver_by existed fall back to its default.
    `select t.*, u.unlocked_at,
            coalesce(u.deliver_by, u.unlocked_at + ${DEFAULT_DELIVERY_SQL}) as deliver_by
       from tier t left join unlock u on u.tier_id = t.id
      where t.challenge_id in (?)
      order by t.challenge_id, t.rank`,
    [rows.map((r) => r.id)],
  );
  return rows.map((row) => ({
    ...toRecord(row),
    tiers: tierRows.filter((t) => t.challenge_id === row.id).map(toTier),
  }));
}

export async function loadChallenge(
  sql: Sql,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ChallengeAggregate | undefined> {
  const [challenge] = await loadChallenges(sql, [id], options);
  return challenge;
}

/** The part of a challenge the pure evaluator reads. */
export function toChallengeState(challenge: ChallengeAggregate): ChallengeState {
  const unlocked: Record<string, Date> = {};
  for (const tier of challenge.tiers) if (tier.unlockedAt) unlocked[tier.id] = tier.unlockedAt;
  return {
    status: challenge.status,
    tiers: challenge.tiers,
    unlocked,
    fulfilled: challenge.tiers.filter((t) => t.fulfilledAt).map((t) => t.id),
    deadline: challenge.deadline,
    closedAt: challenge.closedAt,
  };
}
