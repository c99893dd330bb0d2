/**
 * The console's side of webhooks: an organization's admins register,
 * list and delete endpoints, read the delivery log and replay a delivery.
 */
import {
  access,
  coreEvents,
  errorResponses as errors,
  Events,
  invalid,
  newId,
  TandemError,
  Type,
  type PluginRouter,
  type TSchema,
} from '@tandem/core';
import {
  enqueueDelivery,
  sendTestDelivery,
  TEST_EVENT_TYPE,
  type WebhooksContext,
  type WebhookSettings,
} from './deliveries.js';
import { refuseEndpointUrl } from './network.js';
import { openSecret, sealClearSecrets, sealPreviousSecret, sealSecret } from './secrets.js';
import { generateSecret } from './signing.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const EndpointView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  secretRotatedAt: Nullable(Type.String({ format: 'date-time' })),
  previousSecretExpiresAt: Nullable(
    Type.String({
      format: 'date-time',
      description:
        'Until when deliveries are also signed with the secret the last rotation replaced; null when only one secret signs',
    }),
  ),
});

const AttemptView = Type.Object({
  attempt: Type.Integer(),
  statusCode: Nullable(Type.Integer()),
  responseMs: Type.Integer(),
  error: Nullable(Type.String()),
  at: Type.String({ format: 'date-time' }),
});

const DeliveryView = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  webhookId: Type.String({ description: 'The `webhook-id` header: the same on every attempt' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attemptCount: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastResponseMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'When a pending delivery that failed is tried again; null otherwise',
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  attempts: Type.Array(AttemptView, { description: 'Every attempt, oldest first' }),
});

const EndpointParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const RegisterBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s) URL of the receiver' }),
    events: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
      description: "Event types such as 'challenge.unlocked', or '*' for all",
    }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

interface EndpointRow {
  id: string;
  organization_id: string;
  url: string;
  events: string[];
  description: string | null;
  created_at: Date;
  secret_rotated_at: Date | null;
  previous_secret_expires_at: Date | null;
}

const ENDPOINT_COLUMNS = `id, organization_id, url, events, description, created_at,
  secret_rotated_at, previous_secret_expires_at`;

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_response_ms: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  response_ms: number;
  error: string | null;
  at: Date;
}

const iso = (value: Date | string) => new Date(value).toISOString();

const endpointView = (row: EndpointRow, now: Date) => ({
  id: row.id,
  organizationId: row.organization_id,
  url: row.url,
  events: row.events,
  description: row.description,
  createdAt: iso(row.created_at),
  secretRotatedAt: row.secret_rotated_at ? iso(row.secret_rotated_at) : null,
  // A grace period that is over is not shown, even before the row is tidied.
  previousSecretExpiresAt:
    row.previous_secret_expires_at && new Date(row.previous_secret_expires_at) > now
      ? iso(row.previous_secret_expires_at)
      : null,
});

