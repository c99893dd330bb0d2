/**
 * The catalogue route: a challenge's actions, each with how many people
 * picked it, for the challenge page's "what others do" list.
 */
import { access, type PluginContext, type PluginRouter } from '@tandem/core';
import { readPicks } from './picks.js';
import { CatalogueView, errors, type CatalogueSettings } from './schemas.js';

/** What the routes use of the platform. */
export type CatalogueRouteContext = PluginContext<'tables' | 'challenges'>;

/**
 * Mounts `GET /api/challenges/:id/actions`.
 *
 * @param router - the plugin's router
 * @param context - its tables (the pick counters)
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
}
