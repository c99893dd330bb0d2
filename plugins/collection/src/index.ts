/**
 * @tandem/plugin-collection — quantities brought to collection points
 * (coffee grounds, biowaste, textiles…), weighed in kg, mostly by an
 * organization's agents, with the CO2e the diverted biowaste avoids.
 */
import { defineActionType, type ActionType } from '@tandem/core';
import {
  avoidedPerKg,
  COLLECTION_FACTORS,
  DEFAULT_TREATMENT,
  type Material,
  type Treatment,
} from './factors.js';
import { weighInComplaint } from './limits.js';
import { migrations } from './migrations.js';
import { collectionPersonalData } from './personal-data.js';
import { COLLECTION_ID, collectionRoutes, pointProblem } from './routes.js';
import { CollectionSettings, WeighIn } from './schemas.js';

export {
  avoidedPerKg,
  COLLECTION_FACTORS,
  END_OF_LIFE_KG_CO2E_PER_KG,
  FACTOR_SOURCE,
  GREY_BIN_KG_CO2E_PER_KG,
  GREY_BIN_SHARES,
  MATERIAL_INFO,
  MATERIALS,
  TREATMENTS,
  type Material,
  type Treatment,
} from './factors.js';
export { COLLECTION_ID } from './routes.js';
export { maxKgPerWeighIn, weighInComplaint } from './limits.js';

/**
 * The collection action type: a contribution is a weigh-in `{ kg, pointId?,
 * note? }`, quantified in kg; its CO2e is what the biowaste avoids by not
 * going into the grey bin (see factors.ts and the README). Agents record
 * weigh-ins for a named participant or unnamed, through core's
 * contributions route or the plugin's `POST /api/challenges/:id/weigh-ins`,
 * which also checks the collection point.
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * import { collection } from '@tandem/plugin-collection';
 * export const plugins: Plugin[] = [collection];
 * // a challenge
 * { actionType: 'collection', actionSettings: { material: 'coffee-grounds' },
 *   goal: { quantity: 500 } }
 */
export const collection: ActionType = defineActionType({
  id: COLLECTION_ID,
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'Collecte en point d’apport', en: 'Collection point drop-off' },
  description: {
    fr: 'Apporter une matière (marc de café, biodéchets, textiles…) à un point de collecte, où elle est pesée.',
    en: 'Bring a material (coffee grounds, biowaste, textiles…) to a collection point, where it is weighed.',
  },
  unit: 'kg',
  settingsSchema: CollectionSettings,
  contributionSchema: WeighIn,
  quantify: ({ details }) => details.kg,
  impact: ({ details, settings }) => {
    const treatment = (settings.treatment ?? DEFAULT_TREATMENT) as Treatment;
    const factor = avoidedPerKg(settings.material as Material, treatment);
    return {
      co2eKg: details.kg * factor.kgCo2ePerKg,
      factors: factor.factors,
      ...(factor.source !== undefined ? { source: factor.source } : {}),
      ...(factor.cites !== undefined ? { cites: factor.cites } : {}),
    };
  },
  // The end-of-life factors and grey-bin shares, with their sources and releases (ADR 0045).
  factors: COLLECTION_FACTORS,
  limits: {
    // The settings' own limit cannot exceed this (schema maximum); it backs
    // the per-material check below for core's load-time view of the plugin.
    maxQuantityPerContribution: 5000,
    check: ({ details, settings, recordedBy }) => {
      // Weigh-ins are an agent's job unless the challenge lets people report their own.
      if (recordedBy === 'self' && settings.selfReport !== true) {
        return 'this collection takes weigh-ins recorded by an agent at a collection point, not self-reports';
      }
      const complaint = weighInComplaint(details.kg, settings);
      return complaint === null ? null : `kg: ${complaint}`;
    },
  },
  // Every path that records a weigh-in (core's contributions route, the
  // weigh-ins route, an import) checks its point here, in its transaction.
  checkReferences: async ({ details, challenge, sql }) => {
    if (details.pointId === undefined) return null;
    const problem = await pointProblem(sql, challenge.organizationId, details.pointId);
    return problem === null ? null : { path: 'pointId', message: problem };
  },
  capabilities: ['tables', 'organizations', 'challenges', 'contributions'],
  routes: collectionRoutes,
  migrations,
  personalData: collectionPersonalData,
});
