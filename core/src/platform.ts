import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { Config } from './config.js';
import { TandemError } from './errors.js';
import { createKeyring, loadOrCreateKeyFile } from './keyring.js';
import { buildApp, type App } from './http/app.js';
import { connectRedisOrFail, createBullQueue } from './jobs/bullmq/bullmq-queue.js';
import { createEventDispatcher, loadEvent, type EventDispatcher } from './jobs/events.js';
import { evaluateChallengeNow } from './jobs/handlers/evaluate-challenge.js';
import { createLocalQueue } from './jobs/local/local-queue.js';
import { Jobs, type EnqueueOptions, type JobQueue } from './jobs/queue.js';
import { redoOnReconnect } from './jobs/reconnect.js';
import {
  carriedToEvent,
  createOutboxRelay,
  type CarriedEvent,
  type OutboxRelay,
} from './jobs/relay.js';
import { installScheduledWork } from './jobs/scheduled/index.js';
import { sweepChallenges } from './jobs/sweep.js';
import { createMemoryRateLimiter } from './limits/memory.js';
import { createRedisRateLimiter } from './limits/redis.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { installLive, type LiveOptions } from './live/index.js';
import { ViewCache } from './services/view-cache.js';
import { redactError } from './logging.js';
import { createDevMailbox } from './mail/dev-mailbox.js';
import { createSmtpMailer, type Mailer } from './mail/mailer.js';
import { installNotifications } from './notifications/index.js';
import { installOps } from './ops/index.js';
import { buildCapabilities, createPluginContext, jobContext } from './plugins/capabilities.js';
import { pledgeOnly } from './plugins/pledge-only.js';
import { mountPluginRoutes } from './plugins/routes.js';
import { createRegistry, type Plugin, type PluginRegistry } from './plugins/registry.js';
import type { ServiceContext } from './services/context.js';
import { assertSameSecretKey, fillIdentityFingerprints } from './store/participants.js';
import { openDatabase, pluginMigrations, type Database } from './store/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabaseServer } from './store/embedded.js';
import type { OutboxEvent } from './store/outbox.js';

export interface PlatformOptions {
  config: Config;
  /** Action types and integrations; the built-in `pledge-only` is always there. */
  plugins?: readonly Plugin[];
  /** Apply pending migrations at start (the demo); otherwise refuse to start while any is pending. */
  migrate?: boolean;
  /**
   * Process jobs in this process. Default: true without Redis (the in-process
   * queue), false with it (`tandem serve` enqueues, `tandem worker` processes).
   */
  runJobs?: boolean;
  /** Replaces the mailer chosen from the configuration (tests). */
  mailer?: Mailer;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  /** Where the embedded PostgreSQL lives when DATABASE_URL is unset (default `<dataDir>/postgres`). */
  embeddedDataDir?: string;
  /** Keep the embedded cluster's data when stopping (default true). */
  embeddedPersistent?: boolean;
  /** Redis key prefix, in place of `config.redisPrefix` (`TANDEM_REDIS_PREFIX`); tests use one per run. */
  queuePrefix?: string;
  /** Live pages' tuning (heartbeat and coalescing intervals); tests shorten them. */
  live?: LiveOptions;
  /** Called with each SQL statement the platform sends (benchmarks count statements). */
  onStatement?: (statement: string) => void;
  /** Extra routes, registered inside the app after core's and the plugins'. */
  extendApp?: (app: App, platform: Platform) => Promise<void> | void;
}

/** Listens to events in the process that relayed them (live pages). */
export type RelayListener = (events: OutboxEvent[]) => void;

/** Tandem assembled: database, plugins, queue, relay and HTTP app. */
export interface Platform {
  readonly config: Config;
  readonly db: Database;
  readonly registry: PluginRegistry;
  readonly queue: JobQueue;
  readonly relay: OutboxRelay;
  readonly dispatcher: EventDispatcher;
  readonly app: App;
  readonly ctx: ServiceContext;
  /** The Redis connection shared by rate limits and live fan-out, when REDIS_URL is set. */
  readonly redis: Redis | Cluster | undefined;
  /** The PostgreSQL Tandem started itself, when DATABASE_URL was unset. */
  readonly embedded: EmbeddedDatabaseServer | undefined;
  /** Whether this process runs jobs. */
  readonly runsJobs: boolean;
  /** Adds a listener of relayed events; returns its removal. */
  onRelayed(listener: RelayListener): () => void;
  /** Adds work to do when the platform closes, before its connections close. */
  onClose(close: () => Promise<void>): void;
  /** Starts the relay, and jobs and schedules if this process runs them. */
  start(): Promise<void>;
  /** Listens on the configured host and port; returns the base URL. */
  listen(): Promise<string>;
  /** Waits until every relayed event has been processed (tests). */
  settle(): Promise<void>;
  /** Stops taking requests and jobs, finishes what runs, then closes connections. */
  close(): Promise<void>;
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
 * The master key: `TANDEM_SECRET_KEY`, or for the embedded default a key
 * generated once into its data folder. With an external database there is
 * no safe default — a key made up at each start would leave every sealed
 * secret unreadable after a restart — so its absence stops start-up.
 */
function resolveSecretKey(config: Config): Buffer {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      'TANDEM_SECRET_KEY is required when DATABASE_URL is set: it seals stored secrets; make one with "openssl rand -base64 32" and keep it with your backups.',
    );
  }
  return loadOrCreateKeyFile(join(config.dataDir, 'secret.key'));
}

