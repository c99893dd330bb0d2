/**
 * What one completed course is worth: pure functions, no I/O, so that the
 * figure can be checked by hand and tested without a database.
 */
import type { ImpactResult, Problem } from '@tandem/core';
import { ECO_DRIVING_DEFAULTS, ECO_DRIVING_FACTORS, ECO_DRIVING_SOURCE_LABEL } from './factors.js';
import type { EcoDrivingContribution, EcoDrivingSettings } from './schemas.js';

/** A completion may be dated this long after the contribution's `occurredAt` (time zones). */
const COMPLETED_AT_SLACK_MS = 24 * 60 * 60 * 1000;

/** The three figures the estimate multiplies. */
export interface EcoDrivingAssumptions {
  annualKmPerDriver: number;
  carFactorKgPerKm: number;
  savingShare: number;
}

/** The assumptions a challenge runs with: its settings, or the defaults where it has none. */
export function assumptionsOf(settings: Partial<EcoDrivingSettings>): EcoDrivingAssumptions {
  return {
    annualKmPerDriver: settings.annualKmPerDriver ?? ECO_DRIVING_DEFAULTS.annualKmPerDriver,
    carFactorKgPerKm: settings.carFactorKgPerKm ?? ECO_DRIVING_DEFAULTS.carFactorKgPerKm,
    savingShare: settings.savingShare ?? ECO_DRIVING_DEFAULTS.savingShare,
  };
}

/**
 * The estimated kg CO2e one person saves in one year of driving after an
 * eco-driving course: km a year × the car's fuel emissions per km × the
 * share of them eco-driving saves. With the defaults, 12,000 × 0.192 × 0.15
 * = 345.6 kg. It is an estimate, not a measurement: it assumes the learner
 * drives that much and applies what they learnt all year.
 *
 * It cites the declared assumptions whose value it used; one the
 * challenge set itself is the challenge's, and is not cited.
 *
 * @example
 * estimatedSaving({ courseId: 'x' }).co2eKg; // 345.6
 * estimatedSaving({ courseId: 'x', annualKmPerDriver: 20_000 }).co2eKg; // 576
 */
export function estimatedSaving(settings: Partial<EcoDrivingSettings>): ImpactResult {
  const assumptions = assumptionsOf(settings);
  const co2eKg =
    assumptions.annualKmPerDriver * assumptions.carFactorKgPerKm * assumptions.savingShare;
  return {
    // Rounded to the gram: more digits would pretend to a precision an estimate lacks.
    co2eKg: Math.round(co2eKg * 1000) / 1000,
    source: ECO_DRIVING_SOURCE_LABEL,
    factors: { ...assumptions },
    cites: ECO_DRIVING_FACTORS.filter(
      (factor) => assumptions[factor.key as keyof EcoDrivingAssumptions] === factor.value,
    ).map((factor) => factor.key),
  };
}

/**
 * Why `courseId` is not the course this challenge counts, or `null` when it
 * is: the one course the plugin knows for a challenge is its settings'.
 */
export function courseProblem(courseId: string, settings: EcoDrivingSettings): string | null {
  return courseId === settings.courseId
    ? null
    : `this challenge counts the course "${settings.courseId}", not "${courseId}"`;
}

/**
 * Refuses a completion of another course than the challenge's, and a
 * completion dated after the contribution itself. The problem names the
 * very field under `details`, which the SDK turns into a 400 on it.
 *
 * @returns the problem at `courseId` or `completedAt`, or `null`
 */
export function checkCompletion(
  details: EcoDrivingContribution,
  settings: EcoDrivingSettings,
  occurredAt: Date,
): Problem | null {
  const problem = courseProblem(details.courseId, settings);
  if (problem !== null) return { path: 'courseId', message: problem };
  if (details.completedAt !== undefined) {
    const completedAt = new Date(details.completedAt).getTime();
    if (completedAt > occurredAt.getTime() + COMPLETED_AT_SLACK_MS) {
      return {
        path: 'completedAt',
        message: `is later than the contribution's date (${occurredAt.toISOString()})`,
      };
    }
  }
  return null;
}
