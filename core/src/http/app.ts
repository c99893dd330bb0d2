/// <reference types="@fastify/swagger" preserve="true" />
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { enforce } from '../limits/rate-limiter.js';
import { anonymous, type ServiceContext } from '../services/context.js';
import { resolveSession, resolveViewer } from '../services/auth.js';
import {
  createAjv,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  refuseHostileStrings,
  type RequestPart,
} from '../validation.js';
import { TandemError } from '../errors.js';
import { secureLoggerOptions } from '../logging.js';
import { CORE_VERSION } from '../plugins/registry.js';
import { access } from './access.js';
import type { App } from './types.js';
import { installErrorHandling } from './errors.js';
import { installIdempotency } from './idempotency.js';
import { assertSameOrigin, sessionCookieOf } from './session-cookie.js';
import { authRoutes } from './routes/auth.js';
import { challengeRoutes } from './routes/challenges.js';
import { partnerRoutes } from './routes/partners.js';
import { actionTypeRoutes } from './routes/action-types.js';
import { contributionRoutes } from './routes/contributions.js';
import { devRoutes } from './routes/dev.js';
import { fileRoutes } from './routes/files.js';
import { ledgerRoutes } from './routes/ledger.js';
import { meRoutes } from './routes/me.js';
import { organizationRoutes } from './routes/organizations.js';
import { mapRoutes } from './routes/map.js';
import { pledgeRoutes } from './routes/pledges.js';
import { reminderRoutes } from './routes/reminders.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { integrityRoutes } from './routes/integrity.js';
import { reportRoutes } from './routes/reports.js';

export type { App } from './types.js';

