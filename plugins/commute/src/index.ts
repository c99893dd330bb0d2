/**
 * @tandem/plugin-commute — pledge to commute by public transport, carpool,
 * bike, on foot or by e-scooter, then report the km travelled. All km count
 * toward a km goal; avoided CO2e is claimed only for km that replaced a trip
 * by car alone (see impact.ts and the README).
 */
import { defineActionType, type ActionType } from '@tandem/core';
import { COMMUTE_FACTORS } from './factors.js';
import { avoidedCo2e, totalKm } from './impact.js';
import { checkPledgedModes, checkTrips } from './limits.js';
import { contributionSchema, MAX_KM_PER_DAY, pledgeSchema, settingsSchema } from './schemas.js';

export {
  COMMUTE_FACTORS,
  EMISSION_FACTORS,
  FACTOR_SOURCE,
  FACTOR_SOURCE_LABEL,
} from './factors.js';
export { avoidedCo2e, factorName, factorOf, totalKm, type Trip } from './impact.js';
export { DAILY_KM_LIMITS, dailyLimit } from './limits.js';
export {
  MODE_GROUPS,
  MODE_LABELS,
  MODES,
  PREVIOUS_MODES,
  type Mode,
  type ModeGroup,
  type PreviousMode,
} from './modes.js';
export {
  contributionSchema,
  MAX_KM_PER_DAY,
  MAX_TRIPS_PER_CONTRIBUTION,
  OCCUPANTS,
  pledgeSchema,
  settingsSchema,
  type CommuteContribution,
  type CommutePledge,
  type CommuteSettings,
} from './schemas.js';

/** The action type's id, as challenges name it in `actionType`. */
export const COMMUTE_ID = 'commute';

/**
 * The `commute` action type, unit `km`. Register it in `tandem.config.ts`;
 * a challenge then picks the modes it counts in `actionSettings`.
 *
 * - settings: `{ modes?: Mode[], maxKmPerDay?: { [mode]: km } }`
 * - pledge: `{ modes?: Mode[], previousMode?: Mode | 'car' }`
 * - contribution: `{ date?: 'YYYY-MM-DD', trips: [{ mode, km, occupants? }] }`
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * import { commute } from '@tandem/plugin-commute';
 * export const plugins: Plugin[] = [commute];
 * // a challenge counting bikes only:
 * // { "actionType": "commute", "actionSettings": { "modes": ["bike", "e-bike"] }, ... }
 */
export const commute: ActionType = defineActionType({
  id: COMMUTE_ID,
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'Se rendre au travail autrement', en: 'Commute without driving alone' },
  description: {
    fr: 'Je m’engage à me déplacer en transports en commun, en covoiturage, à vélo, à pied ou en trottinette, et je déclare mes kilomètres.',
    en: 'I commit to travel by public transport, carpool, bike, on foot or by e-scooter, and I report my kilometres.',
  },
  unit: 'km',
  settingsSchema,
  pledgeSchema,
  checkPledge: ({ details, settings }) => checkPledgedModes(details, settings),
  contributionSchema,
  quantify: ({ details }) => totalKm(details.trips),
  impact: ({ details, pledge }) => avoidedCo2e(details.trips, pledge?.previousMode),
  // Listed in campaign reports beside every CO2e figure, each with its
  // dataset entry and release (carpool = car ÷ occupants).
  factors: COMMUTE_FACTORS,
  // A day of trips counts for its `date` (else the day of occurredAt in the organization's zone).
  dayField: 'date',
  limits: {
    maxQuantityPerContribution: MAX_KM_PER_DAY,
    // The caps hold per person and day, whatever the number of reports.
    maxQuantityPerPersonPerDay: MAX_KM_PER_DAY,
    check({ details, settings, occurredAt, recorded }) {
      return checkTrips(
        details,
        settings,
        occurredAt,
        recorded.sameDay.map((earlier) => earlier.details),
      );
    },
  },
});
