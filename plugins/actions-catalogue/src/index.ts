/**
 * @tandem/plugin-actions-catalogue — a challenge offers a catalogue of
 * simple everyday or at-work actions (Médiaterre, No Impact Week); a pledge
 * picks one or more; each "I did it" report counts one action.
 */
import { defineActionType, type ActionType } from '@tandem/core';
import { CATALOGUE_FACTORS, citedEstimate } from './default-catalogue.js';
import { ACTIONS_CATALOGUE_ID } from './ids.js';
import { migrations } from './migrations.js';
import { actionsCataloguePersonalData } from './personal-data.js';
import { resolveCatalogueSettings } from './organization-catalogue.js';
import { onPledgeEvent } from './picks.js';
import { catalogueRoutes } from './routes.js';
import { ActionDone, CataloguePledge, CatalogueSettings, type CatalogueAction } from './schemas.js';

export { ACTIONS_CATALOGUE_ID } from './ids.js';
export { CATALOGUE_FACTORS, citedEstimate, defaultCatalogue } from './default-catalogue.js';
export {
  ACTION_ID_PATTERN,
  CATALOGUE_SOURCES,
  CATEGORIES,
  CatalogueAction,
  CatalogueSettings,
  OrganizationCatalogueInput,
  OrganizationCatalogueView,
  type CatalogueSource,
  type Category,
} from './schemas.js';
export {
  checkOrganizationCatalogue,
  readOrganizationCatalogue,
  resolveCatalogueSettings,
} from './organization-catalogue.js';
export { pickDelta, pickedActions, PICK_SLOTS, slotOf } from './picks.js';

/** Days a yearly estimate is spread over when one day's action is reported. */
export const DAYS_PER_YEAR = 365;

/**
 * What is wrong with a catalogue that its schema cannot say: an id used
 * twice. JSON Schema has no "unique by property"; the SDK has no settings
 * check beyond the schema (see the README), so apps and examples should
 * call this before creating a challenge, and pledges are refused while it
 * finds something.
 *
 * @returns a sentence naming the first repeated id, or null
 */
export function findCatalogueProblem(settings: {
  actions: readonly { id: string }[];
}): string | null {
  const seen = new Set<string>();
  for (const [index, action] of settings.actions.entries()) {
    if (seen.has(action.id)) {
      return `actions/${index}/id "${action.id}" appears twice in the challenge's catalogue`;
    }
    seen.add(action.id);
  }
  return null;
}

function findAction(settings: CatalogueSettings, id: string): CatalogueAction | undefined {
  return settings.actions.find((action) => action.id === id);
}

/**
 * The actions-catalogue action type. Unit `action`: a pledge commits to
 * actions, and each contribution `{ action }` says one was done, so a
 * challenge can aim at a number of actions done ("1 million actions") as
 * well as at a number of people. Its CO2e is one day's share of the
 * action's yearly estimate, when the catalogue gives one.
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * import { actionsCatalogue } from '@tandem/plugin-actions-catalogue';
 * export const plugins: Plugin[] = [actionsCatalogue];
 */
export const actionsCatalogue: ActionType = defineActionType({
  id: ACTIONS_CATALOGUE_ID,
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'Catalogue de gestes', en: 'Catalogue of actions' },
  description: {
    fr: 'Choisir un ou plusieurs gestes simples, à la maison ou au travail, dans le catalogue du défi.',
    en: "Pick one or more simple actions, at home or at work, from the challenge's catalogue.",
  },
  unit: 'action',
  settingsSchema: CatalogueSettings,
  // A catalogue with a repeated id is refused when the challenge is created.
  checkSettings: (settings) => findCatalogueProblem(settings),
  // `{ catalogue: 'organization' | 'default' }` takes that catalogue's actions at creation.
  resolveSettings: resolveCatalogueSettings,
  pledgeSchema: CataloguePledge,
  checkPledge: ({ details, settings }) => {
    const problem = findCatalogueProblem(settings);
    if (problem !== null) return `this challenge cannot take pledges yet: ${problem}`;
    const unknown = details.actions.filter((id) => findAction(settings, id) === undefined);
    if (unknown.length === 0) return null;
    return `actions: ${unknown.map((id) => `"${id}"`).join(', ')} ${
      unknown.length === 1 ? 'is' : 'are'
    } not in this challenge's catalogue`;
  },
  contributionSchema: ActionDone,
  quantify: () => 1,
  impact: ({ details, settings }) => {
    const action = findAction(settings, details.action);
    if (action?.co2eKgPerYear === undefined) return { co2eKg: 0 };
    const cited = citedEstimate(action);
    return {
      co2eKg: action.co2eKgPerYear / DAYS_PER_YEAR,
      factors: { co2eKgPerYear: action.co2eKgPerYear, daysPerYear: DAYS_PER_YEAR },
      ...(action.source !== undefined ? { source: action.source } : {}),
      ...(cited !== null ? { cites: [cited] } : {}),
    };
  },
  // The default catalogue's estimates, with their sources and releases (ADR 0045).
  factors: CATALOGUE_FACTORS,
  // The action must be one of the challenge's catalogue, on every path.
  checkReferences: async ({ details, settings }) =>
    findAction(settings, details.action) === undefined
      ? { path: 'action', message: `"${details.action}" is not in this challenge's catalogue` }
      : null,
  limits: {
    maxQuantityPerContribution: 1,
    // "I did it today": an action counts once per person and day, however often it is reported.
    countsOncePer: ({ details, day }) => `${details.action}/${day}`,
  },
  capabilities: ['tables', 'challenges', 'organizations'],
  routes: catalogueRoutes,
  on: { 'pledge.confirmed': onPledgeEvent, 'pledge.withdrawn': onPledgeEvent },
  migrations,
  personalData: actionsCataloguePersonalData,
});
