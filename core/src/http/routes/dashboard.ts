import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import type { ServiceContext } from '../../services/context.js';
import { campaignRanking, challengeSeries, MAX_SERIES_DAYS } from '../../services/dashboard.js';
import type { App } from '../types.js';
import { errors, Nullable, StringEnum } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const Day = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'a calendar day, YYYY-MM-DD',
});

const Ranking = Type.Object({
  campaignId: Type.String(),
  challenge: Nullable(Type.String({ description: 'the challenge ranked, when one was asked for' })),
  unit: Nullable(
    Type.String({ description: 'the unit of `quantity`; null when the challenges differ' }),
  ),
  rankedBy: StringEnum(['quantity', 'co2eKg']),
  teams: Type.Array(
    Type.Object({
      team: Type.Object({ slug: Type.String(), name: Type.String() }),
      participants: Type.Integer({ description: 'distinct people, across the challenges ranked' }),
      quantity: Nullable(Type.Number()),
      co2eKg: Type.Number(),
      rank: Type.Integer({ minimum: 1, description: 'teams level share a rank: 1, 1, 3' }),
    }),
  ),
});

const Series = Type.Object({
  challengeId: Type.String(),
  team: Nullable(Type.String()),
  timeZone: Type.String(),
  from: Type.String(),
  to: Type.String(),
  days: Type.Array(
    Type.Object({
      day: Type.String(),
      participants: Type.Integer({ description: 'people who started counting that day' }),
      participantsTotal: Type.Integer(),
      quantity: Type.Number(),
      quantityTotal: Type.Number(),
      co2eKg: Type.Number(),
      co2eKgTotal: Type.Number(),
    }),
  ),
});

/**
 * How long a public campaign's ranking may be reused: it moves with every
 * contribution, but a crowd refreshing a screen on a wall need not reach
 * the database each time.
 */
const PUBLIC_RANKING_CACHE = 'public, max-age=10, stale-while-revalidate=30';

/** The campaign dashboard's data: the teams' ranking and a challenge's daily series. */
export async function dashboardRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/campaigns/:id/ranking',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['campaigns'],
        summary: "The ranking of a campaign's teams",
        description:
          'Over the challenges that are not drafts, or the one named by `challenge`. `participants` counts distinct people for each team; `quantity` is summed only when the challenges ranked share one unit (`unit`), else it is null and the teams are ranked by `co2eKg` (`rankedBy`); participants break ties, and teams level on both share a rank (1, 1, 3). Public campaigns may be cached for a few seconds.',
        params: IdParams,
        querystring: Type.Object(
          { challenge: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Ranking, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { ranking, audience } = await campaignRanking(
        ctx,
        request.viewer,
        request.params.id,
        request.query.challenge !== undefined ? { challenge: request.query.challenge } : {},
      );
      void reply.header(
        'cache-control',
        audience.type === 'public' ? PUBLIC_RANKING_CACHE : 'private, no-cache',
      );
      return ranking;
    },
  );

  app.get(
    '/api/challenges/:id/series',
    {
      schema: {
        'x-tandem-access': access.role('agent', {
          note: "also the admins of an organization sponsoring one of the challenge's tiers",
        }),
        tags: ['challenges'],
        summary: "A challenge's daily participants, quantity and CO2e (organizer or sponsor)",
        description: `One entry per day in the organization's time zone, days without activity included as zeros, from the campaign's start (or the challenge's opening) to today or the last day it takes reports for; \`from\` and \`to\` narrow it (at most ${MAX_SERIES_DAYS} days). \`participants\` are the people who started counting that day, the \`…Total\` fields the running totals. With \`team\` (a team's slug), that team only. Withdrawn pledges no longer count on any day.`,
        params: IdParams,
        querystring: Type.Object(
          {
            team: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            from: Type.Optional(Day),
            to: Type.Optional(Day),
          },
          { additionalProperties: false },
        ),
        response: { 200: Series, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'private, no-cache');
      const { team, from, to } = request.query;
      return challengeSeries(ctx, request.viewer, request.params.id, {
        ...(team !== undefined ? { team } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
    },
  );
}
