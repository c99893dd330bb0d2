import { invalid } from '../errors.js';
import type { Goal, GoalInput, Progress } from './types.js';

/**
 * Turns a goal as a request gives it into the stored form: `match` defaults
 * to `'all'` (both targets needed, as API.md says), absent targets stay
 * absent. Throws `TANDEM_REQUEST_INVALID` whose message starts with the path,
 * e.g. `goal: needs participants or quantity` or
 * `tiers/2/goal/participants: must be a positive integer`.
 *
 * @param path where the goal sits in the request.
 * @example normalizeGoal({ participants: 200 }) // { participants: 200, match: 'all' }
 */
export function normalizeGoal(input: GoalInput, path = 'goal'): Goal {
  if (typeof input !== 'object' || input === null) {
    throw invalid(path, 'must be an object with participants and/or quantity');
  }
  const { participants, quantity, match = 'all' } = input;
  if (participants === undefined && quantity === undefined) {
    throw invalid(path, 'needs participants or quantity');
  }
  if (match !== 'all' && match !== 'any') {
    throw invalid(`${path}/match`, 'must be "all" or "any"');
  }
  // Build the result key by key so an absent target is absent, not
  // `undefined`: stored JSON and deep equality then agree.
  const goal: Goal = { match };
  if (participants !== undefined) {
    if (
      typeof participants !== 'number' ||
      !Number.isSafeInteger(participants) ||
      participants < 1
    ) {
      throw invalid(`${path}/participants`, 'must be a positive integer');
    }
    goal.participants = participants;
  }
  if (quantity !== undefined) {
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || !(quantity > 0)) {
      throw invalid(`${path}/quantity`, 'must be a finite number above zero');
    }
    goal.quantity = quantity;
  }
  return goal;
}

/** The ratio reached for each target the goal sets, participants first. */
function targetRatios(goal: Goal, progress: Progress): { reached: boolean; ratio: number }[] {
  const ratios: { reached: boolean; ratio: number }[] = [];
  if (goal.participants !== undefined) {
    ratios.push(target(progress.participants, goal.participants));
  }
  if (goal.quantity !== undefined) {
    ratios.push(target(progress.quantity, goal.quantity));
  }
  return ratios;
}

function target(done: number, wanted: number): { reached: boolean; ratio: number } {
  // Progress below zero (a correction gone too far) shows as nothing done.
  const safeDone = done > 0 ? done : 0;
  return { reached: safeDone >= wanted, ratio: safeDone / wanted };
}

/**
 * Whether progress meets the goal: with `match: 'all'` every target the goal
 * sets is met, with `'any'` at least one is. A goal that sets no target is
 * never reached, so a malformed goal cannot unlock a sponsor's money.
 *
 * @example isGoalReached({ participants: 200, match: 'all' }, { participants: 200, quantity: 0, co2eKg: 0 }) // true
 */
export function isGoalReached(goal: Goal, progress: Progress): boolean {
  const ratios = targetRatios(goal, progress);
  if (ratios.length === 0) return false;
  return goal.match === 'any' ? ratios.some((r) => r.reached) : ratios.every((r) => r.reached);
}

/**
 * How far progress is toward the goal, for progress bars: 0 at the start, 1
 * when reached, above 1 beyond. With `'all'` the slowest target sets the
 * pace (the minimum ratio), with `'any'` the fastest (the maximum). A goal
 * that sets no target is at 0.
 *
 * @example goalRatio({ participants: 200, quantity: 500, match: 'all' }, { participants: 100, quantity: 500, co2eKg: 0 }) // 0.5
 */
export function goalRatio(goal: Goal, progress: Progress): number {
  const ratios = targetRatios(goal, progress).map((r) => r.ratio);
  if (ratios.length === 0) return 0;
  return goal.match === 'any' ? Math.max(...ratios) : Math.min(...ratios);
}
