import { TandemError, type ErrorCode } from '../errors.js';
import { reachedTiers } from './tiers.js';
import type { ChallengeState, ChallengeStatus, Progress } from './types.js';

/**
 * What an evaluation decided. The caller persists it: one unlock row per
 * entry of `unlocks` (unique per challenge and tier, so a replay writes
 * nothing), then `status` and `closedAt`.
 */
export interface Evaluation {
  /** Tiers that unlock in this evaluation, lowest rank first. */
  unlocks: { tierId: string; unlockedAt: Date }[];
  status: ChallengeStatus;
  closedAt: Date | null;
  /** True iff there are unlocks or `status`/`closedAt` differ from the input state. */
  changed: boolean;
}

/** Whether a pledge may be taken now, and if not, a sentence saying why and its error code. */
export type PledgeAcceptance = { ok: true } | { ok: false; reason: string; code: ErrorCode };

function sameInstant(a: Date | null, b: Date | null): boolean {
  return a === null || b === null ? a === b : a.getTime() === b.getTime();
}

function hasUnlock(state: ChallengeState): boolean {
  return Object.keys(state.unlocked).length > 0;
}

/**
 * The heart of both the deadline and the manual close: unlock what is
 * reached at `moment` if the challenge can still unlock, then close at
 * `moment` when `closing`.
 */
function decide(
  state: ChallengeState,
  progress: Progress,
  moment: Date,
  closing: boolean,
): Evaluation {
  const unlocks: Evaluation['unlocks'] = [];
  // 'fulfilled' and 'failed' are terminal for unlocks, and so is a close:
  // what was not reached by then is lost, whatever progress says later.
  const canUnlock =
    (state.status === 'open' || state.status === 'succeeded') && state.closedAt === null;
  if (canUnlock) {
    for (const tier of reachedTiers(state.tiers, progress)) {
      // Own-property check: a tier id such as "constructor" must not read
      // the prototype and look unlocked.
      if (!Object.hasOwn(state.unlocked, tier.id)) {
        unlocks.push({ tierId: tier.id, unlockedAt: new Date(moment.getTime()) });
      }
    }
  }

  const closedAt = state.closedAt ?? (closing ? new Date(moment.getTime()) : null);
  const anyUnlock = hasUnlock(state) || unlocks.length > 0;
  let status = state.status;
  if (status === 'open' || status === 'succeeded') {
    // Never back from succeeded: an unlock already reached stays.
    if (anyUnlock || status === 'succeeded') status = 'succeeded';
    else if (closedAt !== null) status = 'failed';
  }

  return {
    unlocks,
    status,
    closedAt,
    changed:
      unlocks.length > 0 || status !== state.status || !sameInstant(closedAt, state.closedAt),
  };
}

/**
 * Decides what the current progress means for a challenge at `now`: which
 * tiers unlock, its status and whether it closed (API.md, "Lifecycle").
 *
 * - A draft never changes.
 * - Open or succeeded: every reached tier not yet unlocked unlocks, lowest
 *   rank first; the first unlock makes the challenge `succeeded`. An unlock
 *   stays even when progress later drops.
 * - When the deadline has passed and the challenge is not closed yet, it
 *   closes at the deadline, not at `now`: the worker may run late, and
 *   pledges were refused from the deadline on. Tiers reached by then unlock
 *   first, stamped with the deadline so no unlock postdates the close; then
 *   the challenge is `succeeded` if any tier is unlocked, else `failed`.
 * - Once closed, or `fulfilled`/`failed`, nothing unlocks any more.
 *
 * Safe to run any number of times: feeding the result back in and
 * evaluating again with the same progress changes nothing.
 *
 * @example
 * const e = evaluateChallenge(state, { participants: 200, quantity: 0, co2eKg: 0 }, now);
 * // e.unlocks = [{ tierId: 't0', unlockedAt: now }], e.status = 'succeeded'
 */
export function evaluateChallenge(
  state: ChallengeState,
  progress: Progress,
  now: Date,
): Evaluation {
  if (state.status === 'draft') {
    return { unlocks: [], status: 'draft', closedAt: state.closedAt, changed: false };
  }
  const pastDeadline =
    state.closedAt === null && state.deadline !== null && now.getTime() >= state.deadline.getTime();
  if (pastDeadline && state.deadline !== null) {
    return decide(state, progress, state.deadline, true);
  }
  return decide(state, progress, now, false);
}

/**
 * The state after an evaluation, for callers (and tests) that keep state in
 * memory: unlocks are added, never replaced, so an unlock keeps its first
 * time even if an evaluation were to report it again.
 */
export function applyEvaluation(state: ChallengeState, evaluation: Evaluation): ChallengeState {
  const unlocked: Record<string, Date> = { ...state.unlocked };
  for (const { tierId, unlockedAt } of evaluation.unlocks) {
    if (!Object.hasOwn(unlocked, tierId)) unlocked[tierId] = unlockedAt;
  }
  return { ...state, unlocked, status: evaluation.status, closedAt: evaluation.closedAt };
}

