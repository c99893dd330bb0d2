import { describe, it, expect } from 'vitest';
import { reachedTiers, sortTiers, validateTiers } from './tiers.js';
import type { Goal, Tier } from './types.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

const tier = (id: string, rank: number, goal: Partial<Goal>): Tier => ({
  id,
  rank,
  goal: { match: 'all', ...goal },
  counterpart: { kind: 'donation', amount: { value: 1000, currency: 'EUR' }, beneficiaryId: 'b1' },
});

const ladder = [
  tier('t0', 0, { participants: 100 }),
  tier('t1', 1, { participants: 200 }),
  tier('t2', 2, { participants: 500 }),
];

describe('validateTiers', () => {
  it('given a rising ladder, when validated, then it passes', () => {
    expect(() => validateTiers(ladder)).not.toThrow();
  });

  it('given the ladder listed out of order, when validated, then ranks decide, not positions', () => {
    const [a, b, c] = ladder as [Tier, Tier, Tier];
    expect(() => validateTiers([c, a, b])).not.toThrow();
  });

  it('given two co-sponsors at the same threshold, when validated, then equal targets pass', () => {
    expect(() =>
      validateTiers([tier('a', 0, { participants: 200 }), tier('b', 1, { participants: 200 })]),
    ).not.toThrow();
  });

  it('given no tier, when validated, then names tiers', () => {
    expect(() => validateTiers([])).toThrow(invalidAt('tiers'));
  });

  it('given ranks that are not 0..n-1, when validated, then names the rank', () => {
    expect(() =>
      validateTiers([tier('a', 0, { participants: 1 }), tier('b', 2, { participants: 2 })]),
    ).toThrow(invalidAt('tiers/1/rank'));
    expect(() =>
      validateTiers([tier('a', 0, { participants: 1 }), tier('b', 0, { participants: 2 })]),
    ).toThrow(invalidAt('tiers/1/rank'));
  });

  it('given a higher tier whose target is below the lower one, when validated, then names its goal', () => {
    expect(() =>
      validateTiers([tier('a', 0, { participants: 200 }), tier('b', 1, { participants: 150 })]),
    ).toThrow(invalidAt('tiers/1/goal'));
    expect(() =>
      validateTiers([
        tier('a', 1, { participants: 300, quantity: 100 }),
        tier('b', 0, { participants: 200, quantity: 200 }),
      ]),
    ).toThrow(invalidAt('tiers/0/goal'));
  });

  it('given tiers with other kinds of targets or another match, when validated, then names the higher goal', () => {
    expect(() =>
      validateTiers([tier('a', 0, { participants: 200 }), tier('b', 1, { quantity: 500 })]),
    ).toThrow(invalidAt('tiers/1/goal'));
    expect(() =>
      validateTiers([
        tier('a', 0, { participants: 200, quantity: 500 }),
        tier('b', 1, { participants: 400, quantity: 900, match: 'any' }),
      ]),
    ).toThrow(invalidAt('tiers/1/goal'));
  });

  it('given an invalid goal or counterpart inside a tier, when validated, then the path points into it', () => {
    expect(() => validateTiers([tier('a', 0, { participants: -1 })])).toThrow(
      invalidAt('tiers/0/goal/participants'),
    );
    expect(() =>
      validateTiers([
        { ...tier('a', 0, { participants: 1 }), counterpart: { kind: 'act', description: '' } },
      ]),
    ).toThrow(invalidAt('tiers/0/counterpart/description'));
  });

  it('given duplicate or empty ids, when validated, then names the id', () => {
    expect(() =>
      validateTiers([tier('a', 0, { participants: 1 }), tier('a', 1, { participants: 2 })]),
    ).toThrow(invalidAt('tiers/1/id'));
    expect(() => validateTiers([tier('', 0, { participants: 1 })])).toThrow(
      invalidAt('tiers/0/id'),
    );
  });
});

describe('reachedTiers', () => {
  const progress = (participants: number) => ({ participants, quantity: 0, co2eKg: 0 });

  it('given progress between two tiers, when asked, then only the lower ones, ascending', () => {
    const [a, b, c] = ladder as [Tier, Tier, Tier];
    expect(reachedTiers([c, b, a], progress(250)).map((t) => t.id)).toEqual(['t0', 't1']);
  });

  it('given progress below the first tier, when asked, then none', () => {
    expect(reachedTiers(ladder, progress(99))).toEqual([]);
  });

  it('given progress beyond the top, when asked, then all of them', () => {
    expect(reachedTiers(ladder, progress(10_000)).map((t) => t.id)).toEqual(['t0', 't1', 't2']);
  });
});

describe('sortTiers', () => {
  it('given tiers out of order, when sorted, then the input array is left alone', () => {
    const input = [ladder[2] as Tier, ladder[0] as Tier];
    expect(sortTiers(input).map((t) => t.rank)).toEqual([0, 2]);
    expect(input.map((t) => t.rank)).toEqual([2, 0]);
  });
});
