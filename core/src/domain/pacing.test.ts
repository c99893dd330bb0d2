import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { challengeForecast, forecastPacing, isLagging, NUDGE_AFTER_ELAPSED } from './pacing.js';
import type { Goal, Progress } from './types.js';

const DAY = 24 * 60 * 60 * 1000;
const openedAt = new Date('2026-03-01T00:00:00Z');
const deadline = new Date(openedAt.getTime() + 30 * DAY);
const at = (days: number) => new Date(openedAt.getTime() + days * DAY);
const progress = (participants: number, quantity = 0): Progress => ({
  participants,
  quantity,
  co2eKg: 0,
});
const people = (n: number): Goal => ({ participants: n, match: 'all' });
const one = (goal: Goal) => [{ id: 't0', goal }];

describe('forecastPacing', () => {
  it('given 50 people after a third of the time, when forecast, then 150 are expected: off track for 200', () => {
    const forecast = forecastPacing({
      tiers: one(people(200)),
      progress: progress(50),
      openedAt,
      deadline,
      now: at(10),
    });
    expect(forecast).toEqual({
      tierId: 't0',
      expectedAtDeadline: { participants: 150, quantity: 0 },
      ratio: 0.75,
      onTrack: false,
      elapsed: 0.3333,
      method: 'linear-since-opening',
    });
  });

  it('given half the goal at half the time, when forecast, then exactly on track', () => {
    const forecast = forecastPacing({
      tiers: one(people(200)),
      progress: progress(100),
      openedAt,
      deadline,
      now: at(15),
    });
    expect(forecast?.expectedAtDeadline.participants).toBe(200);
    expect(forecast?.onTrack).toBe(true);
    expect(forecast?.ratio).toBe(1);
  });

  it('given a pace that projects to 199.0 people, when forecast, then 199 is off track for 200', () => {
    // 20 people at 10.05 days of 100 days projects to 199.004; whole people only.
    const forecast = forecastPacing({
      tiers: one(people(200)),
      progress: progress(20),
      openedAt,
      deadline: at(100),
      now: at(10.05),
    });
    expect(forecast?.expectedAtDeadline.participants).toBe(199);
    expect(forecast?.onTrack).toBe(false);
  });

  it('given a quantity goal, when forecast, then the quantity is projected in the unit', () => {
    const forecast = forecastPacing({
      tiers: one({ quantity: 500, match: 'all' }),
      progress: progress(3, 100),
      openedAt,
      deadline,
      now: at(7.5),
    });
    expect(forecast?.expectedAtDeadline).toEqual({ participants: 12, quantity: 400 });
    expect(forecast?.ratio).toBe(0.8);
    expect(forecast?.onTrack).toBe(false);
  });

  it('given the first tier already reached, when forecast, then it aims at the next tier', () => {
    const tiers = [
      { id: 'low', goal: people(10) },
      { id: 'high', goal: people(100) },
    ];
    const forecast = forecastPacing({
      tiers,
      progress: progress(20),
      openedAt,
      deadline,
      now: at(15),
    });
    expect(forecast?.tierId).toBe('high');
    expect(forecast?.expectedAtDeadline.participants).toBe(40);
    expect(forecast?.onTrack).toBe(false);
  });

  it('given every tier reached, when forecast, then it aims at the highest and is on track', () => {
    const tiers = [
      { id: 'low', goal: people(10) },
      { id: 'high', goal: people(20) },
    ];
    const forecast = forecastPacing({
      tiers,
      progress: progress(25),
      openedAt,
      deadline,
      now: at(29),
    });
    expect(forecast?.tierId).toBe('high');
    expect(forecast?.onTrack).toBe(true);
  });

  it('given no time elapsed yet, when forecast, then the expectation is the current progress', () => {
    const forecast = forecastPacing({
      tiers: one(people(200)),
      progress: progress(3),
      openedAt,
      deadline,
      now: openedAt,
    });
    expect(forecast?.expectedAtDeadline.participants).toBe(3);
    expect(forecast?.elapsed).toBe(0);
  });

  it('given the deadline passed, when forecast, then the expectation is the current progress', () => {
    const forecast = forecastPacing({
      tiers: one(people(200)),
      progress: progress(120),
      openedAt,
      deadline,
      now: at(45),
    });
    expect(forecast?.expectedAtDeadline.participants).toBe(120);
    expect(forecast?.elapsed).toBe(1);
  });

  it('given negative progress (a correction), when forecast, then it counts as nothing done', () => {
    const forecast = forecastPacing({
      tiers: one(people(200)),
      progress: progress(-4, -2),
      openedAt,
      deadline,
      now: at(10),
    });
    expect(forecast?.expectedAtDeadline).toEqual({ participants: 0, quantity: 0 });
    expect(forecast?.ratio).toBe(0);
  });

  it('given no tiers, when forecast, then null', () => {
    expect(
      forecastPacing({ tiers: [], progress: progress(1), openedAt, deadline, now: at(3) }),
    ).toBeNull();
  });

  it('for all paces, the expectation never falls below the current progress, and more progress never forecasts less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 40, noNaN: true }),
        (participants, more, days) => {
          const input = {
            tiers: one(people(5000)),
            openedAt,
            deadline,
            now: at(days),
          };
          const a = forecastPacing({ ...input, progress: progress(participants) });
          const b = forecastPacing({ ...input, progress: progress(participants + more) });
          expect(a?.expectedAtDeadline.participants).toBeGreaterThanOrEqual(participants);
          expect(b?.expectedAtDeadline.participants).toBeGreaterThanOrEqual(
            a?.expectedAtDeadline.participants ?? Infinity,
          );
          expect(a?.elapsed).toBeGreaterThanOrEqual(0);
          expect(a?.elapsed).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('isLagging', () => {
  it('given an off-track forecast past a quarter of the time, then it lags', () => {
    expect(isLagging({ onTrack: false, elapsed: 0.4 })).toBe(true);
  });

  it('given an off-track forecast too early to trust, then it does not lag yet', () => {
    expect(isLagging({ onTrack: false, elapsed: NUDGE_AFTER_ELAPSED - 0.01 })).toBe(false);
  });

  it('given an on-track forecast, or a challenge at its deadline, then it does not lag', () => {
    expect(isLagging({ onTrack: true, elapsed: 0.9 })).toBe(false);
    expect(isLagging({ onTrack: false, elapsed: 1 })).toBe(false);
  });
});

describe('challengeForecast', () => {
  const open = {
    status: 'open',
    tiers: one(people(200)),
    openedAt,
    deadline,
    closedAt: null,
  };

  it('given an open challenge with a deadline, then it forecasts', () => {
    expect(challengeForecast(open, progress(50), at(10))?.expectedAtDeadline.participants).toBe(
      150,
    );
  });

  it('given a succeeded challenge still open to pledges, then it forecasts the next tier', () => {
    const forecast = challengeForecast(
      { ...open, status: 'succeeded', tiers: [...one(people(10)), { id: 't1', goal: people(90) }] },
      progress(30),
      at(15),
    );
    expect(forecast?.tierId).toBe('t1');
  });

  it.each([
    ['no deadline', { deadline: null }, at(10)],
    ['a draft', { status: 'draft', openedAt: null }, at(10)],
    ['a closed challenge', { status: 'failed', closedAt: at(20) }, at(25)],
    ['a deadline passed but not yet recorded', {}, at(31)],
  ])('given %s, then null', (_what, change, now) => {
    expect(challengeForecast({ ...open, ...change }, progress(50), now)).toBeNull();
  });
});
