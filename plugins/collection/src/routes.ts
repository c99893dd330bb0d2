/**
 * The collection plugin's HTTP routes: an organization's collection points
 * (admins add them, anyone lists them, also as GeoJSON for a map), and the
 * agents' tablet-friendly weigh-in route, which checks the point before it
 * records the contribution through core's service.
 */
import {
  access,
  invalid,
  itemValidationError,
  newId,
  syncItems,
  syncScope,
  TandemError,
  Type,
  type PluginChallenge,
  type PluginContext,
  type PluginRouter,
  type Sql,
  type Viewer,
} from '@tandem/core';
import { weighInComplaint } from './limits.js';
import {
  CollectionPointView,
  errors,
  NewCollectionPoint,
  WeighInAnswer,
  WeighInBody,
  WeighInSyncAnswer,
  WeighInSyncBody,
  type CollectionSettings,
  type OpeningSlot,
} from './schemas.js';

/** The action type id, repeated here so routes need not import the manifest. */
export const COLLECTION_ID = 'collection';

/** What the routes use of the platform. */
export type CollectionRouteContext = PluginContext<
  'tables' | 'organizations' | 'challenges' | 'contributions'
>;

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

/**
 * Records one weigh-in as the weigh-ins route does: the self-report rule,
 * the challenge's per-weigh-in limit and the point are checked first, to
 * name this body's own fields, then core records the contribution (in `tx`
 * when given).
 */
async function recordWeighIn(
  context: CollectionRouteContext,
  viewer: Viewer,
  challenge: PluginChallenge,
  body: WeighInBody,
  tx?: Sql,
) {
  const settings = challenge.actionSettings as CollectionSettings;
  const { kg, pointId, note, occurredAt, participant } = body;
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
  const problem = await pointProblem(tx ?? context.tables, challenge.organizationId, pointId);
  if (problem !== null) throw invalid('pointId', problem);
  const answer = await context.contributions.record(
    viewer,
    challenge.id,
    {
      details: { kg, pointId, ...(note !== undefined ? { note } : {}) },
      ...(occurredAt !== undefined ? { occurredAt } : {}),
      ...(participant !== undefined ? { participant } : {}),
    },
    tx ? { tx } : {},
  );
  return { ...answer, pointId };
}

async function listPoints(
  context: CollectionRouteContext,
  organizationId: string,
  withInactive: boolean,
): Promise<PointRow[]> {
  return context.tables.query<PointRow>(
    `select ${POINT_COLUMNS} from collection_point
      where organization_id = ? ${withInactive ? '' : 'and active'}
      order by name, id`,
    [organizationId],
  );
}

/**
 * Mounts the plugin's routes.
 *
 * @param router - the plugin's router
 * @param context - its tables, organizations, challenges and core's contributions
 */
