import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import { hasRole } from '../../services/access.js';
import {
  assertCanSeeChallenge,
  campaignVisibility,
  closeChallenge,
  createChallenge,
  decideSponsorship,
  deleteChallenge,
  fulfillTier,
  getCampaign,
  getChallenge,
  loadCampaignView,
  loadChallengeView,
  openChallenge,
  updateChallenge,
} from '../../services/challenges.js';
import { withSignInHint } from '../../services/sso.js';
import type { CachedView, ServiceContext } from '../../services/context.js';
import { findCampaign, organizationTag } from '../../services/organizations.js';
import type { ViewCache } from '../../services/view-cache.js';
import type { FastifyReply } from 'fastify';
import type { Viewer } from '../../services/context.js';
import type { App } from '../types.js';
import {
  AnyObject,
  CampaignView,
  ChallengeView,
  Counterpart,
  DateTime,
  errors,
  Goal,
  Nullable,
  Proof,
  Slug,
  StringEnum,
  Title,
} from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const TierInput = Type.Object(
  { goal: Goal, counterpart: Type.Optional(Counterpart), sponsor: Type.Optional(Slug) },
  { additionalProperties: false },
);

const ChallengeInput = Type.Object(
  {
    title: Title({ maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 10000 })),
    actionType: Type.String({ minLength: 1, maxLength: 60 }),
    actionSettings: Type.Optional(AnyObject),
    goal: Type.Optional(Goal),
    counterpart: Type.Optional(Counterpart),
    tiers: Type.Optional(Type.Array(TierInput, { minItems: 1, maxItems: 20 })),
    sponsor: Type.Optional(Slug),
    deadline: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);

/** A draft's edit: the creation's fields, each optional; `null` clears a description or deadline. */
const ChallengePatch = Type.Object(
  {
    title: Type.Optional(ChallengeInput.properties.title),
    description: Type.Optional(Nullable(Type.String({ maxLength: 10000 }))),
    actionType: Type.Optional(ChallengeInput.properties.actionType),
    actionSettings: Type.Optional(AnyObject),
    goal: Type.Optional(Goal),
    counterpart: Type.Optional(Counterpart),
    tiers: Type.Optional(Type.Array(TierInput, { minItems: 1, maxItems: 20 })),
    sponsor: Type.Optional(Slug),
    deadline: Type.Optional(Nullable(DateTime)),
  },
  { additionalProperties: false },
);

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends a cached answer to a viewer allowed to see it. The answer is the
 * same for everyone allowed; who is allowed is checked here, on each
 * request, from what was cached beside it (ADR 0023).
 */
function sendCached(
  reply: FastifyReply,
  viewer: Viewer,
  id: string,
  cached: CachedView,
): FastifyReply {
  assertCanSeeChallenge(viewer, id, cached);
  // A crowd on one page asks the same answer thousands of times: a public
  // challenge may be kept a few seconds by browsers and shared caches (the
  // live stream brings what changes meanwhile); anything else is private.
  const shared = cached.audience.type === 'public' && !cached.isDraft;
  return reply
    .type(JSON_TYPE)
    .header('cache-control', shared ? PUBLIC_COUNT_CACHE : 'private, no-cache')
    .send(cached.body);
}

/** How long a public challenge's counts may be reused (API.md: counts that survive a crowd). */
const PUBLIC_COUNT_CACHE = 'public, max-age=5, stale-while-revalidate=30';

/** The answer as the route's compiled response schema writes it (fast-json-stringify). */
function serialized(reply: FastifyReply, value: unknown): string {
  const body = reply.serialize(value);
  if (typeof body !== 'string') throw new TypeError('a JSON answer serialized to bytes');
  return body;
}

