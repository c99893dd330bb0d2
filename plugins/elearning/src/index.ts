/**
 * @tandem/plugin-elearning — receives xAPI 1.0.3 statements from partners'
 * e-learning platforms. A `completed` or `passed` statement for a course
 * that an open challenge of the partner's organization counts (its
 * `actionSettings.courseId`) becomes the learner's contribution, once per
 * statement and once per person and challenge. Written for the Veolia Eau
 * d'Île-de-France case: an eco-driving challenge (`@tandem/plugin-eco-driving`)
 * coupled with a partner's online course.
 */
import { defineIntegration, type Integration } from '@tandem/core';
import { migrations } from './migrations.js';
import { elearningPersonalData } from './personal-data.js';
import { elearningErrors } from './errors.js';
import { elearningRoutes, XAPI_PREFIX } from './routes.js';

export {
  basicAuth,
  generatePartnerKey,
  hashPartnerKey,
  keyMatches,
  parseBasicAuth,
} from './keys.js';
export { XAPI_ENDPOINT_PATH, XAPI_STATEMENTS_PATH } from './routes.js';
export { conflictingIds, receiveStatement, type Partner, type Receipt } from './statements.js';
export {
  COMPLETION_VERBS,
  completionOf,
  fingerprintOf,
  isSupportedVersion,
  MAX_STATEMENTS_PER_REQUEST,
  readStatement,
  readStatements,
  XAPI_VERSION,
  XapiVerbs,
  type ActorRef,
  type Completion,
  type ReadStatement,
} from './xapi.js';

/** The integration's id: the prefix of its tables. */
export const ELEARNING_ID = 'elearning';

/**
 * The elearning integration. Register it beside an action type whose
 * settings name a `courseId` and whose contributions are
 * `{ courseId, completedAt?, score? }` — `eco-driving` is one.
 *
 * Routes:
 * - `POST /api/organizations/{slug}/elearning/partners {name}` (org admin) → 201 with the key, once
 * - `GET …/elearning/partners`, `POST …/partners/{id}/key` (rotate), `POST …/partners/{id}/accounts`
 *   (map an xAPI account to an e-mail), `GET …/partners/{id}/statements` (what became of each)
 * - `POST /api/integrations/xapi/statements` (one statement or an array) → 200 `[ids]`;
 *   `PUT …/statements?statementId=` → 204; Basic auth `partnerId:key`, `X-Experience-API-Version: 1.0.x`
 * - `GET /api/integrations/xapi/about` → `{ version: ['1.0.3'] }`
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * import { ecoDriving } from '@tandem/plugin-eco-driving';
 * import { elearning } from '@tandem/plugin-elearning';
 * export const plugins: Plugin[] = [ecoDriving, elearning];
 * // the partner's platform, with @xapi/xapi:
 * // new XAPI({ endpoint: 'https://tandem.example/api/integrations/xapi/',
 * //            auth: XAPI.toBasicAuth(partnerId, key), adapter: 'fetch' })
 */
export const elearning: Integration = defineIntegration({
  id: ELEARNING_ID,
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'Formations en ligne (xAPI)', en: 'E-learning (xAPI)' },
  description: {
    fr: 'Reçoit les déclarations xAPI des plateformes de formation partenaires : une formation terminée compte comme une action réalisée.',
    en: "Receives xAPI statements from partners' learning platforms: a course finished counts as an action done.",
  },
  capabilities: ['tables', 'organizations', 'participants', 'contributions'],
  routePrefix: XAPI_PREFIX,
  routes: elearningRoutes,
  migrations,
  personalData: elearningPersonalData,
  errors: elearningErrors,
});
