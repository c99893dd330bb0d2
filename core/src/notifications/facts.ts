import { matchingAmount } from '../domain/counterparts.js';
import type { Counterpart, Goal } from '../domain/types.js';
import type { NotificationCounterpart, NotificationPromise } from '../mail/templates.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Sql } from '../store/database.js';

/** One tier of a challenge with the names a mail needs. */
export interface TierFacts {
  id: string;
  rank: number;
  goal: Goal;
  counterpart: Counterpart | null;
  /**
   * Who delivers: the tier's sponsor once it accepted, else the organizing
   * organization (an organization merely named as sponsor gets no mail and
   * is named in none).
   */
  sponsorId: string;
  sponsorName: string;
  unlocked: boolean;
}

/** What every notification about one challenge says, read once per batch. */
export interface ChallengeFacts {
  id: string;
  title: string;
  organizationId: string;
  /** The action type's unit, or null when it measures nothing (or is no longer installed). */
  unit: string | null;
  /** Tiers, lowest first. */
  tiers: TierFacts[];
  /** Beneficiary names by id. */
  beneficiaries: ReadonlyMap<string, string>;
}

/**
 * Reads a challenge, its tiers with their sponsors' names and its
 * beneficiaries' names; `undefined` when the challenge is gone.
 */
export async function loadChallengeFacts(
  sql: Sql,
  registry: PluginRegistry,
  challengeId: string,
): Promise<ChallengeFacts | undefined> {
  const [challenge] = await sql.query<{
    id: string;
    title: string;
    action_type: string;
    organization_id: string;
  }>('select id, title, action_type, organization_id from challenge where id = ?', [challengeId]);
  if (!challenge) return undefined;
  const tiers = await sql.query<{
    id: string;
    rank: number;
    goal: Goal;
    counterpart: Counterpart | null;
    sponsor_id: string;
    sponsor_name: string;
    unlocked_at: Date | null;
  }>(
    `select t.id, t.rank, t.goal, t.counterpart, s.id as sponsor_id, s.name as sponsor_name,
            u.unlocked_at
       from tier t
       join challenge c on c.id = t.challenge_id
       join organization s
         on s.id = case when t.sponsorship = 'accepted' then coalesce(t.sponsor_id, c.organization_id)
                        else c.organization_id end
       left join unlock u on u.tier_id = t.id
      where t.challenge_id = ?
      order by t.rank`,
    [challengeId],
  );
  const beneficiaryIds = [
    ...new Set(
      tiers.flatMap((t) =>
        t.counterpart && 'beneficiaryId' in t.counterpart ? [t.counterpart.beneficiaryId] : [],
      ),
    ),
  ];
  const beneficiaries =
    beneficiaryIds.length === 0
      ? []
      : await sql.query<{ id: string; name: string }>(
          'select id, name from beneficiary where id in (?)',
          [beneficiaryIds],
        );
  return {
    id: challenge.id,
    title: challenge.title,
    organizationId: challenge.organization_id,
    unit: registry.findActionType(challenge.action_type)?.unit ?? null,
    tiers: tiers.map((t) => ({
      id: t.id,
      rank: t.rank,
      goal: t.goal,
      counterpart: t.counterpart,
      sponsorId: t.sponsor_id,
      sponsorName: t.sponsor_name,
      unlocked: t.unlocked_at !== null,
    })),
    beneficiaries: new Map(beneficiaries.map((b) => [b.id, b.name])),
  };
}

/**
 * A tier as a mail tells it. With `quantity`, a matching counterpart also
 * says what it owes at that count (the sponsor's mail).
 */
export function describeTier(
  facts: ChallengeFacts,
  tier: TierFacts,
  quantity?: number,
): NotificationPromise {
  const promise: NotificationPromise = { goal: tier.goal, sponsor: tier.sponsorName };
  const counterpart = tier.counterpart;
  if (!counterpart) return promise;
  const beneficiary = (id: string) => facts.beneficiaries.get(id) ?? '?';
  let text: NotificationCounterpart;
  switch (counterpart.kind) {
    case 'donation':
      text = {
        kind: 'donation',
        amount: counterpart.amount,
        beneficiary: beneficiary(counterpart.beneficiaryId),
      };
      break;
    case 'act':
      text = { kind: 'act', description: counterpart.description };
      break;
    case 'matching':
      text = {
        kind: 'matching',
        perUnit: counterpart.perUnit,
        cap: counterpart.cap,
        beneficiary: beneficiary(counterpart.beneficiaryId),
      };
      if (quantity !== undefined) promise.owed = matchingAmount(counterpart, quantity);
      break;
  }
  promise.counterpart = text;
  return promise;
}
