/**
 * @tandem/plugin-eco-driving — finish a partner's eco-driving course. The
 * unit is `course`: each completion counts 1 toward a challenge's goal and
 * carries an estimated CO2e saving for one year of driving (see factors.ts
 * and the README). Completions arrive from the partner's e-learning
 * platform through `@tandem/plugin-elearning` (xAPI), or are recorded by an
 * organization's agent.
 */
import { defineActionType, type ActionType } from '@tandem/core';
import { checkCompletion, courseProblem, estimatedSaving } from './impact.js';
import { ECO_DRIVING_FACTORS } from './factors.js';
import { contributionSchema, settingsSchema } from './schemas.js';

export {
  ECO_DRIVING_DEFAULTS,
  ECO_DRIVING_FACTORS,
  ECO_DRIVING_SOURCE_LABEL,
  ECO_DRIVING_SOURCES,
} from './factors.js';
export {
  assumptionsOf,
  checkCompletion,
  courseProblem,
  estimatedSaving,
  type EcoDrivingAssumptions,
} from './impact.js';
export {
  contributionSchema,
  MAX_ANNUAL_KM,
  settingsSchema,
  type EcoDrivingContribution,
  type EcoDrivingSettings,
} from './schemas.js';

/** The action type's id, as challenges name it in `actionType`. */
export const ECO_DRIVING_ID = 'eco-driving';

/**
 * The `eco-driving` action type, unit `course`. Register it in
 * `tandem.config.ts` (with `elearning` to receive completions from the
 * partner's platform); a challenge names the partner's course in its
 * settings.
 *
 * - settings: `{ courseId, annualKmPerDriver?: 12000, carFactorKgPerKm?: 0.192, savingShare?: 0.15 }`
 *   (`carFactorKgPerKm`: the car's fuel emissions per km, the part eco-driving saves)
 * - pledge: no details (`{}`): "I will take the course"
 * - contribution: `{ courseId, completedAt?, score? }`, quantity 1
 *
 * One completion per person and course, whichever path reports it (a
 * self-report, an agent, the elearning integration): `countsOncePer` gives
 * the engine the course as the key it stores and holds unique.
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * import { ecoDriving } from '@tandem/plugin-eco-driving';
 * import { elearning } from '@tandem/plugin-elearning';
 * export const plugins: Plugin[] = [ecoDriving, elearning];
 * // a challenge:
 * // { "actionType": "eco-driving",
 * //   "actionSettings": { "courseId": "https://lms.example/courses/eco-driving" }, ... }
 */
export const ecoDriving: ActionType = defineActionType({
  id: ECO_DRIVING_ID,
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'Se former à l’écoconduite', en: 'Learn eco-driving' },
  description: {
    fr: 'Je suis la formation en ligne à l’écoconduite proposée par notre partenaire, jusqu’au bout.',
    en: 'I take the partner’s online eco-driving course, to the end.',
  },
  unit: 'course',
  settingsSchema,
  contributionSchema,
  quantify: () => 1,
  impact: ({ settings }) => estimatedSaving(settings),
  // Listed in campaign reports with their sources and releases (ADR 0045).
  factors: ECO_DRIVING_FACTORS,
  checkReferences: async ({ details, settings }) => {
    const problem = courseProblem(details.courseId, settings);
    return problem === null ? null : { path: 'courseId', message: problem };
  },
  limits: {
    maxQuantityPerContribution: 1,
    countsOncePer: ({ details }) => `course/${details.courseId}`,
    check: ({ details, settings, occurredAt }) => checkCompletion(details, settings, occurredAt),
  },
});