/** How often challenges past their deadline are looked for. */
const DEADLINE_SWEEP_MS = 30_000;

/**
 * Assembles Tandem from its configuration. Plugins register first; only
 * when all are in does anything start (registry frozen, then connections).
 */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { config } = options;
  const redisPrefix = options.queuePrefix ?? config.redisPrefix;
  const registry = createRegistry().register(pledgeOnly);
  for (const plugin of options.plugins ?? []) registry.register(plugin);
  registry.freeze();
  const plugins = [...registry.actionTypes(), ...registry.integrations()];

  // Closed in reverse order of opening: requests, jobs, then connections.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => console.error('error while closing', error));
    }
  };

  try {
    const keyring = createKeyring(resolveSecretKey(config));
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
    const db = await openDatabase({
      url,
      poolSize: config.dbPoolSize,
      ...(options.onStatement ? { onStatement: options.onStatement } : {}),
      extraMigrations: pluginMigrations(plugins),
    });
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
    await assertSameSecretKey(db, keyring);
    await fillIdentityFingerprints(db, keyring);

    let limiter: RateLimiter;
    let redis: Redis | Cluster | undefined;
    if (config.redisUrl) {
      redis = await connectRedisOrFail(config.redisUrl, {
        commandTimeoutMs: 1000,
        cluster: config.redisCluster,
      });
      const connection = redis;
      closers.push(async () => connection.disconnect());
      // Under the platform's own prefix, beside its queues: a test run's
      // counters are its own, and go when its keys are deleted.
      limiter = createRedisRateLimiter({
        redis: connection,
        prefix: `${redisPrefix}:rl:`,
      });
    } else {
      limiter = createMemoryRateLimiter();
    }
    closers.push(() => limiter.close());

    const mailer = options.mailer ?? chooseMailer(config, db);
    closers.push(() => mailer.close());

    const onError = (error: unknown, job: { id: string; name: string; attempt: number }) =>
      console.error(
        `job ${job.name} (${job.id}) attempt ${job.attempt} failed:`,
        redactError(error),
      );
    const queue: JobQueue = config.redisUrl
      ? await createBullQueue({
          url: config.redisUrl,
          cluster: config.redisCluster,
          prefix: redisPrefix,
          lockDurationMs: config.jobLockMs,
          ...(config.jobConcurrency ? { concurrency: config.jobConcurrency } : {}),
          onError,
        })
      : createLocalQueue({ onError });
    closers.push(() => queue.close());

    const now = options.now ?? (() => new Date());
    const dispatcher = createEventDispatcher();
    installNotifications({ dispatcher, queue, db, mailer, config, registry });
    const listeners = new Set<RelayListener>();
    const relay = createOutboxRelay({
      db,
      queue,
      dispatcher,
      onEvents: (events) => {
        for (const listener of listeners) {
          try {
            listener(events);
          } catch (error) {
            console.error('a relay listener failed', error);
          }
        }
      },
      onError: (error) =>
        console.error('outbox relay failed; it will retry:', String(redactError(error))),
      // An evaluation that failed all its attempts while PostgreSQL was down
      // is lost; evaluating every open challenge again is harmless.
      onRecovered: () => {
        console.warn('The database is back: evaluating open challenges again.');
        sweepChallenges(db, queue, 'all-open').catch((error: unknown) =>
          console.error('evaluating open challenges after the database came back:', error),
        );
      },
    });
    closers.push(() => relay.close());
    // A unit of work that appended events wakes the relay of the process
    // that committed it (every process runs one), so nothing waits for a poll.
    const stopKicks = db.onEventsCommitted(() => relay.kick());
    closers.push(async () => stopKicks());

    const ctx: ServiceContext = {
      config,
      db,
      registry,
      mailer,
      limiter,
      keyring,
      now,
      ...(config.viewCacheMs > 0 ? { views: new ViewCache({ ttlMs: config.viewCacheMs }) } : {}),
    };
    const runsJobs = options.runJobs ?? !config.redisUrl;

    // Each plugin sees the capabilities it declared, nothing more (ADR 0019).
    const capabilityDeps = {
      ctx,
      enqueue: (name: string, data: Record<string, unknown>, enqueueOptions?: EnqueueOptions) =>
        queue.enqueue(name, data, enqueueOptions),
    };
    const pluginContexts = new Map(
      plugins.map((plugin) => [plugin.id, createPluginContext(plugin, capabilityDeps)]),
    );
    const pluginContext = (plugin: Plugin) => {
      const context = pluginContexts.get(plugin.id);
      if (!context) throw new Error(`no context for plugin "${plugin.id}"`);
      return context;
    };

    queue.handle<{ challengeId: string }>(Jobs.evaluateChallenge, async ({ challengeId }) => {
      await evaluateChallengeNow(db, challengeId, now());
    });
    queue.handle<{ eventId: string; subscriber: string; event?: CarriedEvent }>(
      Jobs.deliverEvent,
      async ({ eventId, subscriber, event: carried }) => {
        // Jobs enqueued before events travelled with them read it back.
        const event = carried ? carriedToEvent(carried) : await loadEvent(db, eventId);
        if (event) await dispatcher.deliver(subscriber, event);
      },
    );
    queue.handle(Jobs.sweepDeadlines, async () => {
      await sweepChallenges(db, queue, 'past-deadline');
    });
    const schedules = installScheduledWork({
      db,
      queue,
      mailer,
      config,
      registry,
      now,
    });
    for (const plugin of plugins) {
      const context = pluginContext(plugin);
      for (const [name, job] of Object.entries(plugin.jobs)) {
        queue.handle(`${plugin.id}.${name}`, (data, info) =>
          job(data, jobContext(context, info.attempt)),
        );
      }
      const handlers = Object.entries(plugin.on);
      if (handlers.length > 0) {
        const byType = new Map(handlers);
        const wildcard = byType.get('*');
        dispatcher.subscribe(plugin.id, wildcard ? '*' : [...byType.keys()], async (event) => {
          const handler = byType.get(event.type) ?? wildcard;
          if (handler) await handler(event, context);
        });
      }
    }

    const platform: Platform = {
      config,
      db,
      registry,
      queue,
      relay,
      dispatcher,
      ctx,
      redis,
      embedded,
      runsJobs,
      app: undefined as unknown as App,
      onRelayed(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      onClose(close) {
        closers.push(close);
      },
      async start() {
        // Every process relays (kicked on commit, polling for the others);
        // only job processes fetch jobs.
        relay.start();
        if (!runsJobs) return;
        const scheduleAll = async () => {
          await queue.schedule(
            Jobs.sweepDeadlines,
            {},
            { id: 'sweep-deadlines', everyMs: DEADLINE_SWEEP_MS },
          );
          for (const { name, id, everyMs } of schedules) {
            await queue.schedule(name, {}, { id, everyMs });
          }
        };
        await scheduleAll();
        await queue.start();
        // The in-process queue forgot what was waiting if the last process died.
        await sweepChallenges(db, queue, 'all-open');
        if (redis) {
          // Redis may come back without the jobs and schedules it held, their
          // events already marked relayed: do the start-up work again.
          const stop = redoOnReconnect(
            redis,
            async () => {
              console.warn('Redis is back: scheduling again and evaluating open challenges.');
              await scheduleAll();
              await sweepChallenges(db, queue, 'all-open');
            },
            { onError: (error) => console.error('redoing work after Redis came back:', error) },
          );
          closers.push(stop);
        }
      },
      async listen() {
        return platform.app.listen({ port: config.port, host: config.host });
      },
      async settle() {
        // Relay what is pending, let jobs finish, and repeat while jobs wrote new events.
        for (let round = 0; round < 50; round++) {
          const relayed = await relay.drain();
          await queue.idle();
          if (relayed === 0) {
            const [pending] = await db.query<{ n: number }>(
              'select count(*)::int as n from outbox_event where relayed_at is null',
            );
            if (!pending || pending.n === 0) return;
          }
        }
      },
      close: closeAll,
    };
    const app = await buildApp({
      ctx,
      logger: options.logger ?? false,
      extend: async (a) => {
        for (const plugin of plugins) {
          await mountPluginRoutes(
            a,
            plugin,
            pluginContext(plugin),
            buildCapabilities(plugin, capabilityDeps),
          );
        }
        await options.extendApp?.(a, platform);
      },
    });
    (platform as { app: App }).app = app;
    closers.push(() => app.close());
    await installOps(platform);
    // Live pages (SSE): relayed events go on the bus; page-serving processes fan out.
    await installLive(platform, { ...options.live, prefix: redisPrefix });
    return platform;
  } catch (error) {
    await closeAll();
    throw error;
  }
}
