/**
 * An organization's own catalogue of actions: the actions of the default
 * catalogue its admins picked, and actions of its own. A challenge takes
 * it with `actionSettings: { catalogue: 'organization' }` rather than a
 * catalogue pasted by hand; what it takes is copied into the challenge's
 * settings when the challenge is created (see `resolveCatalogueSettings`).
 */
import { invalid, type ResolvedSettings, type Sql } from '@tandem/core';
import { defaultCatalogue } from './default-catalogue.js';
import {
  CATALOGUE_SOURCES,
  MAX_ACTIONS,
  type CatalogueAction,
  type OrganizationCatalogueInput,
  type OrganizationCatalogueView,
} from './schemas.js';

interface Row {
  organization_id: string;
  defaults: string[];
  actions: CatalogueAction[];
  updated_at: Date;
}

const DEFAULT_IDS = new Set(defaultCatalogue.actions.map((action) => action.id));

/** The actions a challenge takes from a catalogue written this way: defaults first, in their order. */
function combine(defaults: readonly string[], own: readonly CatalogueAction[]): CatalogueAction[] {
  const picked = new Set(defaults);
  return [...defaultCatalogue.actions.filter((action) => picked.has(action.id)), ...own];
}

/**
 * Checks what the schema cannot: default ids that exist, own ids used once
 * and not taken by a default action, at most 200 actions in all.
 *
 * @throws TANDEM_REQUEST_INVALID naming the field
 */
export function checkOrganizationCatalogue(input: OrganizationCatalogueInput): void {
  input.defaults.forEach((id, index) => {
    if (!DEFAULT_IDS.has(id)) {
      throw invalid(`defaults/${index}`, `"${id}" is not an action of the default catalogue`);
    }
  });
  const seen = new Set<string>();
  input.actions.forEach((action, index) => {
    if (DEFAULT_IDS.has(action.id)) {
      throw invalid(
        `actions/${index}/id`,
        `"${action.id}" is the id of a default action: pick it among the defaults, or choose another id`,
      );
    }
    if (seen.has(action.id)) {
      throw invalid(`actions/${index}/id`, `"${action.id}" is used by another of your actions`);
    }
    seen.add(action.id);
  });
  if (input.defaults.length + input.actions.length > MAX_ACTIONS) {
    throw invalid('actions', `a catalogue holds at most ${MAX_ACTIONS} actions, defaults included`);
  }
}

function view(organizationId: string, row: Row | undefined): OrganizationCatalogueView {
  const defaults = row?.defaults ?? [];
  const actions = row?.actions ?? [];
  return {
    organizationId,
    defaults,
    actions,
    catalogue: combine(defaults, actions),
    updatedAt: row ? new Date(row.updated_at).toISOString() : null,
  };
}

/** The organization's catalogue; empty (nothing picked, nothing of its own) until first saved. */
export async function readOrganizationCatalogue(
  sql: Sql,
  organizationId: string,
): Promise<OrganizationCatalogueView> {
  const [row] = await sql.query<Row>(
    `select organization_id, defaults, actions, updated_at
       from actions_catalogue_organization where organization_id = ?`,
    [organizationId],
  );
  return view(organizationId, row);
}

/** Replaces the organization's catalogue with `input` (checked first); answers it as stored. */
export async function writeOrganizationCatalogue(
  sql: Sql,
  organizationId: string,
  input: OrganizationCatalogueInput,
  now: Date,
): Promise<OrganizationCatalogueView> {
  checkOrganizationCatalogue(input);
  const [row] = await sql.query<Row>(
    `insert into actions_catalogue_organization (organization_id, defaults, actions, updated_at)
     values (?, ?::jsonb, ?::jsonb, ?)
     on conflict (organization_id) do update
       set defaults = excluded.defaults, actions = excluded.actions, updated_at = excluded.updated_at
     returning organization_id, defaults, actions, updated_at`,
    [organizationId, JSON.stringify(input.defaults), JSON.stringify(input.actions), now],
  );
  return view(organizationId, row);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The action type's `resolveSettings`: settings naming a `catalogue` get
 * that catalogue's actions, copied in (given `actions` are replaced, so
 * settings read back from a challenge can be sent again). Settings without
 * `catalogue` are returned as they are: catalogues pasted in full keep
 * working. An unknown source, or an organization's catalogue still empty,
 * is a problem on `catalogue`.
 */
export async function resolveCatalogueSettings(input: {
  settings: unknown;
  organizationId: string;
  sql: Sql;
}): Promise<ResolvedSettings> {
  const { settings } = input;
  if (!isRecord(settings) || settings['catalogue'] === undefined) return { settings };
  switch (settings['catalogue']) {
    case 'default':
      return { settings: { ...settings, actions: defaultCatalogue.actions } };
    case 'organization': {
      const { catalogue } = await readOrganizationCatalogue(input.sql, input.organizationId);
      if (catalogue.length === 0) {
        return {
          problem: {
            path: 'catalogue',
            message:
              "the organization's catalogue is empty: pick default actions or add your own first (PUT /api/organizations/{slug}/actions-catalogue)",
          },
        };
      }
      return { settings: { ...settings, actions: catalogue } };
    }
    default:
      // Said here, not by the schema, which would first miss `actions`.
      return {
        problem: {
          path: 'catalogue',
          message: `must be one of ${CATALOGUE_SOURCES.map((source) => `"${source}"`).join(', ')}`,
        },
      };
  }
}
