/**
 * The collection plugin's HTTP routes: an organization's collection points
 * (admins add them, anyone lists them, also as GeoJSON for a map), and the
 * agents' tablet-friendly weigh-in route, which checks the point before it
 * records the contribution through core's service.
 */
import {
  invalid,
  hasRole,
  newId,
  requireRole,
  services,
  TandemError,
  Type,
  type App,
  type PluginContext,
  type Sql,
  access,
} from '@tandem/core';
import { weighInComplaint } from './limits.js';
import {
  CollectionPointView,
  errors,
  NewCollectionPoint,
  WeighInAnswer,
  WeighInBody,
  type CollectionSettings,
  type OpeningSlot,
} from './schemas.js';

/** The action type id, repeated here so routes need not import the manifest. */
export const COLLECTION_ID = 'collection';

const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

interface PointRow {
  id: string;
  organization_id: string;
  name: string;
  address: string | null;
  lat: number | null;
  lon: number | null;
  opening_hours: OpeningSlot[];
  active: boolean;
  created_at: Date;
}

const POINT_COLUMNS =
  'id, organization_id, name, address, lat, lon, opening_hours, active, created_at';

/**
 * Four decimals is about 10 m: enough to find a bin in the street, not
 * more precise than an address. A point is a public place, not a person, so
 * this is about not pretending to a precision nobody measured.
 */
const coarse = (value: number): number => Math.round(value * 1e4) / 1e4;

