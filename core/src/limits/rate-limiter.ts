import { TandemError } from '../errors.js';

/**
 * A named limit: at most `limit` hits per fixed window of `windowMs`
 * milliseconds for each key (an e-mail address, a client IP…).
 *
 * @example
 * const magicLinkPerEmail: RateLimitRule = { name: 'magic-link', limit: 5, windowMs: 15 * 60_000 };
 */
export interface RateLimitRule {
  /** Names the rule in storage keys and in the error sentence; no `:` (it separates key parts). */
  name: string;
  /** Hits allowed per window and key; `0` means unlimited. */
  limit: number;
  /** Length of the fixed window, in milliseconds. */
  windowMs: number;
}

/** The answer to one hit. */
export interface RateLimitVerdict {
  /** Whether this hit is within the limit. */
  allowed: boolean;
  /**
   * Hits still allowed in the current window after this one; `Infinity` for an
   * unlimited rule (send no rate-limit headers for those).
   */
  remaining: number;
  /** Milliseconds until the current window ends and the count starts again; `0` for an unlimited rule. */
  resetMs: number;
}

/**
 * Counts hits per rule and key. Every hit counts, allowed or not, so a
 * client hammering a refused route stays refused until the window ends.
 *
 * Adapters: {@link createMemoryRateLimiter} (one process) and
 * {@link createRedisRateLimiter} (shared by every process).
 */
export interface RateLimiter {
  /** Records one hit of `key` against `rule` and says whether it is allowed. */
  hit(rule: RateLimitRule, key: string): Promise<RateLimitVerdict>;
  /** Releases what the adapter owns; later hits reject. */
  close(): Promise<void>;
}

/** The verdict for a rule with `limit: 0`: nothing is counted or stored. */
export const unlimitedVerdict: Readonly<RateLimitVerdict> = Object.freeze({
  allowed: true,
  remaining: Number.POSITIVE_INFINITY,
  resetMs: 0,
});

/**
 * Throws unless `rule` is usable. Rules come from configuration, so a bad one
 * is a configuration error and should stop the process at the first hit
 * rather than silently limit nothing (or everything).
 *
 * @throws TandemError `TANDEM_CONFIG_INVALID` naming the rule and the field.
 */
export function assertValidRule(rule: RateLimitRule): void {
  const label = `Rate limit rule "${rule.name}"`;
  if (rule.name.length === 0 || rule.name.includes(':')) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `${label}: the name must be non-empty and contain no ":" (it separates the parts of storage keys).`,
    );
  }
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 0) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `${label}: limit must be a whole number >= 0 (0 means unlimited), got ${String(rule.limit)}.`,
    );
  }
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs <= 0) {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `${label}: windowMs must be a whole number of milliseconds > 0, got ${String(rule.windowMs)}.`,
    );
  }
}

/**
 * The fixed window `now` falls in. Windows are aligned on the Unix epoch so
 * that every process computes the same window for the same instant.
 */
export function windowAt(windowMs: number, now: number): { index: number; resetMs: number } {
  const index = Math.floor(now / windowMs);
  return { index, resetMs: (index + 1) * windowMs - now };
}

/**
 * Turns a hit count into a verdict. The count includes this hit.
 */
export function verdictFor(rule: RateLimitRule, count: number, resetMs: number): RateLimitVerdict {
  return {
    allowed: count <= rule.limit,
    remaining: Math.max(0, rule.limit - count),
    resetMs,
  };
}

/**
 * Records a hit and throws when it is over the limit: the one-line guard for
 * routes.
 *
 * @param limiter - the limiter to count with.
 * @param rule - the rule to apply.
 * @param key - whom the rule counts for: a client IP, a hash of a canonical address (see
 *   `enforceMailLimit`, the one way to count mail per address)…
 * @throws TandemError `TANDEM_RATE_LIMITED` (429) whose sentence names the rule
 *   and when to retry, with `details: [{ message, retryAfterSeconds }]` so the
 *   HTTP layer can set `Retry-After`.
 *
 * @example
 * await enforce(limiter, { name: 'sign-in', limit: 5, windowMs: 900_000 }, clientIp);
 */
export async function enforce(
  limiter: RateLimiter,
  rule: RateLimitRule,
  key: string,
): Promise<void> {
  const verdict = await limiter.hit(rule, key);
  if (verdict.allowed) return;
  // Never 0: "retry in 0 seconds" invites an immediate retry that may still
  // land in the same window.
  const retryAfterSeconds = Math.max(1, Math.ceil(verdict.resetMs / 1000));
  const seconds = retryAfterSeconds === 1 ? '1 second' : `${retryAfterSeconds} seconds`;
  throw new TandemError(
    'TANDEM_RATE_LIMITED',
    `Too many requests for "${rule.name}" (at most ${rule.limit} per ${describeWindow(rule.windowMs)}); try again in ${seconds}.`,
    [{ message: `Retry after ${seconds}.`, retryAfterSeconds }],
  );
}

/** "15 minutes", "1 hour", "300 ms": the largest whole unit. */
function describeWindow(windowMs: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, unit] of units) {
    if (windowMs % size === 0) {
      const count = windowMs / size;
      return count === 1 ? `1 ${unit}` : `${count} ${unit}s`;
    }
  }
  return `${windowMs} ms`;
}

/** Rejects a hit on a closed limiter: a sign of work outliving shutdown. */
export function closedError(adapter: string): Error {
  return new Error(`The ${adapter} rate limiter is closed.`);
}
