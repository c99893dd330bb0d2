import {
  assertValidRule,
  closedError,
  unlimitedVerdict,
  verdictFor,
  windowAt,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitVerdict,
} from './rate-limiter.js';

/** How often, at most, a hit also drops the windows that have ended. */
const SWEEP_INTERVAL_MS = 1000;

/** The in-memory limiter, with its size exposed so tests can see it stays bounded. */
export interface MemoryRateLimiter extends RateLimiter {
  /** Number of (rule, key) windows currently held. */
  readonly size: number;
}

interface Window {
  index: number;
  count: number;
  endsAt: number;
}

/**
 * A rate limiter for one process: tests, the demo and `tandem serve` without
 * Redis. Several processes each count on their own, so use
 * {@link createRedisRateLimiter} as soon as there is more than one.
 *
 * Memory stays bounded by the keys active in the last second or so: ended
 * windows are dropped by a sweep that piggybacks on hits (no timer, so
 * nothing keeps the process alive).
 *
 * @param options.now - the clock, in epoch milliseconds; tests pass a fake one.
 *
 * @example
 * const limiter = createMemoryRateLimiter();
 * const { allowed } = await limiter.hit({ name: 'write', limit: 60, windowMs: 60_000 }, ip);
 */
export function createMemoryRateLimiter(options: { now?: () => number } = {}): MemoryRateLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  let nextSweepAt = Number.NEGATIVE_INFINITY;
  let isClosed = false;

  function sweep(at: number): void {
    if (at < nextSweepAt) return;
    nextSweepAt = at + SWEEP_INTERVAL_MS;
    for (const [id, window] of windows) {
      if (window.endsAt <= at) windows.delete(id);
    }
  }

  // Synchronous from read to write, so concurrent hits cannot interleave and
  // over-admit; `async` only to match the port.
  async function hit(rule: RateLimitRule, key: string): Promise<RateLimitVerdict> {
    if (isClosed) throw closedError('memory');
    assertValidRule(rule);
    if (rule.limit === 0) return { ...unlimitedVerdict };
    const at = now();
    sweep(at);
    const { index, resetMs } = windowAt(rule.windowMs, at);
    const id = `${rule.name}:${key}`;
    let window = windows.get(id);
    if (window === undefined || window.index !== index) {
      window = { index, count: 0, endsAt: at + resetMs };
      windows.set(id, window);
    }
    window.count += 1;
    return verdictFor(rule, window.count, resetMs);
  }

  return {
    hit,
    async forget(key: string) {
      if (isClosed) throw closedError('memory');
      let dropped = 0;
      // Rule names hold no ":", so what follows the first one is the key.
      for (const id of windows.keys()) {
        if (id.slice(id.indexOf(':') + 1) === key) {
          windows.delete(id);
          dropped++;
        }
      }
      return dropped;
    },
    get size() {
      return windows.size;
    },
    async close() {
      isClosed = true;
      windows.clear();
    },
  };
}
