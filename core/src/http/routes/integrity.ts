import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import { AUDIT_PAGE_MAX, readAudit } from '../../services/audit.js';
import type { ServiceContext } from '../../services/context.js';
import {
  integrityAlerts,
  invalidatePledges,
  listInvalidations,
  restoreInvalidation,
  type InvalidationFilter,
} from '../../services/integrity.js';
import type { App } from '../types.js';
import { AnyObject, errors, Id, Nullable, StringEnum } from '../schemas.js';

const IdParams = Type.Object({ id: Id });

/** Readers: the organizer's admins and the admins of an accepted sponsor of one of its tiers. */
const readers = () =>
  access.role('admin', {
    note: "also the admins of an organization sponsoring one of the challenge's tiers",
  });

const AuditEntry = Type.Object({
  id: Type.String({ description: 'the entry; also the cursor `before` of the next page' }),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    kind: StringEnum(['participant', 'admin', 'system']),
    label: Type.String({
      description: 'a display name, a participant id or a process; never an address',
    }),
  }),
  action: Type.String({ description: 'e.g. challenge.opened, tier.unlocked, pledges.invalidated' }),
  details: AnyObject,
});

const Alert = Type.Object({
  kind: StringEnum(['email-domain', 'network', 'agent']),
  metric: StringEnum(['pledges', 'quantity']),
  key: Type.String({
    description: 'what an invalidation filter takes: the domain, the range key, the agent id',
  }),
  label: Type.String({
    description: 'what to show (a network range is never shown as an address)',
  }),
  share: Type.Number({ minimum: 0, maximum: 1 }),
  count: Type.Number(),
  total: Type.Number(),
  threshold: Type.Number({ description: 'the share above which a group is an alert' }),
  minCount: Type.Integer({ description: 'the fewest pledges or contributions an alert needs' }),
});

const Filter = Type.Union(
  [
    Type.Object(
      { emailDomain: Type.String({ minLength: 1, maxLength: 253, pattern: '^[^@\\s]+$' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        network: Type.String({
          pattern: '^[0-9a-f]{24}$',
          description: 'a range key from an alert',
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        agent: Type.String({
          minLength: 1,
          maxLength: 100,
          description: "the agent's participant id",
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { pledgeIds: Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'exactly one of: emailDomain, network, agent, pledgeIds' },
);

const Effect = Type.Object({
  pledges: Type.Integer(),
  contributions: Type.Integer(),
  participants: Type.Integer({ description: 'how many fewer distinct participants count' }),
  quantity: Type.Number(),
  co2eKg: Type.Number(),
});

const Invalidation = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  by: Type.String({ description: 'who invalidated: a display name or a participant id' }),
  reason: Type.String(),
  filter: AnyObject,
  pledges: Type.Integer(),
  contributions: Type.Integer(),
  participants: Type.Integer(),
  quantity: Type.Number(),
  co2eKg: Type.Number(),
  restoredAt: Nullable(Type.String({ format: 'date-time' })),
  restoredBy: Nullable(Type.String()),
});

/** The audit log, concentration alerts and batch invalidations of a challenge (ADR 0039). */
export async function integrityRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/challenges/:id/audit',
    {
      schema: {
        'x-tandem-access': readers(),
        tags: ['integrity'],
        summary: "A challenge's audit log, newest first",
        description:
          'Every change to the challenge, its tiers and its counts (created, opened, closed, tier unlocked, sponsorship decided, fulfilled, recount corrections, invalidations and restorations). Append-only; pages of `limit` entries older than `before`.',
        params: IdParams,
        querystring: Type.Object(
          {
            before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,17}$' })),
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: 50 }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entries: Type.Array(AuditEntry),
            next: Nullable(Type.String({ description: 'the `before` of the next page' })),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => readAudit(ctx, request.viewer, request.params.id, request.query),
  );

  app.get(
    '/api/challenges/:id/integrity',
    {
      schema: {
        'x-tandem-access': readers(),
        tags: ['integrity'],
        summary: 'Concentration alerts of a challenge',
        description:
          "Groups (one e-mail domain, one network range, one agent) holding more than the configured share of the challenge's counting pledges or quantity (`TANDEM_INTEGRITY_SHARE_PERCENT`, default 30) with at least `TANDEM_INTEGRITY_MIN_COUNT` (default 20) pledges or contributions. A domain the campaign's audience is made of is no alert.",
        params: IdParams,
        response: {
          200: Type.Object({
            alerts: Type.Array(Alert),
            computedAt: Type.String({ format: 'date-time' }),
            threshold: Type.Number(),
            minCount: Type.Integer(),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => integrityAlerts(ctx, request.viewer, request.params.id),
  );

  app.get(
    '/api/challenges/:id/invalidations',
    {
      schema: {
        'x-tandem-access': readers(),
        tags: ['integrity'],
        summary: "A challenge's batch invalidations, newest first",
        params: IdParams,
        response: {
          200: Type.Object({ invalidations: Type.Array(Invalidation) }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => listInvalidations(ctx, request.viewer, request.params.id),
  );

  app.post(
    '/api/challenges/:id/invalidations',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: "the organizer's admins act; sponsors read",
        }),
        tags: ['integrity'],
        summary: 'Invalidate a batch of pledges',
        description:
          'The counting pledges the filter names, and their contributions, stop counting: the counters move down once, in one transaction. An unlocked tier stays unlocked. `?dryRun=true` answers what it would take (200) and changes nothing. 409 TANDEM_INVALIDATION_EMPTY when nothing that still counts matches.',
        params: IdParams,
        querystring: Type.Object(
          { dryRun: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        body: Type.Object(
          {
            filter: Filter,
            reason: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ dryRun: Type.Literal(true), effect: Effect }),
          201: Invalidation,
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const answer = await invalidatePledges(
        ctx,
        request.viewer,
        request.params.id,
        { filter: request.body.filter as InvalidationFilter, reason: request.body.reason },
        { dryRun: request.query.dryRun === true },
      );
      if (answer.dryRun) return reply.code(200).send({ dryRun: true, effect: answer.effect });
      return reply.code(201).send(answer.invalidation);
    },
  );

  app.post(
    '/api/challenges/:id/invalidations/:invalidationId/restore',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: "the organizer's admins act; sponsors read",
        }),
        tags: ['integrity'],
        summary: 'Restore a batch invalidation',
        description:
          'Its pledges and contributions count again (a pledge withdrawn since stays withdrawn). 409 TANDEM_INVALIDATION_RESTORED the second time.',
        params: Type.Object({ id: Id, invalidationId: Id }),
        response: { 200: Invalidation, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) =>
      restoreInvalidation(ctx, request.viewer, request.params.id, request.params.invalidationId),
  );
}
