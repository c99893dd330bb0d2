import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import { recordContribution } from '../../services/contributions.js';
import type { ServiceContext } from '../../services/context.js';
import { confirmPledge, pledge, withdrawPledge } from '../../services/pledges.js';
import type { App } from '../types.js';
import { AnyObject, DateTime, Email, errors, Locale, StringEnum, Title } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const PledgeConfirmed = Type.Object({ id: Type.String(), status: Type.Literal('confirmed') });

export async function pledgeRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/api/challenges/:id/pledges',
    {
      schema: {
        'x-tandem-access': access.audience({
          note: 'without a session, and with the admin token (which is no participant), the pledge is made by e-mail and confirmed by mail',
        }),
        tags: ['pledges'],
        summary: 'Pledge to a challenge',
        description:
          'Signed in: confirmed at once (201, or 200 with the existing pledge). Anonymous: a confirmation mail goes out and the answer is 202, also when the address already pledged. On a federated challenge `via` names the organization it came through; a person counts once, in the share of the first organization that confirmed them.',
        params: IdParams,
        body: Type.Object(
          {
            email: Type.Optional(Email),
            displayName: Type.Optional(Title({ maxLength: 80 })),
            location: Type.Optional(
              Type.Object(
                {
                  postcode: Type.Optional(
                    Type.String({ pattern: '^[0-9]{5}$', description: 'a French postcode' }),
                  ),
                  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
                  lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
                },
                {
                  additionalProperties: false,
                  description:
                    'a postcode, a point rounded by the browser, or both; kept only as a commune and a 200 m map cell',
                },
              ),
            ),
            showAs: Type.Optional(
              StringEnum(['name', 'anonymous'], {
                description: 'whether the feed may show displayName (default anonymous)',
              }),
            ),
            team: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            details: Type.Optional(AnyObject),
            locale: Type.Optional(Locale),
            via: Type.Optional(
              Type.String({
                pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
                description:
                  'the slug of the organization whose pages the pledge came through: the owner’s or an accepted partner’s of a federated challenge (400 otherwise); the owner when absent. The partner’s audience rule then applies instead of the campaign’s.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: PledgeConfirmed,
          201: PledgeConfirmed,
          202: Type.Object({ status: Type.Literal('pending') }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const answer = await pledge(ctx, request.viewer, request.params.id, request.body, {
        address: request.ip,
      });
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.post(
    '/api/pledges/confirm',
    {
      schema: {
        'x-tandem-access': access.token('hide'),
        tags: ['pledges'],
        summary: 'Confirm a pledge with the mailed token',
        body: Type.Object(
          { token: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: PledgeConfirmed, ...errors(400, 404, 409) },
      },
    },
    async (request) => confirmPledge(ctx, request.body.token),
  );

  app.delete(
    '/api/pledges/:id',
    {
      schema: {
        'x-tandem-access': access.participant({
          citizen: 'hide',
          member: 'hide',
          agent: 'hide',
          admin: 'hide',
          owner: 'hide',
          otherAdmin: 'hide',
          self: 'allow',
          note: "only the pledge's participant; to anyone else it does not exist",
        }),
        tags: ['pledges'],
        summary: 'Withdraw my pledge',
        params: IdParams,
        response: {
          200: Type.Object({ id: Type.String(), status: Type.Literal('withdrawn') }),
          ...errors(401, 404, 409),
        },
      },
    },
    async (request) => withdrawPledge(ctx, request.viewer, request.params.id),
  );

  app.post(
    '/api/challenges/:id/contributions',
    {
      schema: {
        'x-tandem-access': access.role('agent', {
          note: "recording for a named participant; self-reports are each participant's own",
        }),
        tags: ['contributions'],
        summary: 'Report an action done (or, as an agent, record one for someone)',
        params: IdParams,
        body: Type.Object(
          {
            details: AnyObject,
            occurredAt: Type.Optional(DateTime),
            participant: Type.Optional(
              Type.Union([
                Type.Object({ email: Email }, { additionalProperties: false }),
                Type.Object(
                  { code: Type.String({ minLength: 4, maxLength: 32 }) },
                  { additionalProperties: false },
                ),
                Type.Null(),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            quantity: Type.Number(),
            unit: Type.Union([Type.String(), Type.Null()]),
            occurredAt: Type.String(),
            impact: Type.Object({ co2eKg: Type.Number(), source: Type.Optional(Type.String()) }),
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await recordContribution(ctx, request.viewer, request.params.id, request.body)),
  );
}
