import { describe, expect, it } from 'vitest';
import { ECO_DRIVING_DEFAULTS } from './factors.js';
import { assumptionsOf, checkCompletion, estimatedSaving } from './impact.js';
import { ecoDriving } from './index.js';

/** The estimate and the completion checks, without a database. */

const COURSE = 'https://lms.example/courses/eco-driving';

describe('estimatedSaving', () => {
  it('is km a year × car factor × 15 % with the defaults: 391.68 kg', () => {
    const result = estimatedSaving({ courseId: COURSE });
    expect(result.co2eKg).toBeCloseTo(12_000 * 0.2176 * 0.15, 6);
    expect(result.co2eKg).toBe(391.68);
    expect(result.factors).toEqual({
      annualKmPerDriver: 12_000,
      carFactorKgPerKm: 0.2176,
      savingShare: 0.15,
    });
    expect(result.source).toMatch(/ADEME/);
    expect(result.source).toMatch(/one year/);
  });

  it("uses the challenge's own assumptions where it sets them", () => {
    expect(estimatedSaving({ courseId: COURSE, annualKmPerDriver: 20_000 }).co2eKg).toBe(652.8);
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
    expect(measured.co2eKg).toBe(391.68);
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
      carFactorKgPerKm: 0.2176,
      savingShare: 0.15,
    });
    expect(() => ecoDriving.validateSettings({ courseId: COURSE, savingShare: 15 })).toThrow(
      /savingShare/,
    );
    expect(() => ecoDriving.validateSettings({})).toThrow(/courseId/);
  });
});
