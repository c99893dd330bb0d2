import { describe, expect, it } from 'vitest';
import {
  COMMUTE_FACTORS,
  EMISSION_FACTORS,
  FACTOR_SOURCE,
  FACTOR_SOURCE_LABEL,
} from './factors.js';
import { avoidedCo2e, factorOf, totalKm } from './impact.js';
import { MODE_GROUPS, MODES, PREVIOUS_MODES } from './modes.js';

const CAR = 0.2176;

describe('the factor table', () => {
  it('holds the ADEME figures per passenger-km of one release, frozen', () => {
    expect(EMISSION_FACTORS).toEqual({
      car: 0.2176,
      bus: 0.1132,
      metro: 0.00444,
      tram: 0.00428,
      rer: 0.00978,
      'train-ter': 0.02769,
      'train-tgv': 0.00293,
      coach: 0.0294,
      'e-bike': 0.01095,
      'e-scooter': 0.0249,
      bike: 0,
      walking: 0,
    });
    expect(Object.isFrozen(EMISSION_FACTORS)).toBe(true);
    expect(Object.isFrozen(FACTOR_SOURCE)).toBe(true);
    expect(FACTOR_SOURCE_LABEL).toContain('ADEME');
    expect(FACTOR_SOURCE_LABEL).toContain(String(FACTOR_SOURCE.year));
  });

  it('declares every factor with its dataset entry, one release for the whole table, and what it covers', () => {
    expect(COMMUTE_FACTORS.map((factor) => factor.key).sort()).toEqual(
      Object.keys(EMISSION_FACTORS).sort(),
    );
    for (const factor of COMMUTE_FACTORS) {
      expect(factor.value, factor.key).toBe(
        EMISSION_FACTORS[factor.key as keyof typeof EMISSION_FACTORS],
      );
      expect(factor.versionDate, factor.key).toBe(FACTOR_SOURCE.versionDate);
      expect(factor.datasetId, factor.key).toMatch(/^Impact CO2 transport/);
      // The source excludes infrastructure; the note says so, never the opposite.
      expect(factor.note, factor.key).toMatch(
        /infrastructure \(roads, rails, stations\) is excluded/,
      );
    }
    const car = COMMUTE_FACTORS.find((factor) => factor.key === 'car');
    expect(car?.note).toMatch(/fuel 0\.192 \+ vehicle construction 0\.0256/);
    expect(car?.note).toMatch(/one occupant/);
  });

  it('has a factor for every mode, none above driving alone', () => {
    // A mode above the car would make "avoided" CO2e negative.
    for (const mode of PREVIOUS_MODES) {
      const factor = factorOf(mode, mode === 'carpool' ? 2 : undefined);
      expect(factor, mode).toBeGreaterThanOrEqual(0);
      expect(factor, mode).toBeLessThanOrEqual(CAR);
    }
  });

  it('shares the car among carpool occupants and refuses a carpool of one', () => {
    expect(factorOf('carpool', 2)).toBeCloseTo(CAR / 2, 12);
    expect(factorOf('carpool', 4)).toBeCloseTo(CAR / 4, 12);
    expect(() => factorOf('carpool')).toThrow(RangeError);
    expect(() => factorOf('carpool', 1)).toThrow(RangeError);
  });

  it('groups every mode into exactly one of the five Humanis challenges', () => {
    const grouped = Object.values(MODE_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...MODES].sort());
  });
});

describe('avoidedCo2e', () => {
  it('counts km × car factor for a bike that replaced the car', () => {
    const impact = avoidedCo2e([{ mode: 'bike', km: 12 }], 'car');
    expect(impact.co2eKg).toBeCloseTo(12 * CAR, 10);
    expect(impact.factors).toEqual({ car: CAR, bike: 0 });
    expect(impact.source).toBe(FACTOR_SOURCE_LABEL);
    expect(impact.cites).toEqual(['car', 'bike']);
  });

  it('counts km × (car − car ÷ occupants) for a carpool', () => {
    const impact = avoidedCo2e([{ mode: 'carpool', km: 30, occupants: 3 }], 'car');
    expect(impact.co2eKg).toBeCloseTo(30 * (CAR - CAR / 3), 10);
    expect(impact.factors?.['carpool/3']).toBeCloseTo(CAR / 3, 12);
    // A carpool rests on the car's factor: that is the version it cites.
    expect(impact.cites).toEqual(['car']);
  });

  it('sums a day of mixed trips, each at its own factor', () => {
    const impact = avoidedCo2e(
      [
        { mode: 'walking', km: 1.5 },
        { mode: 'rer', km: 22 },
        { mode: 'metro', km: 4 },
      ],
      'car',
    );
    expect(impact.co2eKg).toBeCloseTo(1.5 * CAR + 22 * (CAR - 0.00978) + 4 * (CAR - 0.00444), 10);
    expect(Object.keys(impact.factors ?? {}).sort()).toEqual(['car', 'metro', 'rer', 'walking']);
  });

  it('claims nothing without a previous mode', () => {
    expect(avoidedCo2e([{ mode: 'bike', km: 12 }], undefined)).toMatchObject({
      co2eKg: 0,
      factors: {},
    });
  });

  it('claims nothing when the previous mode was not the car alone', () => {
    // Leaving the bus for the bike takes no bus off the road (README, counterfactual).
    for (const previous of ['bus', 'carpool', 'train-ter', 'bike'] as const) {
      expect(avoidedCo2e([{ mode: 'bike', km: 12 }], previous).co2eKg, previous).toBe(0);
    }
  });

  it('sums km of every mode for the quantity', () => {
    expect(
      totalKm([
        { mode: 'bike', km: 12 },
        { mode: 'carpool', km: 30, occupants: 2 },
        { mode: 'walking', km: 0.8 },
      ]),
    ).toBeCloseTo(42.8, 10);
  });
});
