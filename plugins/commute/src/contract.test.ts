import { describeActionTypeContract } from '@tandem/core/testing';
import fc from 'fast-check';
import { expect } from 'vitest';
import { commute, MODES, type CommuteSettings, type Mode } from './index.js';
import { dailyLimit } from './limits.js';

/**
 * Core's contract for action types, on commute: figures finite and ≥ 0,
 * factors as declared (a carpool's is the car's shared by its occupants),
 * the daily caps per person and per mode, wrong fields named — and the
 * 1,500 km a day through the engine.
 */

// Mostly plausible days, some absurd ones: both sides of every cap get tried.
const km = fc.oneof(
  fc.integer({ min: 1, max: 60 }),
  fc.double({ min: 0.1, max: 1500, noNaN: true }),
);
const trip = fc.oneof(
  fc.record({ mode: fc.constant('carpool'), km, occupants: fc.integer({ min: 2, max: 9 }) }),
  fc.record({ mode: fc.constantFrom(...MODES.filter((mode) => mode !== 'carpool')), km }),
);
const day = (dates: string[]) =>
  fc.record({
    date: fc.constantFrom(...dates),
    trips: fc.array(trip, { minLength: 1, maxLength: 3 }),
  });

describeActionTypeContract(commute, {
  contribution: () => day(['2026-03-02', '2026-03-03']),
  factorValue: (name, declared) => {
    const carpool = /^carpool\/(\d+)$/.exec(name);
    const car = declared.get('car')?.value;
    return carpool && car !== undefined ? car / Number(carpool[1]) : declared.get(name)?.value;
  },
  perPersonDay: (accepted, settings) => {
    const km = new Map<Mode, number>();
    for (const { details } of accepted) {
      for (const one of details['trips'] as { mode: Mode; km: number }[]) {
        km.set(one.mode, (km.get(one.mode) ?? 0) + one.km);
      }
    }
    for (const [mode, total] of km) {
      expect(total, mode).toBeLessThanOrEqual(dailyLimit(mode, settings as CommuteSettings));
    }
  },
  engine: {
    settings: {},
    contribution: day(['2026-03-02', '2026-03-03']),
  },
});
