import { goalRatio, isGoalReached } from './goals.js';
import type { Progress, Tier } from './types.js';

/** The shares of a tier's goal that make a milestone, in percent. */
export const MILESTONE_PERCENTS = [25, 50, 75, 100] as const;

/** One of {@link MILESTONE_PERCENTS}. */
export type MilestonePercent = (typeof MILESTONE_PERCENTS)[number];

/** A tier's goal reached to `percent`. */
export interface Milestone {
  tierId: string;
  percent: MilestonePercent;
}

/**
 * The milestones `progress` has reached, for every tier, lowest tier and
 * percent first. 100 % is exactly "goal reached" (`isGoalReached`, the rule
 * that unlocks), the others compare `goalRatio` with the share, so a
 * quantity of 0.3 out of 1.2 counts as 25 % despite binary fractions.
 *
 * @example
 * reachedMilestones([{ id: 't0', goal: { participants: 200, match: 'all' } }],
 *   { participants: 120, quantity: 0, co2eKg: 0 });
 * // [{ tierId: 't0', percent: 25 }, { tierId: 't0', percent: 50 }]
 */
export function reachedMilestones(
  tiers: readonly Pick<Tier, 'id' | 'goal'>[],
  progress: Progress,
): Milestone[] {
  const reached: Milestone[] = [];
  for (const tier of tiers) {
    const ratio = goalRatio(tier.goal, progress);
    for (const percent of MILESTONE_PERCENTS) {
      const isReached =
        percent === 100 ? isGoalReached(tier.goal, progress) : ratio * 100 >= percent - 1e-9;
      if (isReached) reached.push({ tierId: tier.id, percent });
    }
  }
  return reached;
}
