import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import { createSession, endSession, requestMagicLink } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import type { App } from '../types.js';
import { Email, errors, Locale } from '../schemas.js';
import { clearedSessionCookie, sessionCookieOf } from '../session-cookie.js';

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
        response: { 204: Type.Null(), ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      const authorization = request.headers.authorization;
      // The viewer was resolved from the same header or cookie, so the
      // token read here is the session that asked.
      const byCookie = authorization === undefined;
      const token = byCookie
        ? sessionCookieOf(request.headers.cookie)
        : /^Bearer\s+(\S+)/i.exec(authorization)?.[1];
      if (token && request.viewer.kind === 'participant') await endSession(ctx.db, token);
      // The web app sets the cookie; clearing it here too spares a browser
      // a dead cookie that would answer 401 on its next request.
      if (byCookie && token)
        void reply.header('set-cookie', clearedSessionCookie(request.hostname));
      return reply.code(204).send(null);
    },
  );
}
