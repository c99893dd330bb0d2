import { describe, expect, it } from 'vitest';
import { ECO_DRIVING_DEFAULTS, ECO_DRIVING_FACTORS } from './factors.js';
import { assumptionsOf, checkCompletion, estimatedSaving } from './impact.js';
import { ecoDriving } from './index.js';

/** The estimate and the completion checks, without a database. */

const COURSE = 'https://lms.example/courses/eco-driving';

describe('estimatedSaving', () => {
  it('is km a year × the car’s fuel emissions per km × 15 % with the defaults: 345.6 kg', () => {
    const result = estimatedSaving({ courseId: COURSE });
    // The saving applies to the fuel share (0.192), not to the 0.2176 that
    // includes building the car.
    expect(result.co2eKg).toBeCloseTo(12_000 * 0.192 * 0.15, 6);
    expect(result.co2eKg).toBe(345.6);
    expect(result.factors).toEqual({
      annualKmPerDriver: 12_000,
      carFactorKgPerKm: 0.192,
      savingShare: 0.15,
    });
    expect(result.source).toMatch(/ADEME/);
    expect(result.source).toMatch(/one year/);
    expect(result.source).toMatch(/fuel share/);
    expect(result.cites).toEqual(['carFactorKgPerKm', 'savingShare', 'annualKmPerDriver']);
  });

  it('declares its three assumptions with their sources and releases, saying which saving it uses', () => {
    expect(
      Object.fromEntries(ECO_DRIVING_FACTORS.map((factor) => [factor.key, factor.value])),
    ).toEqual({ ...ECO_DRIVING_DEFAULTS });
    const share = ECO_DRIVING_FACTORS.find((factor) => factor.key === 'savingShare');
    expect(share?.note).toMatch(/15 %/);
    expect(share?.note).toMatch(/fuel share only/);
    expect(share?.note).toMatch(/7 to 10 %/);
    const fuel = ECO_DRIVING_FACTORS.find((factor) => factor.key === 'carFactorKgPerKm');
    expect(fuel).toMatchObject({ value: 0.192, versionDate: '2024' });
  });

  it('cites only the assumptions the challenge left at their defaults', () => {
    expect(
      estimatedSaving({ courseId: COURSE, annualKmPerDriver: 20_000, savingShare: 0.15 }).cites,
    ).toEqual(['carFactorKgPerKm', 'savingShare']);
    // A challenge created before the fuel-only default keeps its 0.2176, its own figure.
    expect(
      estimatedSaving({ courseId: COURSE, carFactorKgPerKm: 0.2176, savingShare: 0.07 }).cites,
    ).toEqual(['annualKmPerDriver']);
  });

  it("uses the challenge's own assumptions where it sets them", () => {
    expect(estimatedSaving({ courseId: COURSE, annualKmPerDriver: 20_000 }).co2eKg).toBe(576);
    expect(
      estimatedSaving({
        courseId: COURSE,
        annualKmPerDriver: 10_000,
        carFactorKgPerKm: 0.2,
        savingShare: 0.07,
      }).co2eKg,
    ).toBe(140);
  });

  it('fills only the assumptions a challenge leaves out', () => {
    expect(assumptionsOf({ carFactorKgPerKm: 0.3 })).toEqual({
      ...ECO_DRIVING_DEFAULTS,
      carFactorKgPerKm: 0.3,
    });
  });
});

describe('checkCompletion', () => {
  const settings = { courseId: COURSE };
  const now = new Date('2026-03-10T12:00:00Z');

  it('accepts the challenge’s course, completed before the contribution', () => {
    expect(
      checkCompletion({ courseId: COURSE, completedAt: '2026-03-09T18:00:00Z' }, settings, now),
    ).toBeNull();
  });

  it('refuses another course, naming courseId (details/courseId in the answer)', () => {
    const problem = checkCompletion(
      { courseId: 'https://lms.example/courses/other' },
      settings,
      now,
    );
    expect(problem?.path).toBe('courseId');
    expect(problem?.message).toMatch(/counts the course/);
  });

  it('refuses a completion dated more than a day after the contribution', () => {
    expect(
      checkCompletion({ courseId: COURSE, completedAt: '2026-03-12T12:00:00Z' }, settings, now)
        ?.path,
    ).toBe('completedAt');
  });
});

describe('the manifest', () => {
  it('counts one course per contribution and refuses unknown fields', () => {
    const measured = ecoDriving.measure({
      details: { courseId: COURSE, score: 87 },
      settings: ecoDriving.validateSettings({ courseId: COURSE }),
      pledge: null,
      occurredAt: new Date(),
    });
    expect(measured.quantity).toBe(1);
    expect(measured.co2eKg).toBe(345.6);
    expect(measured.cites?.map((factor) => factor.key)).toEqual([
      'carFactorKgPerKm',
      'savingShare',
      'annualKmPerDriver',
    ]);
    expect(() =>
      ecoDriving.measure({
        details: { courseId: COURSE, km: 12 },
        settings: { courseId: COURSE },
        pledge: null,
        occurredAt: new Date(),
      }),
    ).toThrow(/km/);
  });

  it('stores the default assumptions in the settings, and refuses a percentage typed for a share', () => {
    expect(ecoDriving.validateSettings({ courseId: COURSE })).toEqual({
      courseId: COURSE,
      annualKmPerDriver: 12_000,
      carFactorKgPerKm: 0.192,
      savingShare: 0.15,
    });
    expect(() => ecoDriving.validateSettings({ courseId: COURSE, savingShare: 15 })).toThrow(
      /savingShare/,
    );
    expect(() => ecoDriving.validateSettings({})).toThrow(/courseId/);
  });
});
