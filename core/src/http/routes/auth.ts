import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import { createSession, describeMe, endSession, requestMagicLink } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import type { App } from '../types.js';
import { Email, errors, Locale } from '../schemas.js';

export async function authRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.post(
    '/api/auth/magic-link',
    {
      schema: {
        'x-tandem-access': access.anyone(),
        tags: ['auth'],
        summary: 'Mail a one-time sign-in link (same answer for known and unknown addresses)',
        body: Type.Object(
          { email: Email, locale: Type.Optional(Locale) },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ status: Type.Literal('sent') }), ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      await requestMagicLink(ctx, request.body);
      return reply.code(202).send({ status: 'sent' as const });
    },
  );

  app.post(
    '/api/auth/session',
    {
      schema: {
        'x-tandem-access': access.token('hide'),
        tags: ['auth'],
        summary: 'Trade a sign-in token for a session token',
        body: Type.Object(
          { token: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            sessionToken: Type.String(),
            participantId: Type.String(),
            expiresAt: Type.String(),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => createSession(ctx, request.body.token),
  );

  app.delete(
    '/api/auth/session',
    {
      schema: {
        'x-tandem-access': access.anyone({ note: 'signing out without a session changes nothing' }),
        tags: ['auth'],
        summary: 'Sign out',
        response: { 204: Type.Null(), ...errors(401) },
      },
    },
    async (request, reply) => {
      const token = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1];
      if (token && request.viewer.kind === 'participant') await endSession(ctx.db, token);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      schema: {
        'x-tandem-access': access.participant({ platformAdmin: 'allow' }),
        tags: ['auth'],
        summary: 'Who I am, and my roles',
        response: {
          200: Type.Object({
            kind: Type.String(),
            id: Type.Optional(Type.String()),
            email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            displayName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
            memberships: Type.Array(
              Type.Object({
                organization: Type.String(),
                name: Type.String(),
                role: Type.String(),
              }),
            ),
          }),
          ...errors(401),
        },
      },
    },
    async (request) => describeMe(ctx, request.viewer),
  );
}
