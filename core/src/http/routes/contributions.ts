import { Type } from '@sinclair/typebox';
import {
  correctContribution,
  deleteContribution,
} from '../../services/contribution-corrections.js';
import type { ServiceContext } from '../../services/context.js';
import { access } from '../access.js';
import type { App } from '../types.js';
import { AnyObject, DateTime, errors } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The participant's own rule: to anyone else a contribution does not exist. */
const ownContribution = (note: string) =>
  access.participant({
    citizen: 'hide',
    member: 'hide',
    agent: 'hide',
    admin: 'hide',
    owner: 'hide',
    otherAdmin: 'hide',
    self: 'allow',
    note,
  });

/** `PATCH` and `DELETE /api/contributions/{id}`: a participant corrects what they reported (ADR 0029). */
export async function contributionRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.patch(
    '/api/contributions/:id',
    {
      schema: {
        'x-tandem-access': ownContribution(
          "only the contribution's participant, within TANDEM_CONTRIBUTION_EDIT_DAYS of recording it; to anyone else it does not exist",
        ),
        tags: ['contributions'],
        summary: 'Correct a contribution I reported (a typo), within the correction window',
        description:
          'The details are checked again by the action type (schema, references, limits per person and day) and measured again; the challenge’s counters move by the difference. 409 `TANDEM_CONTRIBUTION_LOCKED` after `editableUntil`, for a contribution an agent recorded, or once the challenge has closed. An unlock already reached stays.',
        params: IdParams,
        body: Type.Object(
          { details: AnyObject, occurredAt: Type.Optional(DateTime) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
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
    async (request) => correctContribution(ctx, request.viewer, request.params.id, request.body),
  );

  app.delete(
    '/api/contributions/:id',
    {
      schema: {
        'x-tandem-access': ownContribution(
          "only the contribution's participant, within TANDEM_CONTRIBUTION_EDIT_DAYS of recording it; to anyone else it does not exist",
        ),
        tags: ['contributions'],
        summary: 'Delete a contribution I reported, within the correction window',
        description:
          'The challenge’s counters lose it; if it alone made me count, I stop counting. 409 `TANDEM_CONTRIBUTION_LOCKED` as for a correction. An unlock already reached stays.',
        params: IdParams,
        response: {
          200: Type.Object({ status: Type.Literal('deleted') }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => deleteContribution(ctx, request.viewer, request.params.id),
  );
}
