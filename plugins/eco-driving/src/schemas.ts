/**
 * The shapes the eco-driving action type accepts: a challenge's settings
 * (which course counts, and the assumptions of its CO2e estimate) and a
 * contribution's details (one course completed).
 */
import { Type, type Static } from '@tandem/core';
import { ECO_DRIVING_DEFAULTS } from './factors.js';

/** Course ids are IRIs in xAPI; long ones exist, endless ones are a mistake. */
const MAX_COURSE_ID_LENGTH = 2000;

/** The most km a year one driver is assumed to drive (a long-haul professional). */
export const MAX_ANNUAL_KM = 200_000;

const courseId = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_COURSE_ID_LENGTH, description });

/**
 * A challenge's `actionSettings`. The defaults are written into the stored
 * settings when the challenge is created, so a challenge keeps the
 * assumptions it was created with even if a later version changes them.
 */
export const settingsSchema = Type.Object(
  {
    courseId: courseId(
      "The partner's course: its xAPI activity IRI (e.g. https://lms.example/courses/eco-driving) or id.",
    ),
    annualKmPerDriver: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: MAX_ANNUAL_KM,
        default: ECO_DRIVING_DEFAULTS.annualKmPerDriver,
        description: 'km one learner drives in a year (default 12,000).',
      }),
    ),
    carFactorKgPerKm: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        default: ECO_DRIVING_DEFAULTS.carFactorKgPerKm,
        description:
          "kg CO2e per km from the fuel the car burns, the part eco-driving reduces (default 0.192, ADEME, average thermal car's fuel share).",
      }),
    ),
    savingShare: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 0.5,
        default: ECO_DRIVING_DEFAULTS.savingShare,
        description:
          'Share of fuel emissions eco-driving saves, 0 to 0.5 (default 0.15, ADEME); a cautious sponsor may use 0.07.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A challenge's settings, as `quantify`, `impact` and `limits.check` see them. */
export type EcoDrivingSettings = Static<typeof settingsSchema>;

/** A contribution's `details`: one course completed by one person. */
export const contributionSchema = Type.Object(
  {
    courseId: courseId('The course completed; must be the challenge’s `courseId`.'),
    completedAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the course was finished.' }),
    ),
    score: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'The final score in percent, when the course gives one (kept for reports).',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A contribution's details, validated. */
export type EcoDrivingContribution = Static<typeof contributionSchema>;
