import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { goalRatio, isGoalReached, normalizeGoal } from './goals.js';
import type { Goal, Progress } from './types.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

const progress = (participants: number, quantity = 0): Progress => ({
  participants,
  quantity,
  co2eKg: 0,
});

describe('normalizeGoal', () => {
  it('given only participants, when normalized, then match defaults to all and quantity stays absent', () => {
    const goal = normalizeGoal({ participants: 200 });
    expect(goal).toEqual({ participants: 200, match: 'all' });
    expect('quantity' in goal).toBe(false);
  });

  it('given both targets and match any, when normalized, then keeps them', () => {
    expect(normalizeGoal({ participants: 50, quantity: 500, match: 'any' })).toEqual({
      participants: 50,
      quantity: 500,
      match: 'any',
    });
  });

  it('given neither target, when normalized, then the message names the path', () => {
    expect(() => normalizeGoal({})).toThrow(invalidAt('goal'));
    expect(() => normalizeGoal({})).toThrow(/^goal: needs participants or quantity$/);
    expect(() => normalizeGoal({ match: 'any' }, 'tiers/1/goal')).toThrow(
      invalidAt('tiers/1/goal'),
    );
  });

  it('given participants that are not a positive integer, when normalized, then names goal/participants', () => {
    for (const participants of [0, -3, 2.5, Number.NaN, Infinity]) {
      expect(() => normalizeGoal({ participants })).toThrow(invalidAt('goal/participants'));
    }
  });

  it('given a quantity that is not above zero and finite, when normalized, then names goal/quantity', () => {
    for (const quantity of [0, -1, Number.NaN, Infinity]) {
      expect(() => normalizeGoal({ quantity })).toThrow(invalidAt('goal/quantity'));
    }
  });

  it('given a fractional quantity (kg), when normalized, then accepts it', () => {
    expect(normalizeGoal({ quantity: 499.5 })).toEqual({ quantity: 499.5, match: 'all' });
  });

  it('given an unknown match, when normalized, then names goal/match', () => {
    expect(() => normalizeGoal({ participants: 1, match: 'most' as 'all' })).toThrow(
      invalidAt('goal/match'),
    );
  });
});

describe('isGoalReached', () => {
  const clichy: Goal = { participants: 200, match: 'all' };
  const coffee: Goal = { participants: 100, quantity: 500, match: 'all' };

  it('given 199 then 200 participants, when checked, then only 200 reaches a 200 goal', () => {
    expect(isGoalReached(clichy, progress(199))).toBe(false);
    expect(isGoalReached(clichy, progress(200))).toBe(true);
    expect(isGoalReached(clichy, progress(201))).toBe(true);
  });

  it('given match all, when only one target is met, then it is not reached', () => {
    // Bourg-la-Reine: about a tonne collected, too few people.
    expect(isGoalReached(coffee, progress(40, 1000))).toBe(false);
    expect(isGoalReached(coffee, progress(100, 499.9))).toBe(false);
    expect(isGoalReached(coffee, progress(100, 500))).toBe(true);
  });

  it('given match any, when one target is met, then it is reached', () => {
    const any: Goal = { ...coffee, match: 'any' };
    expect(isGoalReached(any, progress(40, 1000))).toBe(true);
    expect(isGoalReached(any, progress(100, 0))).toBe(true);
    expect(isGoalReached(any, progress(99, 499))).toBe(false);
  });

  it('given a quantity-only goal, when participants are many, then quantity alone decides', () => {
    const kg: Goal = { quantity: 500, match: 'all' };
    expect(isGoalReached(kg, progress(10_000, 10))).toBe(false);
    expect(isGoalReached(kg, progress(1, 500))).toBe(true);
  });

  it('given a goal with no target, when checked, then it is never reached', () => {
    expect(isGoalReached({ match: 'all' }, progress(1_000_000, 1_000_000))).toBe(false);
    expect(isGoalReached({ match: 'any' }, progress(1_000_000, 1_000_000))).toBe(false);
  });
});

describe('goalRatio', () => {
  it('given match all, when one target lags, then the ratio is the slowest one', () => {
    expect(goalRatio({ participants: 200, quantity: 500, match: 'all' }, progress(100, 500))).toBe(
      0.5,
    );
  });

  it('given match any, when one target leads, then the ratio is the fastest one', () => {
    expect(goalRatio({ participants: 200, quantity: 500, match: 'any' }, progress(100, 1000))).toBe(
      2,
    );
  });

  it('given no progress or negative progress, when measured, then the ratio is 0', () => {
    expect(goalRatio({ participants: 200, match: 'all' }, progress(0))).toBe(0);
    expect(goalRatio({ quantity: 5, match: 'all' }, progress(0, -3))).toBe(0);
  });

  const goals: fc.Arbitrary<Goal> = fc
    .record({
      participants: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
      quantity: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
      match: fc.constantFrom('all' as const, 'any' as const),
    })
    .filter((g) => g.participants !== undefined || g.quantity !== undefined)
    .map((g) => normalizeGoal(g));
  const progresses = fc.record({
    participants: fc.integer({ min: 0, max: 2_000_000 }),
    quantity: fc.integer({ min: 0, max: 2_000_000 }),
    co2eKg: fc.constant(0),
  });

  it('reaches 1 exactly when the goal is reached', () => {
    fc.assert(
      fc.property(goals, progresses, (goal, p) => {
        expect(goalRatio(goal, p) >= 1).toBe(isGoalReached(goal, p));
      }),
    );
  });

  it('never falls when progress grows', () => {
    fc.assert(
      fc.property(goals, progresses, progresses, (goal, a, b) => {
        const more = {
          participants: a.participants + b.participants,
          quantity: a.quantity + b.quantity,
          co2eKg: 0,
        };
        expect(goalRatio(goal, more)).toBeGreaterThanOrEqual(goalRatio(goal, a));
        if (isGoalReached(goal, a)) expect(isGoalReached(goal, more)).toBe(true);
      }),
    );
  });
});