function pointView(row: PointRow): CollectionPointView {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    address: row.address,
    location:
      row.lat !== null && row.lon !== null ? { lat: Number(row.lat), lon: Number(row.lon) } : null,
    openingHours: row.opening_hours,
    active: row.active,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The id of the organization with this slug, or 404 (core's lookup). */
async function findOrganization(context: PluginContext, slug: string): Promise<string> {
  return (await services.findOrganization(context.db, slug)).id;
}

/**
 * Why `pointId` cannot take a weigh-in for a challenge of `organizationId`
 * — no such point in that organization (another's points are as unknown as
 * missing ones), or the point is closed — or `null` when it can.
 */
export async function pointProblem(
  sql: Sql,
  organizationId: string,
  pointId: string,
): Promise<string | null> {
  const [point] = await sql.query<{ active: boolean }>(
    'select active from collection_point where id = ? and organization_id = ?',
    [pointId, organizationId],
  );
  if (!point) return `no collection point "${pointId}" in this challenge's organization`;
  return point.active ? null : 'this collection point is closed';
}

/** A slot must end after it starts; an overnight slot is two slots, one per day. */
function checkOpeningHours(slots: readonly OpeningSlot[]): void {
  slots.forEach((slot, index) => {
    if (slot.to <= slot.from) {
      throw invalid(
        `openingHours/${index}/to`,
        `must be later than from (${slot.from}); split a slot that runs past midnight in two`,
      );
    }
  });
}

async function listPoints(
  context: PluginContext,
  organizationId: string,
  withInactive: boolean,
): Promise<PointRow[]> {
  return context.db.query<PointRow>(
    `select ${POINT_COLUMNS} from collection_point
      where organization_id = ? ${withInactive ? '' : 'and active'}
      order by name, id`,
    [organizationId],
  );
}

/**
 * Mounts the plugin's routes.
 *
 * @param app - the Tandem app (TypeBox-typed Fastify)
 * @param context - the database and the services' context
 */
export async function collectionRoutes(app: App, context: PluginContext): Promise<void> {
  app.post(
    '/api/organizations/:slug/collection-points',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['collection'],
        summary: 'Add a collection point (org admin)',
        params: SlugParams,
        body: NewCollectionPoint,
        response: { 201: CollectionPointView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const organizationId = await findOrganization(context, request.params.slug);
      requireRole(request.viewer, organizationId, 'admin');
      const body = request.body;
      const name = body.name.trim();
      if (name === '') throw invalid('name', 'must not be blank');
      const openingHours = body.openingHours ?? [];
      checkOpeningHours(openingHours);
      const [row] = await context.db.query<PointRow>(
        `insert into collection_point (id, organization_id, name, address, lat, lon, opening_hours, active)
         values (?, ?, ?, ?, ?, ?, ?::jsonb, ?)
         returning ${POINT_COLUMNS}`,
        [
          newId('clp'),
          organizationId,
          name,
          body.address?.trim() || null,
          body.location ? coarse(body.location.lat) : null,
          body.location ? coarse(body.location.lon) : null,
          JSON.stringify(openingHours),
          body.active ?? true,
        ],
      );
      return reply.code(201).send(pointView(row as PointRow));
    },
  );

  app.get(
    '/api/organizations/:slug/collection-points',
    {
      schema: {
        'x-tandem-access': access.anyone({ note: 'agents also see closed points' }),
        tags: ['collection'],
        summary: "An organization's collection points (active ones; agents also see closed ones)",
        params: SlugParams,
        response: {
          200: Type.Object({ points: Type.Array(CollectionPointView) }),
          ...errors(404),
        },
      },
    },
    async (request) => {
      const organizationId = await findOrganization(context, request.params.slug);
      const rows = await listPoints(
        context,
        organizationId,
        hasRole(request.viewer, organizationId, 'agent'),
      );
      return { points: rows.map(pointView) };
    },
  );

  app.get(
    '/api/organizations/:slug/collection-points.geojson',
    {
      schema: {
        'x-tandem-access': access.anyone(),
        tags: ['collection'],
        summary: "An organization's active collection points as a GeoJSON FeatureCollection",
        params: SlugParams,
        response: {
          200: Type.Object({
            type: Type.Literal('FeatureCollection'),
            features: Type.Array(
              Type.Object({
                type: Type.Literal('Feature'),
                id: Type.String(),
                geometry: Type.Object({
                  type: Type.Literal('Point'),
                  coordinates: Type.Array(Type.Number()),
                }),
                properties: Type.Object({}, { additionalProperties: true }),
              }),
            ),
          }),
          ...errors(404),
        },
      },
    },
    async (request, reply) => {
      const organizationId = await findOrganization(context, request.params.slug);
      const rows = await listPoints(context, organizationId, false);
      void reply.header('content-type', 'application/geo+json; charset=utf-8');
      return {
        type: 'FeatureCollection' as const,
        features: rows.flatMap((row) => {
          const point = pointView(row);
          if (!point.location) return [];
          return [
            {
              type: 'Feature' as const,
              id: point.id,
              // GeoJSON orders coordinates longitude first (RFC 7946).
              geometry: {
                type: 'Point' as const,
                coordinates: [point.location.lon, point.location.lat],
              },
              properties: {
                name: point.name,
                address: point.address,
                openingHours: point.openingHours,
              },
            },
          ];
        }),
      };
    },
  );

  app.post(
    '/api/challenges/:id/weigh-ins',
    {
      schema: {
        'x-tandem-access': access.role('agent', {
          note: 'recording for a named participant; self-reports when the challenge allows them',
        }),
        tags: ['collection'],
        summary:
          'Record a weigh-in at a collection point (org agent; the participant if self reports are on)',
        description:
          "The point must be an active point of the challenge's organization. `participant` as in core's contributions route: an e-mail, a resident code, or null for an unnamed weigh-in; omitted, the signed-in person reports their own, which the challenge's `selfReport` setting must allow.",
        params: IdParams,
        body: WeighInBody,
        response: { 201: WeighInAnswer, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { viewer } = request;
      if (viewer.kind === 'anonymous') {
        throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to record a weigh-in.');
      }
      const challengeId = request.params.id;
      // The audience first (403 for an outsider), as every write on a challenge.
      const { challenge } = await services.loadWritableChallenge(
        context.services,
        viewer,
        challengeId,
      );
      if (challenge.actionType !== COLLECTION_ID) {
        throw new TandemError(
          'TANDEM_CHALLENGE_WRONG_ACTION_TYPE',
          `Challenge "${challengeId}" is a "${challenge.actionType}" challenge; it takes no weigh-ins.`,
        );
      }
      const settings = challenge.actionSettings as CollectionSettings;
      const { kg, pointId, note, occurredAt, participant } = request.body;
      if (participant === undefined && settings.selfReport !== true) {
        throw new TandemError(
          'TANDEM_AUTH_FORBIDDEN',
          'This challenge takes no self-reported weigh-ins: an agent records them, naming the participant (or null for an unnamed weigh-in).',
        );
      }
      const complaint = weighInComplaint(kg, settings);
      if (complaint !== null) throw invalid('kg', complaint);
      // Checked again by the action type inside the contribution's
      // transaction; here first, to name this body's own field.
      const problem = await pointProblem(context.db, challenge.organizationId, pointId);
      if (problem !== null) throw invalid('pointId', problem);
      const answer = await services.recordContribution(context.services, viewer, challengeId, {
        details: { kg, pointId, ...(note !== undefined ? { note } : {}) },
        ...(occurredAt !== undefined ? { occurredAt } : {}),
        ...(participant !== undefined ? { participant } : {}),
      });
      return reply.code(201).send({ ...answer, pointId });
    },
  );
}
