import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { parseBBox } from '../../domain/grid.js';
import type { ServiceContext } from '../../services/context.js';
import { getFeed, getMap, getPlace, getPlaces, type Visibility } from '../../services/map.js';
import { access } from '../access.js';
import type { App } from '../types.js';
import { errors, Nullable, StringEnum } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * Shared caches may keep a public challenge's map, places and feed for
 * 30 s (they change with every pledge, but nobody needs them to the
 * second); a members-only one stays in the member's browser.
 */
function cacheFor(reply: FastifyReply, visibility: Visibility): void {
  reply.header(
    'cache-control',
    `${visibility.isPublic ? 'public' : 'private'}, max-age=30, stale-while-revalidate=60`,
  );
}

/**
 * The reader's language for the feed's sentences: the first of `fr` or
 * `en` that `Accept-Language` prefers, French otherwise.
 */
export function feedLocale(header: string | undefined): 'fr' | 'en' {
  if (!header) return 'fr';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { language: tag.split('-')[0], weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.weight > 0 && (entry.language === 'fr' || entry.language === 'en'))
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranked[0]?.language === 'en' ? 'en' : 'fr';
}

const Position = Type.Tuple([Type.Number(), Type.Number()]);

const MapAnswer = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(
    Type.Object({
      type: Type.Literal('Feature'),
      geometry: Type.Object({
        type: Type.Literal('Polygon'),
        coordinates: Type.Array(Type.Array(Position)),
      }),
      properties: Type.Object({
        count: Type.Integer({
          description: 'people, as published: at least k, slightly perturbed',
        }),
        cell: Type.String({ description: 'the grid cell, e.g. 800mN2889600E3758400' }),
        level: Type.Integer({ description: 'the cell is 200 m × 2^level wide' }),
      }),
    }),
  ),
});

const Place = Type.Object({
  code: Type.String({ description: 'INSEE code of the commune' }),
  name: Type.String(),
  count: Type.Integer(),
});

const FeedItem = Type.Object({
  type: StringEnum(['pledge', 'contribution', 'milestone', 'unlocked']),
  at: Type.String({ format: 'date-time', description: 'rounded down to the hour' }),
  who: Type.Optional(Type.String({ description: 'as the participant chose to be shown' })),
  person: Type.Optional(
    Type.Object({ name: Nullable(Type.String()), place: Nullable(Type.String()) }),
  ),
  quantity: Type.Optional(Type.Number()),
  unit: Type.Optional(Type.String()),
  tierId: Type.Optional(Type.String()),
});

export async function mapRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/challenges/:id/map',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['challenges'],
        summary: 'Where people pledged: grid cells holding at least k people',
        description:
          'A GeoJSON FeatureCollection of fixed EPSG:3035 grid cells (200 m × 2^level) meeting `bbox`, at the level `zoom` shows; cells under `TANDEM_MAP_MIN_COUNT` people are never returned and counts carry a small consistent perturbation (docs/privacy.md). More than 5,000 cells is a 400 naming `bbox`.',
        params: IdParams,
        querystring: Type.Object(
          {
            bbox: Type.Optional(
              Type.String({
                maxLength: 200,
                description: 'minLon,minLat,maxLon,maxLat (default: the world)',
              }),
            ),
            zoom: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 5 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: MapAnswer, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { bbox, zoom } = request.query;
      const { answer, visibility } = await getMap(ctx, request.viewer, request.params.id, {
        ...(bbox !== undefined ? { bbox: parseBBox(bbox, 'querystring/bbox') } : {}),
        ...(zoom !== undefined ? { zoom } : {}),
      });
      cacheFor(reply, visibility);
      return answer;
    },
  );

  app.get(
    '/api/challenges/:id/places',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['challenges'],
        summary: 'Confirmed pledges by commune (communes with at least k people)',
        params: IdParams,
        response: {
          200: Type.Object({ places: Type.Array(Place) }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { answer, visibility } = await getPlaces(ctx, request.viewer, request.params.id);
      cacheFor(reply, visibility);
      return answer;
    },
  );

  app.get(
    '/api/challenges/:id/places/:postcode',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['challenges'],
        summary: 'People who pledged in the commune of a postcode ("N people near you")',
        description: '`count` is null when the commune holds fewer than k people.',
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 100 }),
          postcode: Type.String({ pattern: '^[0-9]{5}$', description: 'a French postcode' }),
        }),
        response: {
          200: Type.Object({
            code: Type.String(),
            name: Type.String(),
            count: Nullable(Type.Integer()),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { answer, visibility } = await getPlace(
        ctx,
        request.viewer,
        request.params.id,
        request.params.postcode,
      );
      cacheFor(reply, visibility);
      return answer;
    },
  );

  app.get(
    '/api/challenges/:id/feed',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['challenges'],
        summary: 'Recent pledges, contributions, milestones and unlocks, newest first',
        description:
          'People appear only as they chose (`showAs` on their pledge), by commune, never finer; times are rounded down to the hour. Sentences follow `Accept-Language` (fr by default, or en).',
        params: IdParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(FeedItem) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { answer, visibility } = await getFeed(ctx, request.viewer, request.params.id, {
        ...(request.query.limit !== undefined ? { limit: request.query.limit } : {}),
        locale: feedLocale(request.headers['accept-language']),
      });
      cacheFor(reply, visibility);
      reply.header('vary', 'accept-language');
      return answer;
    },
  );
}
