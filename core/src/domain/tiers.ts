import { invalid } from '../errors.js';
import { validateCounterpart } from './counterparts.js';
import { isGoalReached, normalizeGoal } from './goals.js';
import type { Goal, Progress, Tier } from './types.js';

/** The tiers from lowest to highest rank, without touching the caller's array. */
export function sortTiers(tiers: readonly Tier[]): Tier[] {
  return [...tiers].sort((a, b) => a.rank - b.rank);
}

function describeTargets(goal: Goal): string {
  const kinds = [
    goal.participants !== undefined ? 'participants' : null,
    goal.quantity !== undefined ? 'quantity' : null,
  ].filter((k) => k !== null);
  return `${kinds.join(' and ')} (match "${goal.match}")`;
}

/**
 * Checks a challenge's ladder of tiers before it is stored: at least one
 * tier; ids non-empty and distinct (unlocks are keyed by tier id); ranks
 * exactly 0..n-1; each goal valid; each counterpart valid; and each higher
 * tier sets the same kinds of targets with the same `match` as the tier below
 * it, none of them lower.
 *
 * The last rule is what keeps a ladder a ladder: with it, whatever reaches a
 * tier also reaches every tier beneath it, so tiers unlock from the bottom
 * up. Equal targets are allowed (two co-sponsors promising at the same
 * threshold).
 *
 * Throws `TANDEM_REQUEST_INVALID` naming the place, e.g. `tiers/2/goal`
 * (indexes are the array's, as the request has them).
 */
export function validateTiers(tiers: readonly Tier[]): void {
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw invalid('tiers', 'needs at least one tier');
  }
  const ids = new Set<string>();
  const indexByRank = new Map<number, number>();
  tiers.forEach((tier, i) => {
    if (typeof tier.id !== 'string' || tier.id.trim() === '') {
      throw invalid(`tiers/${i}/id`, 'must be a non-empty id');
    }
    if (ids.has(tier.id)) {
      throw invalid(`tiers/${i}/id`, `"${tier.id}" is used by another tier`);
    }
    ids.add(tier.id);
    if (!Number.isInteger(tier.rank) || tier.rank < 0 || tier.rank >= tiers.length) {
      throw invalid(`tiers/${i}/rank`, `must be an integer from 0 to ${tiers.length - 1}`);
    }
    if (indexByRank.has(tier.rank)) {
      throw invalid(`tiers/${i}/rank`, `rank ${tier.rank} is used by another tier`);
    }
    indexByRank.set(tier.rank, i);
    normalizeGoal(tier.goal, `tiers/${i}/goal`);
    if (tier.counterpart !== undefined) {
      validateCounterpart(tier.counterpart, `tiers/${i}/counterpart`);
    }
  });

  // Ranks are now a permutation of 0..n-1, so every lookup below succeeds.
  for (let rank = 1; rank < tiers.length; rank++) {
    const i = indexByRank.get(rank) as number;
    const lower = (tiers[indexByRank.get(rank - 1) as number] as Tier).goal;
    const higher = (tiers[i] as Tier).goal;
    const sameKinds =
      (lower.participants === undefined) === (higher.participants === undefined) &&
      (lower.quantity === undefined) === (higher.quantity === undefined) &&
      lower.match === higher.match;
    if (!sameKinds) {
      throw invalid(
        `tiers/${i}/goal`,
        `must set ${describeTargets(lower)} like the tier below it, not ${describeTargets(higher)}`,
      );
    }
    if ((higher.participants ?? 0) < (lower.participants ?? 0)) {
      throw invalid(
        `tiers/${i}/goal`,
        `participants ${higher.participants} is below the tier below it (${lower.participants})`,
      );
    }
    if ((higher.quantity ?? 0) < (lower.quantity ?? 0)) {
      throw invalid(
        `tiers/${i}/goal`,
        `quantity ${higher.quantity} is below the tier below it (${lower.quantity})`,
      );
    }
  }
}

/**
 * The tiers whose goal the progress meets, lowest rank first. Only says what
 * is reached now; which of them unlock is `evaluateChallenge`'s business.
 */
export function reachedTiers(tiers: readonly Tier[], progress: Progress): Tier[] {
  return sortTiers(tiers).filter((tier) => isGoalReached(tier.goal, progress));
}