export function collectionRoutes(router: PluginRouter, context: CollectionRouteContext): void {
  router.organizationRoute({
    method: 'POST',
    path: '/collection-points',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['collection'],
      summary: 'Add a collection point (org admin)',
      body: NewCollectionPoint,
      response: { 201: CollectionPointView, ...errors(400, 401, 403, 404) },
    },
    async handler(request, reply, organization) {
      const body = request.body;
      const name = body.name.trim();
      if (name === '') throw invalid('name', 'must not be blank');
      const openingHours = body.openingHours ?? [];
      checkOpeningHours(openingHours);
      const [row] = await context.tables.query<PointRow>(
        `insert into collection_point (id, organization_id, name, address, lat, lon, opening_hours, active)
         values (?, ?, ?, ?, ?, ?, ?::jsonb, ?)
         returning ${POINT_COLUMNS}`,
        [
          newId('clp'),
          organization.id,
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
  });

  router.organizationRoute({
    method: 'GET',
    path: '/collection-points',
    role: null,
    schema: {
      'x-tandem-access': access.anyone({ note: 'agents also see closed points' }),
      tags: ['collection'],
      summary: "An organization's collection points (active ones; agents also see closed ones)",
      response: {
        200: Type.Object({ points: Type.Array(CollectionPointView) }),
        ...errors(404),
      },
    },
    async handler(request, _reply, organization) {
      const rows = await listPoints(
        context,
        organization.id,
        context.organizations.hasRole(request.viewer, organization.id, 'agent'),
      );
      return { points: rows.map(pointView) };
    },
  });

  router.organizationRoute({
    method: 'GET',
    path: '/collection-points.geojson',
    role: null,
    schema: {
      'x-tandem-access': access.anyone(),
      tags: ['collection'],
      summary: "An organization's active collection points as a GeoJSON FeatureCollection",
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
    async handler(_request, reply, organization) {
      const rows = await listPoints(context, organization.id, false);
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
  });

  router.challengeRoute({
    method: 'POST',
    path: '/weigh-ins',
    // The audience first (403 for an outsider), as every write on a challenge.
    signIn: true,
    load: 'writable',
    otherActionType: 'conflict',
    schema: {
      'x-tandem-access': access.role('agent', {
        note: 'recording for a named participant; self-reports when the challenge allows them',
      }),
      tags: ['collection'],
      summary:
        'Record a weigh-in at a collection point (org agent; the participant if self reports are on)',
      description:
        "The point must be an active point of the challenge's organization. `participant` as in core's contributions route: an e-mail, a resident code, or null for an unnamed weigh-in; omitted, the signed-in person reports their own, which the challenge's `selfReport` setting must allow.",
      body: WeighInBody,
      response: { 201: WeighInAnswer, ...errors(400, 401, 403, 404, 409) },
    },
    async handler(request, reply, challenge) {
      const answer = await recordWeighIn(context, request.viewer, challenge, request.body);
      return reply.code(201).send(answer);
    },
  });

  router.challengeRoute({
    method: 'POST',
    path: '/weigh-ins/sync',
    // Not `load: 'writable'`: a tablet that syncs after the challenge closed
    // gets each item's own answer from core, rather than a batch it can never send.
    role: 'agent',
    otherActionType: 'conflict',
    schema: {
      'x-tandem-access': access.role('agent'),
      tags: ['collection'],
      summary: 'Sync weigh-ins an offline tablet recorded (org agent)',
      description:
        "Each item carries a key the device generated when it recorded the weigh-in, and the weigh-in as `POST /api/challenges/{id}/weigh-ins` takes it (`occurredAt`: when it was weighed, within the campaign's days). Each key is recorded once and kept for good, unlike `Idempotency-Key` replays: syncing it again answers `duplicate` with the same `weighInId`; the same key with another weigh-in is that item's TANDEM_IDEMPOTENCY_MISMATCH. A bad item fails alone, its error in its result.",
      body: WeighInSyncBody,
      response: { 200: WeighInSyncAnswer, ...errors(400, 401, 403, 404, 409) },
    },
    async handler(request, _reply, challenge) {
      // The app's own body validator: the same rules and formats as the
      // single route, applied to one item at a time.
      const validate = request.compileValidationSchema(WeighInBody, 'body');
      const outcomes = await syncItems<unknown, { status: 'created'; weighInId: string }>({
        tables: context.tables,
        table: 'collection_sync_item',
        scope: syncScope(request.viewer),
        target: challenge.id,
        items: request.body.items.map(({ key, weighIn }) => ({ key, body: weighIn })),
        claimColumns: { challenge_id: challenge.id },
        // The contribution and the key's result commit together: a crash
        // between them would otherwise let a retry weigh the same bag twice.
        inTransaction: true,
        mismatchMessage: 'another weigh-in (or challenge)',
        log: request.log,
        async record(weighIn, claim) {
          if (!validate(weighIn)) throw itemValidationError(validate.errors, 'weighIn');
          const answer = await recordWeighIn(
            context,
            request.viewer,
            challenge,
            weighIn as WeighInBody,
            claim.sql,
          );
          return { status: 'created' as const, weighInId: answer.id };
        },
      });
      return {
        results: outcomes.map(({ key, result, replayed }) =>
          result.status === 'created'
            ? {
                key,
                status: replayed ? ('duplicate' as const) : result.status,
                weighInId: result.weighInId,
              }
            : { key, ...result },
        ),
      };
    },
  });
}
