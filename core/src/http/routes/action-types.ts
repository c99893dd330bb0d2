import { Type } from '@sinclair/typebox';
import type { ServiceContext } from '../../services/context.js';
import { access } from '../access.js';
import type { App } from '../types.js';

const Localized = Type.Object({ fr: Type.String(), en: Type.String() });
/** A JSON Schema as the action type declares it (TypeBox emits plain JSON Schema). */
const JsonSchema = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]);

/**
 * `GET /api/action-types`: what each installed action type asks of a
 * pledge and of a contribution, so a client (the site's forms, a partner's
 * app) builds its forms from the same schemas the API validates with.
 */
export async function actionTypeRoutes(app: App, ctx: ServiceContext): Promise<void> {
  const answer = {
    actionTypes: ctx.registry.actionTypes().map((type) => ({
      id: type.id,
      version: type.version,
      title: { fr: type.title.fr, en: type.title.en },
      description: type.description ? { fr: type.description.fr, en: type.description.en } : null,
      unit: type.unit,
      pledgeSchema: (type.pledgeSchema as Record<string, unknown> | undefined) ?? null,
      contributionSchema: (type.contributionSchema as Record<string, unknown> | undefined) ?? null,
      settingsSchema: type.settingsSchema as Record<string, unknown>,
    })),
  };
  // Plain JSON once: TypeBox schemas carry symbol keys a serializer need not see.
  const body = JSON.parse(JSON.stringify(answer)) as typeof answer;
  app.get(
    '/api/action-types',
    {
      schema: {
        'x-tandem-access': access.anyone(),
        tags: ['action types'],
        summary: 'The installed action types, with their settings, pledge and contribution schemas',
        response: {
          200: Type.Object({
            actionTypes: Type.Array(
              Type.Object({
                id: Type.String(),
                version: Type.String(),
                title: Localized,
                description: Type.Union([Localized, Type.Null()]),
                unit: Type.Union([Type.String(), Type.Null()]),
                pledgeSchema: JsonSchema,
                contributionSchema: JsonSchema,
                settingsSchema: Type.Object(
                  {},
                  {
                    additionalProperties: true,
                    description:
                      'The JSON Schema a challenge’s `actionSettings` are checked with (an object schema; no properties when the type takes no settings)',
                  },
                ),
              }),
            ),
          }),
        },
      },
    },
    async (_request, reply) => {
      // The installed plugins change only with a restart.
      void reply.header('cache-control', 'public, max-age=300');
      return body;
    },
  );
}