export interface AppDependencies {
  ctx: ServiceContext;
  /** Fastify's logger option; `false` in tests. */
  logger?: FastifyServerOptions['logger'];
  /** Registered after core's routes, inside the same app (plugins' and apps' routes). */
  extend?: (app: App) => Promise<void> | void;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One route as registered: what the route-table tests walk (hidden routes included). */
export interface RegisteredRoute {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
}

const routeTables = new WeakMap<object, RegisteredRoute[]>();

/** Every route registered on an app built by {@link buildApp}, core's and plugins'. */
export function routeTableOf(app: FastifyInstance): readonly RegisteredRoute[] {
  return routeTables.get(app) ?? [];
}

const isEmptyBody = (body: unknown) =>
  body === undefined ||
  body === null ||
  (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/**
 * A write without a body schema takes no body: one sent anyway is refused
 * rather than ignored, so a client never believes a field was taken.
 */
async function refuseUndeclaredBody(request: { body: unknown }): Promise<void> {
  if (isEmptyBody(request.body)) return;
  const field =
    request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body)
      ? (Object.keys(request.body)[0] ?? 'body')
      : 'body';
  throw new TandemError('TANDEM_REQUEST_UNKNOWN_FIELD', `${field} is not a known field`, [
    { path: field, message: 'is not a known field: this request takes no body' },
  ]);
}

/**
 * Timeouts against slow clients: the whole request (headers and body) within
 * `requestTimeoutMs`, the headers within 10 s of it, checked often enough
 * that a trickling client is cut off close to the limit rather than up to
 * 30 s (Node's default check interval) later. Streams sent to clients are
 * not concerned: the limits stop once the request is received.
 */
function serverTimeouts(requestTimeoutMs: number): Pick<FastifyServerOptions, 'requestTimeout'> & {
  http: { headersTimeout: number; connectionsCheckingInterval: number };
} {
  const headersTimeout = requestTimeoutMs > 0 ? Math.min(requestTimeoutMs, 10_000) : 10_000;
  const check = Math.min(
    30_000,
    Math.max(100, Math.floor(Math.min(headersTimeout, requestTimeoutMs || headersTimeout) / 4)),
  );
  return {
    requestTimeout: requestTimeoutMs,
    http: { headersTimeout, connectionsCheckingInterval: check },
  };
}

/**
 * The security headers helmet gives an answer (see buildApp), for API
 * routes: taken from helmet itself on the first API request, with the
 * configuration every answer shares but without script and style nonces,
 * which only pages use; later requests get a copy. Helmet otherwise builds
 * its middleware and draws two nonces on every request, a sizeable part of
 * a cached read's cost (docs/performance.md, "Read path").
 */
function apiSecurityHeaders() {
  let headers: [string, number | string | readonly string[]][] | null = null;
  return function apiSecurityHeadersHook(
    _request: unknown,
    reply: { helmet: () => unknown; raw: ServerResponse },
    done: () => void,
  ): void {
    if (headers === null) {
      const before = new Set(reply.raw.getHeaderNames());
      reply.helmet();
      headers = Object.entries(reply.raw.getHeaders()).filter(
        (entry): entry is [string, number | string | string[]] =>
          entry[1] !== undefined && !before.has(entry[0]),
      );
    } else {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
    }
    done();
  };
}

/**
 * Builds the HTTP API without listening, so tests drive it with
 * `app.inject()` and the server app decides where it listens.
 */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { ctx } = deps;
  const app = Fastify({
    // Tokens in URLs and values in SQL never reach a log line (logging.ts).
    logger: secureLoggerOptions(deps.logger ?? false),
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 256 * 1024,
    ...serverTimeouts(ctx.config.requestTimeoutMs),
    // Ids come from our own generator; a very long path is someone probing.
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const table: RegisteredRoute[] = [];
  routeTables.set(app, table);
  const apiHeaders = apiSecurityHeaders();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      table.push({ method, url: route.url, schema: route.schema as RegisteredRoute['schema'] });
    }
    if (route.url.startsWith('/api/') && route.helmet === undefined) {
      // API answers are not pages: the same headers, without per-answer
      // nonces, set from a copy rather than rebuilt on each request.
      route.helmet = false;
      const own = route.onRequest;
      route.onRequest = [
        ...(own === undefined ? [] : Array.isArray(own) ? own : [own]),
        apiHeaders,
      ];
    }
    if (!methods.some((method) => WRITE_METHODS.has(method)) || !route.url.startsWith('/api/')) {
      return;
    }
    const body = (route.schema as { body?: { type?: unknown; required?: unknown[] } } | undefined)
      ?.body;
    // Without a body schema, a body is refused; with one whose fields are all
    // optional, sending none is the same as sending `{}`.
    const extra = !body
      ? refuseUndeclaredBody
      : body.type === 'object' && !body.required?.length
        ? emptyBodyAsObject
        : undefined;
    if (extra) {
      const own = route.preValidation;
      route.preValidation = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), extra];
    }
  });

  // Each request part gets its own Ajv: bodies are neither coerced nor
  // stripped, so unknown fields are refused (STACK.md, "Gotchas").
  const ajv: Record<RequestPart, ReturnType<typeof createAjv>> = {
    body: createAjv('body'),
    querystring: createAjv('querystring'),
    params: createAjv('params'),
    headers: createAjv('headers'),
  };
  app.setValidatorCompiler(({ schema, httpPart }) =>
    ajv[(httpPart as RequestPart | undefined) ?? 'body'].compile(schema),
  );

  // An empty JSON body is an empty request, not a syntax error: `POST
  // /open` from a client that always sends the JSON header should work.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    // Depth is bounded on the text, before anything (parser, idempotency
    // fingerprint, logger) walks a value built from it.
    if (jsonDepthExceeds(text)) {
      const message = `must not nest deeper than ${MAX_JSON_DEPTH} levels`;
      return done(
        new TandemError('TANDEM_REQUEST_INVALID', `body ${message}`, [{ path: 'body', message }]),
        undefined,
      );
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = Object.assign(new Error('is not valid JSON'), { statusCode: 400 });
      done(error, undefined);
    }
  });

  installErrorHandling(app);

  // One rule for every part a route may read, before its schema and before
  // any hook stores or forwards a value: no NUL, no unpaired surrogate (see
  // validation.ts). Bodies keep their field names bare, like schema errors.
  // The cheap hooks below take a callback rather than return a promise:
  // they run on every request, reads included (docs/performance.md).
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      refuseHostileStrings(request.params, 'params');
      refuseHostileStrings(request.query, 'querystring');
      refuseHostileStrings(request.headers, 'headers');
      refuseHostileStrings(request.body, '');
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  });

  // Security headers on every answer (API, /docs, /ops and the plain pages):
  // nothing may frame Tandem, scripts and styles come from this origin or
  // carry the answer's nonce (`reply.cspNonce`), and no URL — token pages
  // carry their token in it — leaves through a Referer.
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'none'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'connect-src': ["'self'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });

  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema 2020-12, which is what TypeBox
      // writes (numeric `exclusiveMinimum`, `const`); 3.0 would be invalid.
      openapi: '3.1.0',
      info: {
        title: 'Tandem API',
        version: CORE_VERSION,
        description:
          'Reciprocal climate challenges: IF enough people act, THEN a sponsor delivers a counterpart.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          // Browsers only; its writes need this server's own Origin (ADR 0028).
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tandem_session' },
        },
      },
    },
  });
  // Swagger UI loads its scripts and styles from /docs/static (allowed by
  // 'self'); no validator badge, which would load an image from elsewhere.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null } });

  app.decorateRequest('viewer', null as never);
  app.addHook('onRequest', (request, _reply, done) => {
    if (!WRITE_METHODS.has(request.method) || !request.url.startsWith('/api/')) {
      done();
      return;
    }
    enforce(
      ctx.limiter,
      { name: 'writes', limit: ctx.config.rateLimits.perIpPerMinute, windowMs: 60_000 },
      request.ip,
    ).then(() => done(), done);
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      // A browser's session comes as a cookie (ADR 0028); a write that
      // relies on it must come from this server's own pages.
      let session: string | undefined;
      try {
        session = request.url.startsWith('/api/')
          ? sessionCookieOf(request.headers.cookie)
          : undefined;
        if (session !== undefined && WRITE_METHODS.has(request.method)) {
          assertSameOrigin(request, ctx.config.publicOrigin);
        }
      } catch (error) {
        done(error as Error);
        return;
      }
      if (session === undefined) {
        request.viewer = anonymous;
        done();
        return;
      }
      resolveSession(ctx, session).then((viewer) => {
        request.viewer = viewer;
        done();
      }, done);
      return;
    }
    resolveViewer(ctx, authorization).then((viewer) => {
      request.viewer = viewer;
      done();
    }, done);
  });
  installIdempotency(app, ctx);

  // A read after a write answered by this process sees it (ADR 0023): every
  // write drops the cached views before its answer leaves. Coarse — which
  // challenge a write touched is not known here — but writes are few
  // beside reads, and a refill is one read of a few rows.
  const views = ctx.views;
  if (views) {
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (WRITE_METHODS.has(request.method)) views.clear();
      done(null, payload);
    });
  }

  app.get(
    '/api/health',
    {
      schema: {
        'x-tandem-access': access.anyone(),
        tags: ['operations'],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  await app.register(async (api) => {
    await organizationRoutes(api as unknown as App, ctx);
    await fileRoutes(api as unknown as App, ctx);
    await challengeRoutes(api as unknown as App, ctx);
    await partnerRoutes(api as unknown as App, ctx);
    await ledgerRoutes(api as unknown as App, ctx);
    await pledgeRoutes(api as unknown as App, ctx);
    await mapRoutes(api as unknown as App, ctx);
    await authRoutes(api as unknown as App, ctx);
    await meRoutes(api as unknown as App, ctx);
    await contributionRoutes(api as unknown as App, ctx);
    await reminderRoutes(api as unknown as App, ctx);
    await reportRoutes(api as unknown as App, ctx);
    await dashboardRoutes(api as unknown as App, ctx);
    await integrityRoutes(api as unknown as App, ctx);
    await actionTypeRoutes(api as unknown as App, ctx);
    if (ctx.config.devMailbox) await devRoutes(api as unknown as App, ctx);
  });
  if (deps.extend) await deps.extend(app as unknown as App);
  return app as unknown as App;
}
