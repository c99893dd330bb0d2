import type { FastifyServerOptions } from 'fastify';
import { loadConfig } from '../config.js';
import { generateSecretKey } from '../keyring.js';
import type { Plugin } from '../plugins/registry.js';
import { createPlatform, type Platform } from '../platform.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { deleteKeys, testRedisUrl } from './redis.js';

export interface TestPlatformOptions {
  plugins?: readonly Plugin[];
  /** Run on Tandem's embedded PostgreSQL instead of DATABASE_URL's server. */
  database?: 'external' | 'embedded';
  /**
   * Use Redis (BullMQ queue, Redis rate limits) at REDIS_URL or the local one,
   * under a key prefix of its own that is deleted on stop.
   */
  redis?: boolean;
  /** Process jobs in this process (default true; false to test an API-only process). */
  runJobs?: boolean;
  /** Extra environment, e.g. `{ TANDEM_RATE_LIMIT_PER_EMAIL: '2' }`. */
  env?: Record<string, string>;
  now?: () => Date;
  /** Fastify's logger option (off by default), e.g. `{ level: 'info', stream }` to read what is logged. */
  logger?: FastifyServerOptions['logger'];
  /** Called with each SQL statement the platform sends (benchmarks count statements). */
  onStatement?: (statement: string) => void;
}

export interface TestPlatform extends Platform {
  /** The platform admin's token. */
  readonly adminToken: string;
  /** The prefix of every Redis key this platform writes (queues, rate limits). */
  readonly keyPrefix: string;
  /** Stops the platform and drops its database. */
  stop(): Promise<void>;
}

/**
 * The real engine for a test file: a fresh database (migrated), the
 * in-process queue and relay running, the dev mailbox on, and the per-IP
 * write limit off. Drive it with `platform.app.inject()` and call
 * `platform.settle()` to wait for evaluations.
 *
 * @example
 * const platform = await startTestPlatform({ plugins: [myActionType] });
 * afterAll(() => platform.stop());
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const database: TestDatabase = await createTestDatabase(options.database ?? 'external');
  const adminToken = `test-admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const queuePrefix = `tandem-test-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  try {
    const config = loadConfig({
      DATABASE_URL: database.url,
      TANDEM_ADMIN_TOKEN: adminToken,
      TANDEM_SECRET_KEY: generateSecretKey(),
      TANDEM_DEV_MAILBOX: '1',
      TANDEM_RATE_LIMIT_PER_IP: '0',
      TANDEM_RATE_LIMIT_PER_EMAIL: '0',
      TANDEM_PUBLIC_URL: 'http://tandem.test',
      ...(options.redis ? { REDIS_URL: testRedisUrl() } : {}),
      ...options.env,
    });
    const platform = await createPlatform({
      config,
      plugins: options.plugins ?? [],
      migrate: true,
      runJobs: options.runJobs ?? true,
      queuePrefix,
      ...(options.now ? { now: options.now } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onStatement ? { onStatement: options.onStatement } : {}),
    });
    await platform.start();
    return Object.assign(platform, {
      adminToken,
      keyPrefix: queuePrefix,
      async stop() {
        await platform.close();
        if (options.redis) await deleteKeys(queuePrefix);
        await database.drop();
      },
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
}
