import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { owedSoFar } from './counterparts.js';
import { toMinor } from './money.js';
import type { Counterpart } from './types.js';

const matching = (perUnit: number, cap: number): Counterpart => ({
  kind: 'matching',
  perUnit: { value: perUnit, currency: 'EUR' },
  cap: { value: cap, currency: 'EUR' },
  beneficiaryId: 'ben_1',
});

/** Cents as euros, the way a request writes them. */
const euros = (cents: number) => cents / 100;

describe('owedSoFar (a tier’s `owed`)', () => {
  it('is perUnit × quantity for a matching tier, in whole cents', () => {
    expect(owedSoFar(matching(0.1, 500), 1234.5)).toEqual({ value: 123.45, currency: 'EUR' });
    expect(owedSoFar(matching(0.25, 5000), 3)).toEqual({ value: 0.75, currency: 'EUR' });
  });

  it('stops at the cap', () => {
    expect(owedSoFar(matching(0.1, 5000), 80_360.3)).toEqual({ value: 5000, currency: 'EUR' });
  });

  it('is zero before anything is measured, never negative', () => {
    expect(owedSoFar(matching(1, 10), 0)).toEqual({ value: 0, currency: 'EUR' });
    expect(owedSoFar(matching(1, 10), -3)).toEqual({ value: 0, currency: 'EUR' });
    expect(owedSoFar(matching(1, 10), Number.NaN)).toEqual({ value: 0, currency: 'EUR' });
  });

  it('is null for donations, acts and tiers without a counterpart', () => {
    expect(
      owedSoFar(
        { kind: 'donation', amount: { value: 5000, currency: 'EUR' }, beneficiaryId: 'b' },
        100,
      ),
    ).toBeNull();
    expect(owedSoFar({ kind: 'act', description: 'Plant trees' }, 100)).toBeNull();
    expect(owedSoFar(null, 100)).toBeNull();
    expect(owedSoFar(undefined, 100)).toBeNull();
  });

  const perUnitCents = fc.integer({ min: 1, max: 100_000 });
  const capCents = fc.integer({ min: 1, max: 1_000_000_000 });
  const quantity = fc.double({ min: -10, max: 1e9, noNaN: true, noDefaultInfinity: true });

  it('is never above the cap, never below zero, and in whole cents', () => {
    fc.assert(
      fc.property(perUnitCents, capCents, quantity, (per, cap, q) => {
        const owed = owedSoFar(matching(euros(per), euros(cap)), q);
        expect(owed).not.toBeNull();
        const cents = toMinor(owed!);
        expect(cents).toBeGreaterThanOrEqual(0);
        expect(cents).toBeLessThanOrEqual(cap);
        expect(Number.isSafeInteger(cents)).toBe(true);
      }),
    );
  });

  it('never decreases when the quantity grows', () => {
    fc.assert(
      fc.property(perUnitCents, capCents, quantity, quantity, (per, cap, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const counterpart = matching(euros(per), euros(cap));
        expect(toMinor(owedSoFar(counterpart, low)!)).toBeLessThanOrEqual(
          toMinor(owedSoFar(counterpart, high)!),
        );
      }),
    );
  });

  it('never owes more than perUnit × quantity', () => {
    fc.assert(
      fc.property(perUnitCents, capCents, fc.integer({ min: 0, max: 1_000_000 }), (per, cap, q) => {
        const owed = toMinor(owedSoFar(matching(euros(per), euros(cap)), q)!);
        expect(owed).toBe(Math.min(cap, per * q));
      }),
    );
  });
});
