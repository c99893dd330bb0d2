import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { counterpartValue, matchingAmount, validateCounterpart } from './counterparts.js';
import type { Counterpart, MatchingCounterpart } from './types.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

const eur = (value: number) => ({ value, currency: 'EUR' });

const matching = (perUnit: number, cap: number): MatchingCounterpart => ({
  kind: 'matching',
  perUnit: eur(perUnit),
  cap: eur(cap),
  beneficiaryId: 'b_solicycle',
});

describe('matchingAmount', () => {
  it('given 10 cents per km and 1,234.5 km, when computed, then owes 123.45 €', () => {
    expect(matchingAmount(matching(0.1, 5000), 1234.5)).toEqual(eur(123.45));
  });

  it('given Humanis-scale kilometres beyond the cap, when computed, then owes the cap', () => {
    expect(matchingAmount(matching(0.1, 5000), 80360.3)).toEqual(eur(5000));
  });

  it('given a fraction of a cent, when computed, then floors it', () => {
    // 0.07 € × 3.333 = 0.23331 € → 23 cents.
    expect(matchingAmount(matching(0.07, 100), 3.333)).toEqual(eur(0.23));
  });

  it('given a decimal quantity that floats hold just below the product, when computed, then does not lose a cent', () => {
    // In floating point 100 × 0.29 is 28.999999999999996 and 10 × 0.7 is 7.000000000000001.
    expect(matchingAmount(matching(1, 100), 0.29)).toEqual(eur(0.29));
    expect(matchingAmount(matching(0.1, 100), 0.7)).toEqual(eur(0.07));
  });

  it('given no, negative or NaN quantity, when computed, then owes zero', () => {
    expect(matchingAmount(matching(0.1, 5000), 0)).toEqual(eur(0));
    expect(matchingAmount(matching(0.1, 5000), -50)).toEqual(eur(0));
    expect(matchingAmount(matching(0.1, 5000), Number.NaN)).toEqual(eur(0));
  });

  it('given a cap in another currency, when computed, then it is refused', () => {
    const mixed: MatchingCounterpart = {
      ...matching(0.1, 10),
      cap: { value: 10, currency: 'USD' },
    };
    expect(() => matchingAmount(mixed, 5)).toThrow(invalidAt('counterpart/cap'));
  });

  const perUnitCents = fc.integer({ min: 1, max: 10_000 });
  const capCents = fc.integer({ min: 1, max: 100_000_000 });
  // (cents per unit, quantity in thousandths): quantities as people type
  // them, up to three decimals. Round rates times one- or two-decimal
  // quantities land on whole cents, where float noise can push the product
  // just below (100 × 0.29); a few percent of those pairs do, so they get
  // their own share of the runs.
  const rateAndThousandths = fc.oneof(
    fc.tuple(perUnitCents, fc.integer({ min: 0, max: 100_000_000 })),
    fc.tuple(
      fc.integer({ min: 1, max: 100 }).map((n) => n * 100),
      fc.integer({ min: 0, max: 10_000 }).map((n) => n * 10),
    ),
    fc.tuple(
      fc.integer({ min: 1, max: 100 }).map((n) => n * 10),
      fc.integer({ min: 0, max: 10_000 }).map((n) => n * 100),
    ),
  );

  it('never exceeds its cap and is never negative', () => {
    fc.assert(
      fc.property(
        perUnitCents,
        capCents,
        fc.double({ min: -1e9, max: 1e12, noNaN: true }),
        (per, cap, quantity) => {
          const owed = matchingAmount(matching(per / 100, cap / 100), quantity).value;
          expect(owed).toBeGreaterThanOrEqual(0);
          expect(owed).toBeLessThanOrEqual(cap / 100);
        },
      ),
    );
  });

  it('is monotone in quantity', () => {
    fc.assert(
      fc.property(
        perUnitCents,
        capCents,
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        (per, cap, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const counterpart = matching(per / 100, cap / 100);
          expect(matchingAmount(counterpart, low).value).toBeLessThanOrEqual(
            matchingAmount(counterpart, high).value,
          );
        },
      ),
    );
  });

  it('is exact in minor units: floor(perUnit × quantity) computed in integers, capped', () => {
    fc.assert(
      fc.property(rateAndThousandths, capCents, ([per, q], cap) => {
        const quantity = q / 1000;
        const exact = (BigInt(per) * BigInt(q)) / 1000n; // BigInt division floors for positives
        const expected = exact < BigInt(cap) ? Number(exact) : cap;
        const owed = matchingAmount(matching(per / 100, cap / 100), quantity);
        expect(Math.round(owed.value * 100)).toBe(expected);
        expect(owed.currency).toBe('EUR');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('counterpartValue', () => {
  it('given a donation, when valued, then is its amount whatever the quantity', () => {
    const donation: Counterpart = { kind: 'donation', amount: eur(5000), beneficiaryId: 'b1' };
    expect(counterpartValue(donation, 0)).toEqual(eur(5000));
  });

  it('given a matching rule, when valued, then is the matching amount at that quantity', () => {
    expect(counterpartValue(matching(0.5, 1000), 10)).toEqual(eur(5));
  });

  it('given an act, when valued, then has no price', () => {
    expect(counterpartValue({ kind: 'act', description: 'a bike shelter' }, 10)).toBeNull();
  });
});

describe('validateCounterpart', () => {
  it('given well-formed counterparts of each kind, when validated, then they pass', () => {
    expect(() =>
      validateCounterpart({ kind: 'donation', amount: eur(5000), beneficiaryId: 'b1' }),
    ).not.toThrow();
    expect(() => validateCounterpart(matching(0.1, 5000))).not.toThrow();
    expect(() =>
      validateCounterpart({ kind: 'act', description: 'install a bike shelter' }),
    ).not.toThrow();
  });

  it('given a cap in another currency than perUnit, when validated, then names counterpart/cap', () => {
    expect(() =>
      validateCounterpart({ ...matching(0.1, 10), cap: { value: 10, currency: 'USD' } }),
    ).toThrow(invalidAt('counterpart/cap'));
  });

  it('given a zero or infinite amount, when validated, then names the amount', () => {
    expect(() =>
      validateCounterpart({ kind: 'donation', amount: eur(0), beneficiaryId: 'b1' }),
    ).toThrow(invalidAt('counterpart/amount/value'));
    expect(() => validateCounterpart(matching(Infinity, 10))).toThrow(
      invalidAt('counterpart/perUnit/value'),
    );
    expect(() => validateCounterpart(matching(0.1, -10))).toThrow(
      invalidAt('counterpart/cap/value'),
    );
  });

  it('given a path prefix, when validation fails, then the path starts with it', () => {
    expect(() =>
      validateCounterpart(
        { kind: 'donation', amount: eur(5), beneficiaryId: '' },
        'tiers/1/counterpart',
      ),
    ).toThrow(invalidAt('tiers/1/counterpart/beneficiaryId'));
  });

  it('given an empty act or an unknown kind, when validated, then it is refused', () => {
    expect(() => validateCounterpart({ kind: 'act', description: '  ' })).toThrow(
      invalidAt('counterpart/description'),
    );
    expect(() => validateCounterpart({ kind: 'gift' } as unknown as Counterpart)).toThrow(
      invalidAt('counterpart/kind'),
    );
  });
});
