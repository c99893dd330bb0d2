import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import {
  closeChallenge,
  createChallenge,
  decideSponsorship,
  fulfillTier,
  getCampaign,
  getChallenge,
  openChallenge,
} from '../../services/challenges.js';
import type { ServiceContext } from '../../services/context.js';
import type { App } from '../types.js';
import {
  AnyObject,
  CampaignView,
  ChallengeView,
  Counterpart,
  DateTime,
  errors,
  Goal,
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

export async function challengeRoutes(app: App, ctx: ServiceContext): Promise<void> {
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
    async (request) => getCampaign(ctx, request.viewer, request.params.id),
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
    async (request) => getChallenge(ctx, request.viewer, request.params.id),
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
          'Optionally with a proof of delivery (`text`, an http(s) `url`), stored and shown on the tier with `fulfilledAt` and `fulfilledBy`. Any other field is refused.',
        params: Type.Object({ id: IdParams.properties.id, tierId: IdParams.properties.id }),
        body: Type.Object({ proof: Type.Optional(Proof) }, { additionalProperties: false }),
        response: { 200: ChallengeView, ...errors(401, 403, 404, 409) },
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
