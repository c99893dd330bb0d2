import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { TandemError } from '../../errors.js';
import { enforce } from '../../limits/rate-limiter.js';
import { access } from '../access.js';
import type { ServiceContext } from '../../services/context.js';
import {
  finishSsoSignIn,
  getOrganizationDomains,
  getSsoSettings,
  putSsoSettings,
  removeOrganizationDomain,
  SSO_COOKIE,
  SSO_LOGIN_TTL_SECONDS,
  startSsoSignIn,
  verifyOrganizationDomain,
} from '../../services/sso.js';
import { SESSION_TTL_DAYS } from '../../services/auth.js';
import type { App } from '../types.js';
import { DateTime, errors, Nullable } from '../schemas.js';
import { SESSION_COOKIE } from '../session-cookie.js';

const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) });
const DomainParams = Type.Object({
  slug: SlugParams.properties.slug,
  domain: Type.String({ minLength: 1, maxLength: 253 }),
});

const MemberClaim = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. groups' }),
    values: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      minItems: 1,
      maxItems: 50,
      description: 'someone is a member when the claim holds (or is) one of these',
    }),
  },
  { additionalProperties: false },
);

const DomainView = Type.Object({ domain: Type.String(), verifiedAt: DateTime });

const SsoSettingsView = Type.Object({
  configured: Type.Boolean(),
  enabled: Type.Boolean(),
  issuer: Nullable(Type.String()),
  clientId: Nullable(Type.String()),
  hasClientSecret: Type.Boolean({ description: 'the secret itself is never sent back' }),
  memberClaim: Nullable(MemberClaim),
  callbackUrl: Type.String({ description: 'the redirect URI to register at the provider' }),
  domains: Type.Array(DomainView),
  updatedAt: Nullable(DateTime),
});

const SsoSettingsInput = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 500, description: 'https URL of the issuer' }),
    clientId: Type.String({ minLength: 1, maxLength: 500 }),
    clientSecret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'write-only; absent keeps the stored one (required the first time)',
      }),
    ),
    memberClaim: Nullable(MemberClaim),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** Local development and tests run over plain http on loopback; everything else is https. */
const isLoopback = (hostname: string) =>
  hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';