/**
 * The status a draft takes when an organizer opens it. Throws
 * `TANDEM_CHALLENGE_NOT_DRAFT` for anything but a draft, so opening twice is a
 * 409 rather than a silent reset.
 */
export function openChallenge(state: ChallengeState): ChallengeStatus {
  if (state.status !== 'draft') {
    throw new TandemError(
      'TANDEM_CHALLENGE_NOT_DRAFT',
      `challenge is ${state.status}, only a draft can be opened`,
    );
  }
  return 'open';
}

/**
 * A manual close by the organizer at `now`: tiers reached now unlock first,
 * then the challenge closes (`succeeded` if any tier is unlocked, else
 * `failed`). If the deadline has already passed but no evaluation has
 * recorded it yet, the challenge closed at the deadline, and that is what
 * is returned rather than a later time.
 *
 * Throws `TANDEM_CHALLENGE_NOT_OPEN` for a draft (open it, or delete it) and
 * `TANDEM_CHALLENGE_CLOSED` for a challenge already closed.
 */
export function closeChallenge(state: ChallengeState, progress: Progress, now: Date): Evaluation {
  if (state.status === 'draft') {
    throw new TandemError(
      'TANDEM_CHALLENGE_NOT_OPEN',
      'challenge is draft, only an open challenge can be closed',
    );
  }
  if (state.closedAt !== null) {
    throw new TandemError(
      'TANDEM_CHALLENGE_CLOSED',
      `challenge already closed at ${state.closedAt.toISOString()}`,
    );
  }
  const moment =
    state.deadline !== null && state.deadline.getTime() <= now.getTime() ? state.deadline : now;
  return decide(state, progress, moment, true);
}

/**
 * Whether the challenge takes pledges at `now`: only when it is open or
 * succeeded, not closed, and before its deadline (the deadline itself is
 * already too late). A deadline that has passed refuses pledges even before
 * an evaluation has recorded the close.
 *
 * @example acceptsPledges(draft, now) // { ok: false, reason: 'the challenge is a draft' }
 */
export function acceptsPledges(state: ChallengeState, now: Date): PledgeAcceptance {
  if (state.status === 'draft') {
    return { ok: false, reason: 'the challenge is a draft', code: 'TANDEM_CHALLENGE_NOT_OPEN' };
  }
  if (state.closedAt !== null) {
    const reason = `the challenge closed at ${state.closedAt.toISOString()}`;
    return { ok: false, reason, code: 'TANDEM_CHALLENGE_CLOSED' };
  }
  if (state.deadline !== null && now.getTime() >= state.deadline.getTime()) {
    const reason = `the challenge closed at ${state.deadline.toISOString()}`;
    return { ok: false, reason, code: 'TANDEM_CHALLENGE_CLOSED' };
  }
  if (state.status === 'failed') {
    return { ok: false, reason: 'the challenge failed', code: 'TANDEM_CHALLENGE_FAILED' };
  }
  if (state.status === 'fulfilled') {
    const reason = 'the challenge is fulfilled: every counterpart was delivered';
    return { ok: false, reason, code: 'TANDEM_CHALLENGE_FULFILLED' };
  }
  return { ok: true };
}

/**
 * Records that the sponsor delivered an unlocked tier's counterpart. Marking
 * the same tier twice is harmless (the list does not grow). The challenge
 * becomes `fulfilled` once every unlocked tier is fulfilled and no further
 * tier can unlock: it is closed, or every tier is unlocked. Otherwise the
 * status is unchanged.
 *
 * Throws `TANDEM_TIER_NOT_UNLOCKED` if the tier is not unlocked
 * (`TANDEM_TIER_UNKNOWN` if it is not a tier of this challenge): a sponsor cannot deliver what is not owed yet.
 */
export function fulfillTier(
  state: ChallengeState,
  tierId: string,
): { fulfilled: string[]; status: ChallengeStatus } {
  if (!state.tiers.some((tier) => tier.id === tierId)) {
    throw new TandemError('TANDEM_TIER_UNKNOWN', `challenge has no tier "${tierId}"`);
  }
  if (!Object.hasOwn(state.unlocked, tierId)) {
    throw new TandemError(
      'TANDEM_TIER_NOT_UNLOCKED',
      `tier "${tierId}" is not unlocked, so its counterpart cannot be fulfilled yet`,
    );
  }
  const fulfilled = state.fulfilled.includes(tierId)
    ? [...state.fulfilled]
    : [...state.fulfilled, tierId];
  const done = new Set(fulfilled);
  const unlockedTiers = state.tiers.filter((tier) => Object.hasOwn(state.unlocked, tier.id));
  const everyUnlockedFulfilled = unlockedTiers.every((tier) => done.has(tier.id));
  const nothingMoreToUnlock =
    state.closedAt !== null || unlockedTiers.length === state.tiers.length;
  const status = everyUnlockedFulfilled && nothingMoreToUnlock ? 'fulfilled' : state.status;
  return { fulfilled, status };
}