export async function challengeRoutes(app: App, ctx: ServiceContext): Promise<void> {
  const views = ctx.views;
  app.get(
    '/api/campaigns/:id',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['campaigns'],
        summary: 'A campaign with its challenges and their progress',
        params: IdParams,
        response: { 200: CampaignView, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!views) return getCampaign(ctx, request.viewer, id);
      // The cached answer is the public one (no drafts); the organization's
      // agents and admins, who also see drafts, are few: theirs is read fresh.
      const cached = await views.get(`campaign:${id}`, async () => {
        const campaign = await findCampaign(ctx.db, id);
        const loaded = await loadCampaignView(ctx, campaign, { drafts: false });
        return {
          value: { ...campaignVisibility(campaign), body: serialized(reply, loaded.view) },
          // The campaign shows its organization's name: renaming drops it.
          tags: [id, ...loaded.challengeIds, organizationTag(campaign.organizationId)],
          ...(loaded.earliestDeadline !== null ? { expiresAt: loaded.earliestDeadline } : {}),
        };
      });
      if (hasRole(request.viewer, cached.organizationId, 'agent')) {
        return getCampaign(ctx, request.viewer, id);
      }
      return sendCached(reply, request.viewer, id, cached);
    },
  );

  app.post(
    '/api/campaigns/:id/challenges',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['challenges'],
        summary: 'Create a challenge as a draft (org admin)',
        description:
          'Give `goal` (+ `counterpart`) for one tier, or `tiers` for stretch goals, each with its own counterpart and sponsor.',
        params: IdParams,
        body: ChallengeInput,
        response: { 201: ChallengeView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createChallenge(ctx, request.viewer, request.params.id, request.body)),
  );

  app.get(
    '/api/challenges/:id',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['challenges'],
        summary: 'A challenge: IF/THEN tiers, status and progress',
        params: IdParams,
        response: { 200: ChallengeView, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // A members-only challenge refused: say whose members, so the page
      // can offer that organization's sign-in (ADR 0044).
      const hinted = async (error: unknown) => {
        throw await withSignInHint(ctx, id, error);
      };
      if (!views) return getChallenge(ctx, request.viewer, id).catch(hinted);
      // Most reads are hits: answered without waiting on anything.
      const hit = views.peek(id);
      if (hit) {
        try {
          return sendCached(reply, request.viewer, id, hit);
        } catch (error) {
          return hinted(error);
        }
      }
      return readChallenge(reply, request.viewer, id, views).catch(hinted);
    },
  );

  async function readChallenge(
    reply: FastifyReply,
    viewer: Viewer,
    id: string,
    views: ViewCache<CachedView>,
  ): Promise<FastifyReply> {
    const cached = await views.get(id, async () => {
      const loaded = await loadChallengeView(ctx, id);
      return {
        value: { ...loaded.visibility, body: serialized(reply, loaded.view) },
        tags: [id],
        // The forecast in the answer ends at the deadline, and a tier's
        // `overdue` flips at its delivery date.
        ...(loaded.expiresAt !== null ? { expiresAt: loaded.expiresAt } : {}),
      };
    });
    return sendCached(reply, viewer, id, cached);
  }

  app.patch(
    '/api/challenges/:id',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['challenges'],
        summary: 'Edit a draft challenge (org admin)',
        description:
          'The fields of creation, each optional: those left out stay as they are; `description` and `deadline` may be `null`. Checked as a creation is (the action type’s settings schema, the tiers’ rules, sponsors, beneficiaries), 400 naming each field. `goal` (+ `counterpart`) or `tiers` replaces every tier: a tier promising what the one of the same rank promised keeps its id and its sponsor’s answer, any other is proposed afresh to the sponsor it names. 409 `TANDEM_CHALLENGE_NOT_DRAFT` once opened. Answers the challenge.',
        params: IdParams,
        body: ChallengePatch,
        response: { 200: ChallengeView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => updateChallenge(ctx, request.viewer, request.params.id, request.body),
  );

  app.delete(
    '/api/challenges/:id',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['challenges'],
        summary: 'Delete a draft challenge (org admin)',
        description:
          'A draft goes with its tiers. 409 `TANDEM_CHALLENGE_NOT_DRAFT` once opened: an opened challenge is closed (`POST /api/challenges/{id}/close`), never deleted.',
        params: IdParams,
        response: {
          200: Type.Object({ id: Type.String(), status: Type.Literal('deleted') }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => deleteChallenge(ctx, request.viewer, request.params.id),
  );

  const lifecycle = [
    ['open', openChallenge, 'Open a draft to pledges (org admin)'],
    [
      'close',
      closeChallenge,
      'Close now: reached tiers unlock, then it succeeds or fails (org admin)',
    ],
  ] as const;
  for (const [action, run, summary] of lifecycle) {
    app.post(
      `/api/challenges/:id/${action}`,
      {
        schema: {
          'x-tandem-access': access.role('admin'),
          tags: ['challenges'],
          summary,
          params: IdParams,
          response: { 200: ChallengeView, ...errors(401, 403, 404, 409) },
        },
      },
      async (request) => run(ctx, request.viewer, request.params.id),
    );
  }

  app.post(
    '/api/challenges/:id/tiers/:tierId/fulfill',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: "also the sponsor's admins, for the tiers it sponsors",
        }),
        tags: ['challenges'],
        summary: "Mark an unlocked tier's counterpart delivered (sponsor or org admin)",
        description:
          'Optionally with a proof of delivery: `text`, an http(s) `url`, and `fileId`, a file uploaded by the sponsor (or the organizer) with `POST /api/organizations/{slug}/files` — kept on the tier with its SHA-256, type and size, and public from then on (400 `proof/fileId` for an unknown file or another organization’s). Shown on the tier with `fulfilledAt` and `fulfilledBy`; a beneficiary with an e-mail is mailed a link to confirm receipt. 409 `TANDEM_TIER_NOT_UNLOCKED` before the unlock, `TANDEM_TIER_ALREADY_FULFILLED` the second time (the proof stays as recorded). Any other field is refused.',
        params: Type.Object({ id: IdParams.properties.id, tierId: IdParams.properties.id }),
        body: Type.Object({ proof: Type.Optional(Proof) }, { additionalProperties: false }),
        response: { 200: ChallengeView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      fulfillTier(
        ctx,
        request.viewer,
        request.params.id,
        request.params.tierId,
        request.body.proof ?? null,
      ),
  );

  app.post(
    '/api/challenges/:id/tiers/:tierId/sponsorship',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'admins of the organization proposed as sponsor; the organizer is someone else',
        }),
        tags: ['challenges'],
        summary: 'Accept or decline a proposed sponsorship (admin of the proposed sponsor)',
        description:
          'A tier that names another organization than the organizer as sponsor (or uses its beneficiary) is `proposed` until that organization answers; the challenge cannot open before every tier is `accepted`. Answers the challenge. 409 when the tier is not `proposed`.',
        params: Type.Object({ id: IdParams.properties.id, tierId: IdParams.properties.id }),
        body: Type.Object(
          { decision: StringEnum(['accept', 'decline']) },
          { additionalProperties: false },
        ),
        response: { 200: ChallengeView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      decideSponsorship(
        ctx,
        request.viewer,
        request.params.id,
        request.params.tierId,
        request.body.decision,
      ),
  );
}
