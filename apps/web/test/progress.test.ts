import { describe, expect, it } from 'vitest';
import {
  goalRatio,
  goalTier,
  measures,
  parseCounterpart,
  parseGoal,
  parseTiers,
  sharePerPerson,
  tenPercentStep,
  timeLeft,
} from '../src/lib/challenge/progress.js';

const progress = { participants: 50, quantity: 300, co2eKg: 0 };

describe("a challenge's goals and tiers as the page shows them", () => {
  it('reads goals and counterparts from open objects, refusing unknown shapes', () => {
    expect(parseGoal({ participants: 200 })).toEqual({
      participants: 200,
      quantity: null,
      match: 'all',
    });
    expect(parseGoal('nonsense')).toEqual({ participants: null, quantity: null, match: 'all' });
    expect(parseGoal({ participants: -3, quantity: 500, match: 'any' })).toEqual({
      participants: null,
      quantity: 500,
      match: 'any',
    });
    expect(
      parseCounterpart({
        kind: 'donation',
        amount: { value: 5000, currency: 'EUR' },
        beneficiaryId: 'ben_1',
      }),
    ).toEqual({
      kind: 'donation',
      amount: { value: 5000, currency: 'EUR' },
      beneficiaryId: 'ben_1',
    });
    expect(parseCounterpart({ kind: 'donation', amount: 5000 })).toBeNull();
    expect(parseCounterpart({ kind: 'teleport' })).toBeNull();
  });

  it('measures each goal in its own unit; "all" waits for the slowest, "any" takes the fastest', () => {
    const both = parseGoal({ participants: 100, quantity: 1000 });
    expect(measures(both, progress).map((m) => [m.measure, m.ratio])).toEqual([
      ['participants', 0.5],
      ['quantity', 0.3],
    ]);
    expect(goalRatio(both, progress)).toBe(0.3);
    expect(goalRatio({ ...both, match: 'any' }, progress)).toBe(0.5);
    expect(goalRatio(parseGoal({ participants: 10 }), progress)).toBe(1);
    expect(goalRatio(parseGoal({}), progress)).toBe(0);
  });

  it('shows the lowest tier not reached, then the last once all are', () => {
    const tiers = parseTiers([
      { id: 't2', rank: 1, goal: { participants: 400 }, unlockedAt: null },
      { id: 't1', rank: 0, goal: { participants: 200 }, unlockedAt: '2026-12-04T10:00:00Z' },
    ]);
    expect(tiers.map((t) => t.id)).toEqual(['t1', 't2']);
    expect(goalTier(tiers)?.id).toBe('t2');
    expect(goalTier(tiers.map((t) => ({ ...t, unlockedAt: 'x' })))?.id).toBe('t2');
    expect(goalTier([])).toBeNull();
  });

  it('announces in steps of 10 %, and splits a donation by its people goal', () => {
    expect([0, 0.09, 0.1, 0.599, 1, 1.7].map(tenPercentStep)).toEqual([0, 0, 10, 50, 100, 100]);
    const [tier] = parseTiers([
      {
        id: 't1',
        goal: { participants: 200 },
        counterpart: { kind: 'donation', amount: { value: 5000, currency: 'EUR' } },
      },
    ]);
    expect(tier && sharePerPerson(tier)).toEqual({ value: 25, currency: 'EUR' });
  });

  it('says the time left in days, hours or minutes, and nothing once past', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    expect(timeLeft('2026-12-14T12:00:00Z', now)).toEqual({ value: 10, unit: 'day' });
    expect(timeLeft('2026-12-05T02:30:00Z', now)).toEqual({ value: 14, unit: 'hour' });
    expect(timeLeft('2026-12-04T12:20:00Z', now)).toEqual({ value: 20, unit: 'minute' });
    expect(timeLeft('2026-12-04T11:00:00Z', now)).toBeNull();
    expect(timeLeft(null, now)).toBeNull();
  });
});
