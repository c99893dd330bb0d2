/**
 * Operators' tools under `/ops` (API.md reserves the path for them):
 * liveness and readiness probes, Prometheus metrics, the BullMQ dashboard
 * and a browser sign-in for it. See docs/operations.md.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { TandemError } from '../errors.js';
import type { App } from '../http/types.js';
import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { JobQueue } from '../jobs/queue.js';
import type { ServiceContext } from '../services/context.js';
import type { Database } from '../store/database.js';
import {
  ADMIN_COOKIE,
  ADMIN_COOKIE_TTL_SECONDS,
  adminCookieValue,
  bearerOf,
  refuse,
  sameSecret,
} from './auth.js';
import { enforce } from '../limits/rate-limiter.js';
import { checkReadiness } from './health.js';
import { createOpsMetrics, type OpsMetrics } from './metrics.js';
import { queueDashboard } from './queues.js';

export { checkReadiness, type Readiness, type CheckResult } from './health.js';
export { createOpsMetrics, MetricNames, type OpsMetrics } from './metrics.js';
export { ADMIN_COOKIE } from './auth.js';

/**
 * The parts of a platform the operators' tools read. Named here rather than
 * taken from `platform.ts`: the composition root installs the tools, so they
 * do not import it (docs/decisions/0020).
 */
export interface OpsPlatform {
  readonly app: App;
  readonly ctx: ServiceContext;
  readonly config: Config;
  readonly db: Database;
  readonly redis: Redis | Cluster | undefined;
  readonly queue: JobQueue;
}

const hidden = { hide: true } as const;

/** Sign-in attempts with the admin token per client IP (all of them, right or wrong). */
export const OPS_SESSION_RULE = { name: 'ops-session', limit: 10, windowMs: 15 * 60_000 } as const;

const adminCookie = (value: string, maxAge: number, secure: boolean) =>
  `${ADMIN_COOKIE}=${value}; Path=/ops; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;

/**
 * Adds `/ops/live`, `/ops/ready`, `/ops/metrics`, `/ops/queues` and
 * `/ops/session` to the platform's app, and an `onResponse` hook that
 * counts every request. Call it once, after the app is built and before it
 * listens.
 *
 * @returns the metrics, for tests and embedding apps
 * @example
 * const platform = await createPlatform({ config }); // calls installOps itself
 */
export async function installOps(platform: OpsPlatform): Promise<OpsMetrics> {
  const { app, config } = platform;
  const metrics = createOpsMetrics({ db: platform.db, queue: platform.queue });
  app.addHook('onResponse', async (request, reply) => metrics.observe(request, reply));

  app.get('/ops/live', { schema: hidden }, async () => ({ status: 'ok' }));

  app.get(
    '/ops/ready',
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          redis: Type.Optional(Type.Union([Type.Literal('required'), Type.Literal('optional')])),
        }),
      },
    },
    async (request, reply) => {
      const readiness = await checkReadiness({
        db: platform.db,
        redis: platform.redis,
        redisRequired: request.query.redis !== 'optional',
      });
      return reply.code(readiness.status === 'ok' ? 200 : 503).send(readiness);
    },
  );

  await app.register(async (scope: App) => {
    scope.addHook('onRequest', async (request, reply): Promise<FastifyReply | void> => {
      const expected = config.metricsToken ?? config.adminToken;
      if (!expected) {
        return refuse(
          reply,
          new TandemError(
            'TANDEM_NOT_FOUND',
            'Metrics are off: set TANDEM_METRICS_TOKEN (or TANDEM_ADMIN_TOKEN) to serve them.',
          ),
        );
      }
      const given = bearerOf(request.headers.authorization);
      if (given === undefined) {
        return refuse(
          reply,
          new TandemError('TANDEM_AUTH_REQUIRED', 'Send Authorization: Bearer <metrics token>.'),
        );
      }
      if (!sameSecret(given, expected)) {
        return refuse(reply, new TandemError('TANDEM_AUTH_INVALID', 'Wrong metrics token.'));
      }
      // The metrics token is no session: consumed here, it must not reach
      // the app's viewer resolution, which would refuse it.
      delete request.headers.authorization;
    });
    scope.get('/ops/metrics', { schema: hidden }, async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.render()),
    );
  });

  app.post(
    '/ops/session',
    {
      schema: {
        hide: true,
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 1000 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const adminToken = config.adminToken;
      if (!adminToken) {
        throw new TandemError('TANDEM_NOT_FOUND', 'No platform admin is configured here.');
      }
      // Every attempt counts, per client IP, before the token is compared:
      // guessing gets a handful of tries per quarter hour, not thousands.
      await enforce(platform.ctx.limiter, OPS_SESSION_RULE, request.ip);
      if (!sameSecret(request.body.token, adminToken)) {
        throw new TandemError('TANDEM_AUTH_INVALID', 'This is not the platform admin token.');
      }
      const value = adminCookieValue(adminToken, Date.now() + ADMIN_COOKIE_TTL_SECONDS * 1000);
      const secure = request.protocol === 'https' || config.publicUrl.startsWith('https:');
      return reply
        .header('set-cookie', adminCookie(value, ADMIN_COOKIE_TTL_SECONDS, secure))
        .code(204)
        .send();
    },
  );
  app.delete('/ops/session', { schema: hidden }, async (_request, reply) =>
    reply
      .header('set-cookie', adminCookie('', 0, false))
      .code(204)
      .send(),
  );

  await queueDashboard(app, { ctx: platform.ctx, queue: platform.queue });
  return metrics;
}
