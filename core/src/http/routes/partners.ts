import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import type { ServiceContext } from '../../services/context.js';
import {
  addPartnerTier,
  decidePartnership,
  getPartners,
  invitePartner,
  leavePartnership,
  listPartnerships,
} from '../../services/partners.js';
import { partnerReport } from '../../services/reports.js';
import type { App } from '../types.js';
import { AnyObject, Audience, Counterpart, errors, Goal, Slug, StringEnum } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const PartnerParams = Type.Object({ id: IdParams.properties.id, slug: Slug });

/** A partner's own sub-goal, unlocking on its share (ADR 0043). */
export const PartnerTierView = Type.Object({
  id: Type.String(),
  rank: Type.Integer(),
  goal: AnyObject,
  counterpart: Type.Union([AnyObject, Type.Null()]),
  unlockedAt: Type.Union([Type.String(), Type.Null()]),
  unlockProgress: Type.Union([
    Type.Object({
      participants: Type.Number(),
      quantity: Type.Number(),
      co2eKg: Type.Number(),
    }),
    Type.Null(),
  ]),
});

/** A partner of a federated challenge (ADR 0043). */
export const PartnerView = Type.Object({
  organization: Type.String({ description: 'the partner organization’s slug' }),
  name: Type.String(),
  status: StringEnum(['invited', 'accepted', 'declined', 'left']),
  audience: AnyObject,
  invitedAt: Type.String(),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  tiers: Type.Array(PartnerTierView, {
    description: 'its own sub-goals, each unlocking on its share',
  }),
});

/** Routes of federated challenges: partners, their decisions and their reports (ADR 0043). */
export async function partnerRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/api/challenges/:id/partners',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: "the challenge organization's admins invite; a draft is hidden (404) from outsiders",
        }),
        tags: ['partners'],
        summary: 'Invite another organization to feed the challenge (org admin)',
        description:
          'Until the challenge closes (a draft, open or already succeeded). The invited organization’s admins are mailed a link to their console; they accept or decline with `POST /api/challenges/{id}/partners/{slug}/decision`. 404 for an unknown organization, 400 for the challenge’s own, 409 `TANDEM_PARTNER_ALREADY_INVITED` when it is invited or feeds it already (one that declined or left may be invited again), 409 `TANDEM_CHALLENGE_CLOSED` once closed.',
        params: IdParams,
        body: Type.Object({ organization: Slug }, { additionalProperties: false }),
        response: { 201: PartnerView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await invitePartner(ctx, request.viewer, request.params.id, request.body)),
  );

  app.get(
    '/api/challenges/:id/partners',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of each partner organization (invited, accepted, declined or left)',
        }),
        tags: ['partners'],
        summary: 'The organizations invited to feed the challenge (owner and partner admins)',
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(PartnerView) }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => getPartners(ctx, request.viewer, request.params.id),
  );

  app.post(
    '/api/challenges/:id/partners/:slug/decision',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          otherAdmin: 'forbid',
          note: 'the admins of the invited organization (here A, invited by B); the inviting organization’s admins cannot answer for it. A draft is hidden (404) from whoever is neither',
        }),
        tags: ['partners'],
        summary: 'Accept or decline an invitation to feed a challenge (invited org admin)',
        description:
          '`accept: true` with the `audience` of the partner’s own pages (same shape as a campaign’s; public by default): pledges made `via` the partner follow that rule instead of the campaign’s. 409 `TANDEM_PARTNER_ALREADY_DECIDED` unless the partner is `invited`.',
        params: PartnerParams,
        body: Type.Object(
          { accept: Type.Boolean(), audience: Type.Optional(Audience) },
          { additionalProperties: false },
        ),
        response: { 200: PartnerView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      decidePartnership(ctx, request.viewer, request.params.id, request.params.slug, request.body),
  );

  app.delete(
    '/api/challenges/:id/partners/:slug',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          // A's draft with B invited: B's admins leave, A's withdraw; the draft is hidden from the others.
          anonymous: 'hide',
          citizen: 'hide',
          member: 'hide',
          otherAdmin: 'allow',
          note: 'the partner’s admins (leave) or the challenge organization’s (withdraw); a draft is hidden (404) from whoever is neither, but its agents, who see it, get 403',
        }),
        tags: ['partners'],
        summary: 'Leave, or withdraw a partner, before the challenge opens',
        description:
          'Only while the challenge is a draft: 409 `TANDEM_CHALLENGE_NOT_DRAFT` after, since from the opening on every share stays on the record. The partner is kept, `left`. 409 `TANDEM_PARTNER_ALREADY_DECIDED` when it already declined or left.',
        params: PartnerParams,
        response: { 200: PartnerView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) =>
      leavePartnership(ctx, request.viewer, request.params.id, request.params.slug),
  );

  app.post(
    '/api/challenges/:id/partners/:slug/tiers',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          otherAdmin: 'forbid',
          note: 'the admins of the accepted partner (here A, a partner of B’s challenge); the owner’s admins set the challenge’s own tiers',
        }),
        tags: ['partners'],
        summary: 'Add a partner’s own sub-goal, unlocking on its share (partner admin)',
        description:
          'The body of a challenge’s tier (`goal`, `counterpart`); a donation or matching counterpart names a beneficiary of the partner (400 `counterpart/beneficiaryId` otherwise). It unlocks once, when the partner’s share reaches its goal — not the whole — and takes no part in the challenge’s own lifecycle; a goal already reached unlocks at once. 409 `TANDEM_PARTNER_ALREADY_DECIDED` unless the partner is accepted, `TANDEM_CHALLENGE_CLOSED` once closed.',
        params: PartnerParams,
        body: Type.Object(
          { goal: Goal, counterpart: Type.Optional(Counterpart) },
          { additionalProperties: false },
        ),
        response: { 201: PartnerTierView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await addPartnerTier(
            ctx,
            request.viewer,
            request.params.id,
            request.params.slug,
            request.body,
          ),
        ),
  );

  app.get(
    '/api/organizations/:slug/partnerships',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['partners'],
        summary: 'Challenges of other organizations this one is invited to feed (org admin)',
        description:
          'Newest invitation first, with the owner organization and the partnership’s status and audience; `status=invited` lists what waits for an answer (`POST /api/challenges/{id}/partners/{slug}/decision`). At most 500.',
        params: Type.Object({ slug: Slug }),
        querystring: Type.Object(
          { status: Type.Optional(StringEnum(['invited', 'accepted', 'declined', 'left'])) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                challenge: Type.Object({
                  id: Type.String(),
                  title: Type.String(),
                  status: Type.String(),
                  deadline: Type.Union([Type.String(), Type.Null()]),
                  organization: Type.Object({ slug: Type.String(), name: Type.String() }),
                }),
                status: StringEnum(['invited', 'accepted', 'declined', 'left']),
                audience: AnyObject,
                invitedAt: Type.String(),
                decidedAt: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      listPartnerships(ctx, request.viewer, request.params.slug, request.query.status),
  );

  app.get(
    '/api/challenges/:id/partners/:slug/report',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of that partner organization, for its own share',
        }),
        tags: ['partners'],
        summary: 'One organization’s share of a federated challenge, as a report',
        description:
          'The challenge report’s figures restricted to the people who count in that organization’s share (the owner’s slug gives the owner’s share). The owner’s admins read every share; a partner’s admins their own.',
        params: PartnerParams,
        response: { 200: AnyObject, ...errors(401, 403, 404) },
      },
    },
    async (request) => partnerReport(ctx, request.viewer, request.params.id, request.params.slug),
  );
}