/** The value of one cookie of a `Cookie` header (the sign-in under way's). */
function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{16,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * What a browser that asked for a page gets instead of an error body: the
 * site's sign-in page, which says what went wrong in the reader's language.
 */
const REASONS: Partial<Record<string, string>> = {
  TANDEM_AUTH_FORBIDDEN: 'refused',
  TANDEM_AUTH_INVALID: 'invalid',
  TANDEM_SSO_PROVIDER_UNAVAILABLE: 'unavailable',
  TANDEM_NOT_FOUND: 'unknown',
};

const wantsPage = (accept: string | undefined) => (accept ?? '').includes('text/html');

export async function ssoRoutes(app: App, ctx: ServiceContext): Promise<void> {
  const secureCookies = (hostname: string) => !isLoopback(hostname);
  /** A browser is sent to the sign-in page with the reason; an API client gets the error. */
  const answerError = (
    error: unknown,
    request: { headers: { accept?: string | undefined }; params: { slug: string } },
    reply: FastifyReply,
  ) => {
    const reason = error instanceof TandemError ? REASONS[error.code] : undefined;
    if (!reason || !wantsPage(request.headers.accept)) throw error;
    const params = new URLSearchParams({ sso: reason, organization: request.params.slug });
    return reply.header('cache-control', 'no-store').redirect(`/sign-in?${params}`, 303);
  };

  app.get(
    '/api/organizations/:slug/sso',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: "The organization's company sign-in (OpenID Connect); the secret is never sent",
        params: SlugParams,
        response: { 200: SsoSettingsView, ...errors(401, 403, 404) },
      },
    },
    async (request) => getSsoSettings(ctx, request.viewer, request.params.slug),
  );

  app.put(
    '/api/organizations/:slug/sso',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: 'Configure company sign-in: issuer, client, member rule',
        params: SlugParams,
        body: SsoSettingsInput,
        response: { 200: SsoSettingsView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { clientSecret, ...rest } = request.body;
      return putSsoSettings(ctx, request.viewer, request.params.slug, {
        ...rest,
        ...(clientSecret !== undefined ? { clientSecret } : {}),
      });
    },
  );

  app.get(
    '/api/organizations/:slug/domains',
    {
      schema: {
        'x-tandem-access': access.role('admin'),
        tags: ['organizations'],
        summary: 'The e-mail domains the platform admin verified for the organization',
        params: SlugParams,
        response: { 200: Type.Object({ items: Type.Array(DomainView) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => getOrganizationDomains(ctx, request.viewer, request.params.slug),
  );

  app.post(
    '/api/organizations/:slug/domains',
    {
      schema: {
        'x-tandem-access': access.platformAdmin(),
        tags: ['organizations'],
        summary:
          'Verify an e-mail domain for the organization (platform admin): its addresses may link company sign-in accounts to existing people',
        params: SlugParams,
        body: Type.Object(
          { domain: Type.String({ minLength: 1, maxLength: 253 }) },
          { additionalProperties: false },
        ),
        response: { 201: DomainView, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await verifyOrganizationDomain(
            ctx,
            request.viewer,
            request.params.slug,
            request.body.domain,
          ),
        ),
  );

  app.delete(
    '/api/organizations/:slug/domains/:domain',
    {
      schema: {
        'x-tandem-access': access.platformAdmin(),
        tags: ['organizations'],
        summary: 'Withdraw a verified domain (platform admin)',
        params: DomainParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeOrganizationDomain(
        ctx,
        request.viewer,
        request.params.slug,
        request.params.domain,
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/sso/:slug',
    {
      schema: {
        'x-tandem-access': access.token('hide', {
          note: 'anyone may start; 404 when the organization offers no company sign-in',
        }),
        tags: ['auth'],
        summary:
          "Start company sign-in: 302 to the organization's identity provider (code flow, PKCE, state, nonce)",
        params: SlugParams,
        querystring: Type.Object(
          {
            next: Type.Optional(
              Type.String({ maxLength: 2000, description: 'a path of this site to come back to' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 302: Type.Null(), ...errors(400, 404, 429, 502) },
      },
    },
    async (request, reply) => {
      // Each start stores a row and calls the provider: bounded per client
      // address like writes (TANDEM_RATE_LIMIT_PER_IP; 0 turns it off).
      const limit = ctx.config.rateLimits.perIpPerMinute;
      if (limit > 0) {
        await enforce(ctx.limiter, { name: 'sso-start', limit, windowMs: 60_000 }, request.ip);
      }
      let started: { location: string; cookie: string };
      try {
        started = await startSsoSignIn(ctx, request.params.slug, request.query.next);
      } catch (error) {
        return answerError(error, request, reply);
      }
      const { location, cookie } = started;
      const secure = secureCookies(request.hostname) ? '; Secure' : '';
      return reply
        .header(
          'set-cookie',
          `${SSO_COOKIE}=${cookie}; Path=/api/auth/sso; Max-Age=${SSO_LOGIN_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
        )
        .header('cache-control', 'no-store')
        .redirect(location, 302);
    },
  );

  app.get(
    '/api/auth/sso/:slug/callback',
    {
      schema: {
        'x-tandem-access': access.token('hide', {
          note: 'the credential is the sign-in under way (cookie) and the provider’s answer',
        }),
        tags: ['auth'],
        summary:
          'Where the identity provider sends the browser back: checks state, nonce and the member rule, opens a session (cookie) and redirects to next',
        params: SlugParams,
        querystring: Type.Object(
          {
            code: Type.Optional(Type.String({ maxLength: 4000 })),
            state: Type.Optional(Type.String({ maxLength: 500 })),
            iss: Type.Optional(Type.String({ maxLength: 500 })),
            session_state: Type.Optional(Type.String({ maxLength: 500 })),
            error: Type.Optional(Type.String({ maxLength: 200 })),
            error_description: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          // Providers add their own (`scope`, `authuser`, `hd`…): taken, not refused.
          { additionalProperties: Type.String({ maxLength: 2000 }) },
        ),
        response: { 302: Type.Null(), ...errors(400, 401, 403, 404, 502) },
      },
    },
    async (request, reply) => {
      const secure = secureCookies(request.hostname) ? '; Secure' : '';
      // The sign-in under way is used up whatever happens next.
      void reply.header(
        'set-cookie',
        `${SSO_COOKIE}=; Path=/api/auth/sso; Max-Age=0; HttpOnly; SameSite=Lax${secure}`,
      );
      const query = Object.fromEntries(
        Object.entries(request.query as Record<string, unknown>).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
        ),
      );
      let signedIn: Awaited<ReturnType<typeof finishSsoSignIn>>;
      try {
        signedIn = await finishSsoSignIn(
          ctx,
          request.params.slug,
          cookieOf(request.headers.cookie, SSO_COOKIE),
          query,
        );
      } catch (error) {
        return answerError(error, request, reply);
      }
      return reply
        .header('set-cookie', [
          `${SESSION_COOKIE}=${signedIn.sessionToken}; Path=/; Max-Age=${SESSION_TTL_DAYS * 86_400}; HttpOnly; SameSite=Lax${secure}`,
        ])
        .header('cache-control', 'no-store')
        .redirect(signedIn.next, 302);
    },
  );
}