const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, webhook_id, status, attempts,
  last_status_code, last_response_ms, last_error, next_attempt_at, created_at, updated_at`;

/** Deliveries with their attempt logs, in two queries whatever their number. */
async function deliveryViews(context: WebhooksContext, rows: readonly DeliveryRow[]) {
  const attempts =
    rows.length === 0
      ? []
      : await context.tables.query<AttemptRow>(
          `select delivery_id, attempt, status_code, response_ms, error, at
             from webhooks_attempt where delivery_id in (?) order by delivery_id, attempt`,
          [rows.map((row) => row.id)],
        );
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.delivery_id) ?? [];
    list.push(attempt);
    byDelivery.set(attempt.delivery_id, list);
  }
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    webhookId: row.webhook_id,
    status: row.status,
    attemptCount: row.attempts,
    lastStatusCode: row.last_status_code,
    lastResponseMs: row.last_response_ms,
    lastError: row.last_error,
    nextAttemptAt:
      row.status === 'pending' && row.next_attempt_at ? iso(row.next_attempt_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    attempts: (byDelivery.get(row.id) ?? []).map((attempt) => ({
      attempt: attempt.attempt,
      statusCode: attempt.status_code,
      responseMs: attempt.response_ms,
      error: attempt.error,
      at: iso(attempt.at),
    })),
  }));
}

/**
 * Event types are `'*'` or `<thing>.<past tense>` (STYLE.md), e.g.
 * `challenge.unlocked` or a plugin's `commute.trip_logged`. A type under one
 * of core's things (`pledge.`, `challenge.`…) must be in core's catalogue, so
 * a misspelt `challenge.unlock` is refused rather than never delivered;
 * other types belong to plugins, which add their own, and only their shape
 * is checked.
 */
const EVENT_TYPE = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9_.-]*$/;
const CORE_TYPES = new Set<string>(coreEvents.map((event) => event.type));
const CORE_THINGS = new Set([...CORE_TYPES].map((type) => type.split('.')[0]));

function checkEventTypes(events: readonly string[]): void {
  events.forEach((type, index) => {
    if (type === '*') return;
    if (!EVENT_TYPE.test(type)) {
      throw invalid(
        `events/${index}`,
        `is not an event type ("${type}"); use '*' or a type such as '${Events.challengeUnlocked.type}'`,
      );
    }
    const thing = type.split('.')[0];
    if (CORE_THINGS.has(thing) && !CORE_TYPES.has(type)) {
      const known = [...CORE_TYPES].filter((t) => t.startsWith(`${thing}.`));
      throw invalid(`events/${index}`, `is not an event of Tandem; use one of ${known.join(', ')}`);
    }
  });
}

/** Mounts the plugin's routes; `settings` carries the SSRF guard and retry policy. */
export function webhookRoutes(
  router: PluginRouter,
  context: WebhooksContext,
  settings: WebhookSettings,
): void {
  // Start-up: secrets stored in clear before they were sealed get sealed now.
  router.onReady(async () => {
    await sealClearSecrets(context);
  });

  router.organizationRoute({
    method: 'POST',
    path: '/webhooks',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['webhooks'],
      summary: 'Register a webhook endpoint (org admin); its secret is shown only in this answer',
      body: RegisterBody,
      response: {
        201: Type.Object({
          ...EndpointView.properties,
          secret: Type.String({ description: 'whsec_<base64>: verify deliveries with it' }),
        }),
        ...errors(400, 401, 403, 404),
      },
    },
    async handler(request, reply, organization) {
      const organizationId = organization.id;
      const { url, events, description } = request.body;
      const refused = refuseEndpointUrl(url, settings);
      if (refused) throw invalid('url', refused);
      checkEventTypes(events);
      const secret = generateSecret();
      const id = newId('whe');
      const [row] = await context.tables.query<EndpointRow>(
        `insert into webhooks_endpoint (id, organization_id, url, secret, events, description, created_at)
         values (?, ?, ?, ?, array[?]::text[], ?, ?)
         returning ${ENDPOINT_COLUMNS}`,
        [
          id,
          organizationId,
          url,
          sealSecret(context, id, secret),
          events,
          description ?? null,
          context.now(),
        ],
      );
      if (!row) throw new Error('the endpoint was not stored');
      return reply.code(201).send({ ...endpointView(row, context.now()), secret });
    },
  });

  router.organizationRoute({
    method: 'GET',
    path: '/webhooks',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['webhooks'],
      summary: "An organization's webhook endpoints, without their secrets (org admin)",
      response: {
        200: Type.Object({ endpoints: Type.Array(EndpointView) }),
        ...errors(401, 403, 404),
      },
    },
    async handler(request, _reply, organization) {
      const organizationId = organization.id;
      const rows = await context.tables.query<EndpointRow>(
        `select ${ENDPOINT_COLUMNS}
           from webhooks_endpoint where organization_id = ? order by created_at, id`,
        [organizationId],
      );
      const now = context.now();
      return { endpoints: rows.map((row) => endpointView(row, now)) };
    },
  });

  router.organizationRoute({
    method: 'DELETE',
    path: '/webhooks/:id',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['webhooks'],
      summary: 'Delete an endpoint with its delivery log (org admin)',
      params: EndpointParams,
      response: { 204: Type.Null(), ...errors(401, 403, 404) },
    },
    async handler(request, reply, organization) {
      const organizationId = organization.id;
      const deleted = await context.tables.query<{ id: string }>(
        'delete from webhooks_endpoint where id = ? and organization_id = ? returning id',
        [request.params.id, organizationId],
      );
      if (deleted.length === 0) {
        throw new TandemError('TANDEM_NOT_FOUND', `No webhook endpoint "${request.params.id}".`);
      }
      return reply.code(204).send(null);
    },
  });

  router.organizationRoute({
    method: 'GET',
    path: '/webhooks/:id/deliveries',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['webhooks'],
      summary: "An endpoint's recent deliveries, newest first, with every attempt (org admin)",
      params: EndpointParams,
      querystring: Type.Object(
        {
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          status: Type.Optional(
            Type.Union([
              Type.Literal('pending'),
              Type.Literal('succeeded'),
              Type.Literal('failed'),
            ]),
          ),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ deliveries: Type.Array(DeliveryView) }),
        ...errors(400, 401, 403, 404),
      },
    },
    async handler(request, _reply, organization) {
      const organizationId = organization.id;
      const [endpoint] = await context.tables.query<{ id: string }>(
        'select id from webhooks_endpoint where id = ? and organization_id = ?',
        [request.params.id, organizationId],
      );
      if (!endpoint) {
        throw new TandemError('TANDEM_NOT_FOUND', `No webhook endpoint "${request.params.id}".`);
      }
      const { status, limit = 50 } = request.query;
      const rows = await context.tables.query<DeliveryRow>(
        `select ${DELIVERY_COLUMNS} from webhooks_delivery
          where endpoint_id = ? ${status ? 'and status = ?' : ''}
          order by created_at desc, id desc limit ?`,
        status ? [endpoint.id, status, limit] : [endpoint.id, limit],
      );
      return { deliveries: await deliveryViews(context, rows) };
    },
  });

  router.organizationRoute({
    method: 'POST',
    path: '/webhooks/:id/test',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['webhooks'],
      summary: `Send a test delivery (event type ${TEST_EVENT_TYPE}) to an endpoint (org admin)`,
      description:
        'The test goes the way of every delivery: signed, sent by the queue, retried, logged ' +
        'and refused on private addresses alike. The answer is the delivery, still pending; ' +
        'read its attempts from the deliveries route.',
      params: EndpointParams,
      response: { 202: DeliveryView, ...errors(401, 403, 404) },
    },
    async handler(request, reply, organization) {
      const [endpoint] = await context.tables.query<{ id: string }>(
        'select id from webhooks_endpoint where id = ? and organization_id = ?',
        [request.params.id, organization.id],
      );
      if (!endpoint) {
        throw new TandemError('TANDEM_NOT_FOUND', `No webhook endpoint "${request.params.id}".`);
      }
      const deliveryId = await sendTestDelivery(context, settings, {
        id: endpoint.id,
        organizationId: organization.id,
      });
      const rows = await context.tables.query<DeliveryRow>(
        `select ${DELIVERY_COLUMNS} from webhooks_delivery where id = ?`,
        [deliveryId],
      );
      const [view] = await deliveryViews(context, rows);
      if (!view) throw new Error('the test delivery was not stored');
      return reply.code(202).send(view);
    },
  });

  router.organizationRoute({
    method: 'POST',
    path: '/webhooks/:id/secret/rotate',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['webhooks'],
      summary:
        "Replace an endpoint's secret (org admin); the new one is shown only in this answer, the old one signs beside it for a grace period",
      description:
        'During the grace period each delivery carries two signatures in `webhook-signature` ' +
        '(`v1,<new> v1,<old>`), so the receiver verifies with either secret while it switches. ' +
        '`graceSeconds: 0` drops the old secret at once (after a leak). A second rotation ' +
        'during a grace period replaces the old secret with the one it rotates out.',
      params: EndpointParams,
      body: Type.Optional(
        Type.Object(
          {
            graceSeconds: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 7 * 24 * 3600,
                description: `Seconds the old secret still signs (default ${Math.round(settings.secretGraceMs / 1000)})`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
      response: {
        200: Type.Object({
          ...EndpointView.properties,
          secret: Type.String({ description: 'The new whsec_<base64> secret, shown only here' }),
        }),
        ...errors(400, 401, 403, 404),
      },
    },
    async handler(request, _reply, organization) {
      const graceMs =
        request.body?.graceSeconds === undefined
          ? settings.secretGraceMs
          : request.body.graceSeconds * 1000;
      const secret = generateSecret();
      const now = context.now();
      const row = await context.tables.transaction(async (tx) => {
        const [current] = await tx.query<{ id: string; secret: string }>(
          `select id, secret from webhooks_endpoint
            where id = ? and organization_id = ? for update`,
          [request.params.id, organization.id],
        );
        if (!current) {
          throw new TandemError('TANDEM_NOT_FOUND', `No webhook endpoint "${request.params.id}".`);
        }
        const old = await openSecret(context, current.id, current.secret);
        const [updated] = await tx.query<EndpointRow>(
          `update webhooks_endpoint
              set secret = ?, secret_rotated_at = ?, previous_secret = ?,
                  previous_secret_expires_at = ?
            where id = ?
            returning ${ENDPOINT_COLUMNS}`,
          [
            sealSecret(context, current.id, secret),
            now,
            graceMs > 0 ? sealPreviousSecret(context, current.id, old) : null,
            graceMs > 0 ? new Date(now.getTime() + graceMs) : null,
            current.id,
          ],
        );
        return updated;
      });
      if (!row) throw new Error('the endpoint was not updated');
      return { ...endpointView(row, now), secret };
    },
  });

  router.route({
    method: 'POST',
    url: '/deliveries/:id/replay',
    schema: {
      'x-tandem-access': access.role('admin', { note: "of the endpoint's organization" }),
      tags: ['webhooks'],
      summary:
        "Send a delivery again, under the same webhook-id (admin of the endpoint's organization)",
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
      response: { 202: DeliveryView, ...errors(401, 403, 404) },
    },
    async handler(request, reply) {
      const [found] = await context.tables.query<{ organization_id: string }>(
        `select e.organization_id from webhooks_delivery d
           join webhooks_endpoint e on e.id = d.endpoint_id where d.id = ?`,
        [request.params.id],
      );
      if (!found) {
        throw new TandemError('TANDEM_NOT_FOUND', `No webhook delivery "${request.params.id}".`);
      }
      context.organizations.requireRole(request.viewer, found.organization_id, 'admin');
      // Back to pending (a success is sent again too: that is what a replay
      // is for); the counter gives the replay a job id of its own.
      const [row] = await context.tables.query<DeliveryRow & { replays: number }>(
        `update webhooks_delivery
            set status = 'pending', replays = replays + 1, next_attempt_at = null, updated_at = ?
          where id = ? returning ${DELIVERY_COLUMNS}, replays`,
        [context.now(), request.params.id],
      );
      if (!row) {
        throw new TandemError('TANDEM_NOT_FOUND', `No webhook delivery "${request.params.id}".`);
      }
      await enqueueDelivery(context, settings, row.id, row.replays);
      const [view] = await deliveryViews(context, [row]);
      if (!view) throw new Error('the replayed delivery has no view');
      return reply.code(202).send(view);
    },
  });
}
