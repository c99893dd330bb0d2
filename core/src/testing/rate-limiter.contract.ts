import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import { enforce, type RateLimiter, type RateLimitRule } from '../limits/rate-limiter.js';

/** What the contract needs from an adapter under test. */
export interface RateLimiterHarness {
  limiter: RateLimiter;
  /** Lets `ms` milliseconds pass for the limiter: moves a fake clock, or waits for real. */
  elapse(ms: number): Promise<void>;
  /** A window short enough for the reset test to wait out (e.g. 300 ms against Redis). */
  shortWindowMs: number;
}

/**
 * Long enough that no test here straddles a window boundary, except the one
 * that means to.
 */
const LONG_WINDOW_MS = 24 * 3_600_000;

/**
 * The behaviour every {@link RateLimiter} adapter must show. Call it once per
 * adapter from a `*.test.ts` file; `factory` runs before each test, and the
 * limiter it returns is closed after it.
 *
 * @param name - the adapter's name, as the suite's title.
 * @param factory - builds a fresh limiter and its clock.
 *
 * @example
 * describeRateLimiterContract('memory', () => {
 *   let now = 1_000_000;
 *   const limiter = createMemoryRateLimiter({ now: () => now });
 *   return { limiter, shortWindowMs: 300, elapse: async (ms) => { now += ms; } };
 * });
 */
export function describeRateLimiterContract(
  name: string,
  factory: () => RateLimiterHarness | Promise<RateLimiterHarness>,
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let harness: RateLimiterHarness;
    // Random rule names and keys, so runs and tests never share a counter.
    const rule = (limit: number, windowMs = LONG_WINDOW_MS): RateLimitRule => ({
      name: `test-${randomUUID()}`,
      limit,
      windowMs,
    });

    beforeEach(async () => {
      harness = await factory();
    });
    afterEach(async () => {
      await harness.limiter.close();
    });

    it('allows up to the limit, then refuses', async () => {
      const r = rule(3);
      const verdicts = [];
      for (let i = 0; i < 5; i++) verdicts.push(await harness.limiter.hit(r, 'someone'));
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
      expect(verdicts.map((v) => v.remaining)).toEqual([2, 1, 0, 0, 0]);
      for (const v of verdicts) {
        expect(v.resetMs).toBeGreaterThan(0);
        expect(v.resetMs).toBeLessThanOrEqual(r.windowMs);
      }
    });

    it('counts separate keys and separate rules independently', async () => {
      const r = rule(1);
      const other = rule(1);
      expect((await harness.limiter.hit(r, 'a@example.org')).allowed).toBe(true);
      expect((await harness.limiter.hit(r, 'a@example.org')).allowed).toBe(false);
      expect((await harness.limiter.hit(r, 'b@example.org')).allowed).toBe(true);
      expect((await harness.limiter.hit(other, 'a@example.org')).allowed).toBe(true);
    });

    it('allows again once the window has ended', async () => {
      const r = rule(2, harness.shortWindowMs);
      let first = await harness.limiter.hit(r, 'k');
      // Start at the beginning of a window, so the hits below cannot straddle
      // a boundary even when time passes for real.
      if (first.resetMs < harness.shortWindowMs / 2) {
        await harness.elapse(first.resetMs + 1);
        first = await harness.limiter.hit(r, 'k');
      }
      expect(first).toMatchObject({ allowed: true, remaining: 1 });
      expect((await harness.limiter.hit(r, 'k')).allowed).toBe(true);
      const refused = await harness.limiter.hit(r, 'k');
      expect(refused.allowed).toBe(false);

      await harness.elapse(refused.resetMs + 1);
      expect(await harness.limiter.hit(r, 'k')).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('treats limit 0 as unlimited', async () => {
      const r = rule(0);
      for (let i = 0; i < 100; i++) {
        const verdict = await harness.limiter.hit(r, 'k');
        expect(verdict.allowed).toBe(true);
        expect(verdict.remaining).toBe(Number.POSITIVE_INFINITY);
      }
      await expect(enforce(harness.limiter, r, 'k')).resolves.toBeUndefined();
    });

    it('admits exactly the limit out of concurrent hits', async () => {
      const r = rule(10);
      const verdicts = await Promise.all(
        Array.from({ length: 50 }, () => harness.limiter.hit(r, 'burst')),
      );
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
      expect(verdicts.filter((v) => v.remaining === 0)).toHaveLength(41);
    });

    it('enforce passes within the limit and then throws TANDEM_RATE_LIMITED', async () => {
      const r = rule(1, 60_000);
      await enforce(harness.limiter, r, 'k');
      const error = await enforce(harness.limiter, r, 'k').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TandemError);
      const tandemError = error as TandemError;
      expect(tandemError.code).toBe('TANDEM_RATE_LIMITED');
      expect(tandemError.status).toBe(429);
      expect(tandemError.message).toContain(r.name);
      const retryAfterSeconds = tandemError.details?.[0]?.retryAfterSeconds;
      expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('refuses an invalid rule with TANDEM_CONFIG_INVALID', async () => {
      for (const bad of [
        { name: 'x', limit: -1, windowMs: 1000 },
        { name: 'x', limit: 1.5, windowMs: 1000 },
        { name: 'x', limit: 1, windowMs: 0 },
        { name: 'a:b', limit: 1, windowMs: 1000 },
      ]) {
        await expect(harness.limiter.hit(bad, 'k')).rejects.toMatchObject({
          code: 'TANDEM_CONFIG_INVALID',
        });
      }
    });

    it('forgets every counter of a key, under every rule, and no other key', async () => {
      const first = rule(1);
      const second = rule(1);
      const key = `someone-${randomUUID()}`;
      const other = `x:${key}`;
      for (const r of [first, second]) {
        await harness.limiter.hit(r, key);
        await harness.limiter.hit(r, other);
      }
      expect((await harness.limiter.hit(first, key)).allowed).toBe(false);

      expect(await harness.limiter.forget(key)).toBe(2);

      expect((await harness.limiter.hit(first, key)).allowed).toBe(true);
      expect((await harness.limiter.hit(second, key)).allowed).toBe(true);
      // A key that merely ends like the forgotten one keeps its counters.
      expect((await harness.limiter.hit(first, other)).allowed).toBe(false);
      expect(await harness.limiter.forget(`nobody-${randomUUID()}`)).toBe(0);
    });

    it('rejects hits once closed', async () => {
      await harness.limiter.close();
      await expect(harness.limiter.hit(rule(1), 'k')).rejects.toThrow(/closed/);
    });
  });
}
