/**
 * The catalogue routes: a challenge's actions, each with how many people
 * picked it, for the challenge page's "what others do" list; the default
 * catalogue, for anyone; and an organization's own catalogue, for its
 * admins to pick default actions and add their own.
 */
import { access, Type, type PluginContext, type PluginRouter } from '@tandem/core';
import { defaultCatalogue } from './default-catalogue.js';
import { readOrganizationCatalogue, writeOrganizationCatalogue } from './organization-catalogue.js';
import { readPicks } from './picks.js';
import {
  CatalogueAction,
  CatalogueView,
  errors,
  OrganizationCatalogueInput,
  OrganizationCatalogueView,
  type CatalogueSettings,
} from './schemas.js';

/** What the routes use of the platform. */
export type CatalogueRouteContext = PluginContext<'tables' | 'challenges' | 'organizations'>;

/**
 * Mounts `GET /api/challenges/:id/actions`, `GET /api/actions-catalogue/default`
 * and `GET`/`PUT /api/organizations/:slug/actions-catalogue`.
 *
 * @param router - the plugin's router
 * @param context - its tables (the pick counters, organizations' catalogues)
 */
export function catalogueRoutes(router: PluginRouter, context: CatalogueRouteContext): void {
  router.challengeRoute({
    method: 'GET',
    path: '/actions',
    schema: {
      'x-tandem-access': access.audience(),
      tags: ['actions-catalogue'],
      summary: "A challenge's catalogue of actions, with how many people picked each",
      description:
        'Counts come from counters kept by pledge events, never from a scan of pledges; they may lag a confirmation by a moment.',
      response: { 200: CatalogueView, ...errors(401, 403, 404) },
    },
    async handler(_request, _reply, challenge): Promise<CatalogueView> {
      const settings = challenge.actionSettings as CatalogueSettings;
      const picks = await readPicks(context.tables, challenge.id);
      return {
        challengeId: challenge.id,
        actions: settings.actions.map((action) => ({
          ...action,
          picks: picks.get(action.id) ?? 0,
        })),
      };
    },
  });

  router.route({
    method: 'GET',
    url: '/default',
    schema: {
      'x-tandem-access': access.anyone(),
      tags: ['actions-catalogue'],
      summary: 'The default catalogue of actions, in French and English, with sourced estimates',
      description:
        "A challenge takes it whole with `actionSettings: { catalogue: 'default' }`; an organization picks from it for its own catalogue.",
      response: { 200: Type.Object({ actions: Type.Array(CatalogueAction) }) },
    },
    async handler() {
      return { actions: defaultCatalogue.actions };
    },
  });

  router.organizationRoute({
    method: 'GET',
    path: '/actions-catalogue',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['actions-catalogue'],
      summary: "The organization's own catalogue of actions (org admin)",
      response: { 200: OrganizationCatalogueView, ...errors(401, 403, 404) },
    },
    async handler(_request, _reply, organization) {
      return readOrganizationCatalogue(context.tables, organization.id);
    },
  });

  router.organizationRoute({
    method: 'PUT',
    path: '/actions-catalogue',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['actions-catalogue'],
      summary:
        "Replace the organization's own catalogue: default actions picked, and its own (org admin)",
      description:
        "Challenges created afterwards with `actionSettings: { catalogue: 'organization' }` take it; " +
        'challenges created before keep the catalogue they took.',
      body: OrganizationCatalogueInput,
      response: { 200: OrganizationCatalogueView, ...errors(400, 401, 403, 404) },
    },
    async handler(request, _reply, organization) {
      return writeOrganizationCatalogue(
        context.tables,
        organization.id,
        request.body,
        context.now(),
      );
    },
  });
}
