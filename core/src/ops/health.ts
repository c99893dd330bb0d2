import type { Cluster, Redis } from 'ioredis';
import { redactUrl } from '../jobs/bullmq/bullmq-queue.js';
import type { Sql } from '../store/database.js';

/** How long one readiness check may take before it counts as failed. */
export const READINESS_TIMEOUT_MS = 2000;

/** `ok`, `absent` (not configured) or `failed: <reason>`. */
export type CheckResult = 'ok' | 'absent' | `failed: ${string}`;

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: { postgres: CheckResult; redis: CheckResult };
}

/** Rejects with "timed out after N ms" when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, single-line reason, with any connection string's password hidden. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = redactUrl(message.split('\n')[0] ?? '').trim() || 'unknown error';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

async function check(run: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  try {
    await withTimeout(run(), timeoutMs);
    return 'ok';
  } catch (error) {
    return `failed: ${reasonOf(error)}`;
  }
}

/**
 * Whether this process can serve: PostgreSQL answers `select 1` and Redis
 * (when configured) answers PING, each within `timeoutMs`. Both run at once,
 * so the answer never takes much longer than one timeout.
 *
 * @example
 * const { status, checks } = await checkReadiness({ db, redis });
 * // { status: 'ok', checks: { postgres: 'ok', redis: 'absent' } }
 */
export async function checkReadiness(deps: {
  db: Sql;
  redis: Redis | Cluster | undefined;
  timeoutMs?: number;
  /**
   * Whether a failed Redis makes the process unready (default true). Pledges
   * are still accepted without Redis (the outbox keeps them), so a
   * deployment may prefer to keep serving and only report it.
   */
  redisRequired?: boolean;
}): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? READINESS_TIMEOUT_MS;
  const redis = deps.redis;
  const [postgres, redisCheck] = await Promise.all([
    check(() => deps.db.query('select 1'), timeoutMs),
    redis ? check(() => redis.ping(), timeoutMs) : Promise.resolve<CheckResult>('absent'),
  ]);
  const failed =
    postgres.startsWith('failed') ||
    (redisCheck.startsWith('failed') && (deps.redisRequired ?? true));
  return { status: failed ? 'unavailable' : 'ok', checks: { postgres, redis: redisCheck } };
}
