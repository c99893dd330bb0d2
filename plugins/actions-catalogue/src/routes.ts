/**
 * The catalogue route: a challenge's actions, each with how many people
 * picked it, for the challenge page's "what others do" list.
 */
import { access, services, TandemError, Type, type App, type PluginContext } from '@tandem/core';
import { ACTIONS_CATALOGUE_ID } from './ids.js';
import { readPicks } from './picks.js';
import { CatalogueView, errors, type CatalogueSettings } from './schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * Mounts `GET /api/challenges/:id/actions`.
 *
 * @param app - the Tandem app (TypeBox-typed Fastify)
 * @param context - the database and the services' context
 */
export async function catalogueRoutes(app: App, context: PluginContext): Promise<void> {
  app.get(
    '/api/challenges/:id/actions',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['actions-catalogue'],
        summary: "A challenge's catalogue of actions, with how many people picked each",
        description:
          'Counts come from counters kept by pledge events, never from a scan of pledges; they may lag a confirmation by a moment.',
        params: IdParams,
        response: { 200: CatalogueView, ...errors(401, 403, 404) },
      },
    },
    async (request): Promise<CatalogueView> => {
      const id = request.params.id;
      const { challenge } = await services.loadVisibleChallenge(
        context.services,
        request.viewer,
        id,
      );
      if (challenge.actionType !== ACTIONS_CATALOGUE_ID) {
        throw new TandemError(
          'TANDEM_NOT_FOUND',
          `Challenge "${id}" is a "${challenge.actionType}" challenge; it has no catalogue of actions.`,
        );
      }
      const settings = challenge.actionSettings as CatalogueSettings;
      const picks = await readPicks(context.db, challenge.id);
      return {
        challengeId: challenge.id,
        actions: settings.actions.map((action) => ({
          ...action,
          picks: picks.get(action.id) ?? 0,
        })),
      };
    },
  );
}
