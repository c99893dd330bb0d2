import { goalRatio, isGoalReached } from './goals.js';
import type { Progress, Tier } from './types.js';

/**
 * Where a challenge is heading: the progress expected at its deadline if
 * the pace so far holds, and whether that reaches the goal aimed at.
 */
export interface PacingForecast {
  /**
   * The tier the forecast aims at: the lowest one not reached yet by the
   * current progress, or the highest once every tier is reached.
   */
  tierId: string;
  /**
   * Progress expected at the deadline (people rounded to the nearest whole,
   * quantity in the action type's unit); `ratio` and `onTrack` are computed
   * from these figures, so they agree with what is shown.
   */
  expectedAtDeadline: { participants: number; quantity: number };
  /** How far the expected progress goes toward that tier's goal (1 = reached), as `goalRatio`. */
  ratio: number;
  /** Whether the expected progress reaches that tier's goal. */
  onTrack: boolean;
  /** Share of the time from opening to deadline already gone, from 0 to 1. */
  elapsed: number;
  /** How it was computed; only `linear-since-opening` so far. */
  method: 'linear-since-opening';
}

export interface PacingInput {
  /** The challenge's tiers, lowest first (their ids and goals). */
  tiers: readonly Pick<Tier, 'id' | 'goal'>[];
  progress: Progress;
  openedAt: Date;
  deadline: Date;
  now: Date;
}

/**
 * Forecasts a challenge's progress at its deadline by a linear projection
 * of the pace since it opened: what was reached in the elapsed share of the
 * time, divided by that share. It needs nothing but the counters and two
 * dates, so the read path can compute it on every request at no cost that
 * grows with the number of pledges (DESIGN.md, "Fast by design").
 *
 * The projection assumes the pace holds. Campaigns usually start with a
 * burst that then slows, so early on it tends to be optimistic, and over
 * the first hours it is noisy (one pledge in the first minute of a month
 * projects to tens of thousands): read it together with `elapsed`, as the
 * pacing nudge does (see {@link isLagging}).
 *
 * Before the challenge has run at all (`now` at or before `openedAt`) the
 * forecast is the current progress; at or after the deadline it is too.
 * Progress below zero counts as nothing done. Returns `null` when there is
 * no tier to aim at.
 *
 * @example
 * forecastPacing({
 *   tiers: [{ id: 't0', goal: { participants: 200, match: 'all' } }],
 *   progress: { participants: 50, quantity: 0, co2eKg: 0 },
 *   openedAt: new Date('2026-03-01'), deadline: new Date('2026-03-31'), now: new Date('2026-03-11'),
 * });
 * // { tierId: 't0', expectedAtDeadline: { participants: 150, quantity: 0 }, ratio: 0.75,
 * //   onTrack: false, elapsed: 1/3, method: 'linear-since-opening' }
 */
export function forecastPacing(input: PacingInput): PacingForecast | null {
  const { tiers, progress, openedAt, deadline, now } = input;
  const duration = deadline.getTime() - openedAt.getTime();
  const gone = now.getTime() - openedAt.getTime();
  const elapsed = duration <= 0 ? 1 : clamp(gone / duration, 0, 1);
  // At elapsed 0 there is no pace to project; at 1 nothing is left to add.
  const factor = elapsed > 0 && elapsed < 1 ? 1 / elapsed : 1;
  const participants = Math.max(0, progress.participants);
  const quantity = Math.max(0, progress.quantity);
  const expected: Progress = {
    // Whole people, to the nearest: an estimate that is a few milliseconds
    // past a round figure must not lose a person to rounding down.
    participants: Math.round(participants * factor),
    quantity: Math.round(quantity * factor * 1000) / 1000,
    co2eKg: 0,
  };
  const current: Progress = { participants, quantity, co2eKg: 0 };
  const target = tiers.find((tier) => !isGoalReached(tier.goal, current)) ?? tiers.at(-1);
  if (!target) return null;
  const ratio = goalRatio(target.goal, expected);
  return {
    tierId: target.id,
    expectedAtDeadline: { participants: expected.participants, quantity: expected.quantity },
    ratio: Math.round(ratio * 1e4) / 1e4,
    onTrack: isGoalReached(target.goal, expected),
    elapsed: Math.round(elapsed * 1e4) / 1e4,
    method: 'linear-since-opening',
  };
}

/** The share of a challenge's duration after which a forecast is trusted enough to nudge. */
export const NUDGE_AFTER_ELAPSED = 0.25;

/**
 * Whether a forecast says the challenge lags: its goal is out of reach at
 * the current pace, and enough of its time has gone for the pace to mean
 * something (`minElapsed`, default {@link NUDGE_AFTER_ELAPSED}).
 *
 * @example isLagging({ ...forecast, onTrack: false, elapsed: 0.4 }) // true
 */
export function isLagging(
  forecast: Pick<PacingForecast, 'onTrack' | 'elapsed'>,
  minElapsed: number = NUDGE_AFTER_ELAPSED,
): boolean {
  return !forecast.onTrack && forecast.elapsed >= minElapsed && forecast.elapsed < 1;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** What {@link challengeForecast} reads of a challenge. */
export interface ForecastableChallenge {
  status: string;
  tiers: readonly Pick<Tier, 'id' | 'goal'>[];
  openedAt: Date | null;
  deadline: Date | null;
  closedAt: Date | null;
}

/**
 * The forecast a challenge shows as `progress.forecast`: {@link forecastPacing}
 * while it is open (status `open` or `succeeded`, not closed, before its
 * deadline) and has a deadline, otherwise `null` — there is nothing to
 * forecast without a deadline, and nothing left to forecast once closed.
 *
 * @example challengeForecast({ ...challenge, deadline: null }, progress, now) // null
 */
export function challengeForecast(
  challenge: ForecastableChallenge,
  progress: Progress,
  now: Date,
): PacingForecast | null {
  const { status, openedAt, deadline, closedAt, tiers } = challenge;
  if (status !== 'open' && status !== 'succeeded') return null;
  if (closedAt !== null || openedAt === null || deadline === null) return null;
  if (now.getTime() >= deadline.getTime()) return null;
  return forecastPacing({ tiers, progress, openedAt, deadline, now });
}
