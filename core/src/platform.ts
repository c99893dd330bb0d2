import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { TandemError } from './errors.js';
import { buildApp, type App } from './http/app.js';
import { evaluateChallengeNow } from './jobs/handlers/evaluate-challenge.js';
import { createLocalQueue } from './jobs/local/local-queue.js';
import { Jobs, type JobQueue } from './jobs/queue.js';
import { createOutboxRelay, type OutboxRelay } from './jobs/relay.js';
import { sweepChallenges } from './jobs/sweep.js';
import { createMemoryRateLimiter } from './limits/memory.js';
import { createRedisRateLimiter } from './limits/redis.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { createDevMailbox } from './mail/dev-mailbox.js';
import { createSmtpMailer, type Mailer } from './mail/mailer.js';
import { pledgeOnly } from './plugins/pledge-only.js';
import { createRegistry, type Plugin, type PluginRegistry } from './plugins/registry.js';
import type { ServiceContext } from './services/context.js';
import { openDatabase, type Database } from './store/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabaseServer } from './store/embedded.js';

export interface PlatformOptions {
  config: Config;
  /** Action types and integrations; the built-in `pledge-only` is always there. */
  plugins?: readonly Plugin[];
  /** Apply pending migrations at start (the demo); otherwise refuse to start while any is pending. */
  migrate?: boolean;
  /** Process jobs in this process. Default: true (the in-process queue). */
  runJobs?: boolean;
  /** Replaces the mailer chosen from the configuration (tests). */
  mailer?: Mailer;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  /** Where the embedded PostgreSQL lives when DATABASE_URL is unset (default `<dataDir>/postgres`). */
  embeddedDataDir?: string;
  /** Keep the embedded cluster's data when stopping (default true). */
  embeddedPersistent?: boolean;
  /** Extra routes, registered inside the app after core's. */
  extendApp?: (app: App, platform: Platform) => Promise<void> | void;
}

/** Tandem assembled: database, plugins, queue, relay and HTTP app. */
export interface Platform {
  readonly config: Config;
  readonly db: Database;
  readonly registry: PluginRegistry;
  readonly queue: JobQueue;
  readonly relay: OutboxRelay;
  readonly app: App;
  readonly ctx: ServiceContext;
  /** The PostgreSQL Tandem started itself, when DATABASE_URL was unset. */
  readonly embedded: EmbeddedDatabaseServer | undefined;
  /** Starts jobs and the relay (if this process runs them). */
  start(): Promise<void>;
  /** Listens on the configured host and port; returns the base URL. */
  listen(): Promise<string>;
  /** Waits until every relayed event has been processed (tests). */
  settle(): Promise<void>;
  /** Stops taking requests and jobs, finishes what runs, then closes connections. */
  close(): Promise<void>;
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    // A real backend that cannot connect stops the process: no silent fallback.
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `Cannot reach Redis at REDIS_URL (${url.replace(/\/\/[^@]*@/, '//***@')}): ${String(error)}`,
    );
  }
  return redis;
}

function chooseMailer(config: Config, db: Database): Mailer {
  if (config.devMailbox) return createDevMailbox(db);
  if (config.smtpUrl) return createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom });
  throw new TandemError(
    'TANDEM_CONFIG_INVALID',
    'No way to send mail: set SMTP_URL (smtp://user:pass@host:port) or TANDEM_DEV_MAILBOX=1.',
  );
}

/**
 * Assembles Tandem from its configuration. Plugins register first; only
 * when all are in does anything start (registry frozen, then connections).
 */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { config } = options;
  const registry = createRegistry().register(pledgeOnly);
  for (const plugin of options.plugins ?? []) registry.register(plugin);
  registry.freeze();

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => console.error('error while closing', error));
    }
  };

  try {
    let embedded: EmbeddedDatabaseServer | undefined;
    let url = config.databaseUrl;
    if (!url) {
      embedded = await startEmbeddedPostgres({
        dataDir: options.embeddedDataDir ?? join(config.dataDir, 'postgres'),
        persistent: options.embeddedPersistent ?? true,
      });
      closers.push(() => (embedded as EmbeddedDatabaseServer).stop());
      url = embedded.url;
    }
    const db = await openDatabase({ url, poolSize: config.dbPoolSize });
    closers.push(() => db.close());
    if (options.migrate) {
      await db.migrate();
    } else {
      const pending = await db.orm.getMigrator().getPendingMigrations();
      if (pending.length > 0) {
        throw new TandemError(
          'TANDEM_CONFIG_INVALID',
          `The database schema is behind (${pending.length} pending migration(s)); run "npx tandem migrate" first.`,
        );
      }
    }

    let limiter: RateLimiter;
    if (config.redisUrl) {
      const redis = await connectRedis(config.redisUrl);
      closers.push(async () => void (await redis.quit()));
      limiter = createRedisRateLimiter({ redis });
    } else {
      limiter = createMemoryRateLimiter();
    }
    closers.push(() => limiter.close());

    const mailer = options.mailer ?? chooseMailer(config, db);
    closers.push(() => mailer.close());

    const queue = createLocalQueue({
      onError: (error, job) =>
        console.error(`job ${job.name} (${job.id}) attempt ${job.attempt} failed`, error),
    });
    const now = options.now ?? (() => new Date());
    queue.handle<{ challengeId: string }>(Jobs.evaluateChallenge, async ({ challengeId }) => {
      await evaluateChallengeNow(db, challengeId, now());
    });
    const relay = createOutboxRelay({
      db,
      queue,
      onError: (error) => console.error('outbox relay failed; it will retry', error),
    });

    const ctx: ServiceContext = {
      config,
      db,
      registry,
      mailer,
      limiter,
      notifyCommitted: () => relay.kick(),
      now,
    };
    const runJobs = options.runJobs ?? true;
    let deadlineTimer: NodeJS.Timeout | null = null;

    // Order of closing: stop taking requests, then jobs, then connections.
    closers.push(() => queue.close());
    closers.push(() => relay.close());
    closers.push(async () => {
      if (deadlineTimer) clearInterval(deadlineTimer);
    });

    const platform: Platform = {
      config,
      db,
      registry,
      queue,
      relay,
      ctx,
      embedded,
      app: undefined as unknown as App,
      async start() {
        if (!runJobs) return;
        await queue.start();
        relay.start();
        await sweepChallenges(db, queue, 'all-open');
        deadlineTimer = setInterval(() => {
          sweepChallenges(db, queue, 'past-deadline').catch((error: unknown) =>
            console.error('deadline sweep failed', error),
          );
        }, 30_000);
        deadlineTimer.unref();
      },
      async listen() {
        return platform.app.listen({ port: config.port, host: config.host });
      },
      async settle() {
        // Relay what is pending, let jobs finish, and repeat while jobs wrote new events.
        for (let round = 0; round < 20; round++) {
          const relayed = await relay.drain();
          await queue.idle();
          if (relayed === 0) return;
        }
      },
      close: closeAll,
    };
    const app = await buildApp({
      ctx,
      logger: options.logger ?? false,
      extend: options.extendApp ? (a) => options.extendApp?.(a, platform) : undefined,
    });
    (platform as { app: App }).app = app;
    closers.push(() => app.close());
    return platform;
  } catch (error) {
    await closeAll();
    throw error;
  }
}
