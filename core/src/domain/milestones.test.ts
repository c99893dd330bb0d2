import { describe, expect, it } from 'vitest';
import type { Goal } from './types.js';
import { reachedMilestones } from './milestones.js';

const people = (participants: number): Goal => ({ participants, match: 'all' });
const progress = (participants: number, quantity = 0) => ({ participants, quantity, co2eKg: 0 });

describe('reachedMilestones', () => {
  it('given 120 of 200 people, then 25 and 50 % are reached', () => {
    expect(reachedMilestones([{ id: 't0', goal: people(200) }], progress(120))).toEqual([
      { tierId: 't0', percent: 25 },
      { tierId: 't0', percent: 50 },
    ]);
  });

  it('given a jump from nothing to the goal, then every milestone of the tier is reached', () => {
    expect(
      reachedMilestones([{ id: 't0', goal: people(4) }], progress(4)).map((m) => m.percent),
    ).toEqual([25, 50, 75, 100]);
  });

  it('given 0.3 of 1.2 kg, then 25 % is reached despite binary fractions', () => {
    const goal: Goal = { quantity: 1.2, match: 'all' };
    expect(reachedMilestones([{ id: 't0', goal }], progress(0, 0.3))).toEqual([
      { tierId: 't0', percent: 25 },
    ]);
  });

  it('given a goal with both targets (all), then the slower one sets the milestones', () => {
    const goal: Goal = { participants: 10, quantity: 100, match: 'all' };
    expect(reachedMilestones([{ id: 't0', goal }], progress(10, 30)).map((m) => m.percent)).toEqual(
      [25],
    );
  });

  it('given two tiers, then each has its own milestones', () => {
    const tiers = [
      { id: 'low', goal: people(4) },
      { id: 'high', goal: people(8) },
    ];
    expect(reachedMilestones(tiers, progress(4))).toEqual([
      { tierId: 'low', percent: 25 },
      { tierId: 'low', percent: 50 },
      { tierId: 'low', percent: 75 },
      { tierId: 'low', percent: 100 },
      { tierId: 'high', percent: 25 },
      { tierId: 'high', percent: 50 },
    ]);
  });

  it('given progress below zero, then nothing is reached', () => {
    expect(reachedMilestones([{ id: 't0', goal: people(4) }], progress(-3))).toEqual([]);
  });
});
