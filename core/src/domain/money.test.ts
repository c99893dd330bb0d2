import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  assertSameCurrency,
  fromMinor,
  minorDigits,
  moneyEquals,
  toMinor,
  validateMoney,
} from './money.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

describe('toMinor', () => {
  it('given euros, when converted, then gives whole cents', () => {
    expect(toMinor({ value: 5000, currency: 'EUR' })).toBe(500000);
    expect(toMinor({ value: 8036.03, currency: 'EUR' })).toBe(803603);
  });

  it('given a decimal that binary cannot hold (0.29), when converted, then gives the decimal cents', () => {
    // 0.29 * 100 is 28.999999999999996 in floating point.
    expect(toMinor({ value: 0.29, currency: 'EUR' })).toBe(29);
    expect(toMinor({ value: 0.1 + 0.2, currency: 'EUR' })).toBe(30);
  });

  it('given yen or won, when converted, then the minor unit is the unit itself', () => {
    expect(minorDigits('JPY')).toBe(0);
    expect(toMinor({ value: 500, currency: 'JPY' })).toBe(500);
    expect(toMinor({ value: 1200, currency: 'KRW' })).toBe(1200);
  });

  it('given more decimals than the currency has, when converted, then it is refused', () => {
    expect(() => toMinor({ value: 1.234, currency: 'EUR' })).toThrow(invalidAt('money'));
    expect(() => toMinor({ value: 1.005, currency: 'EUR' })).toThrow(invalidAt('money'));
    expect(() => toMinor({ value: 1.5, currency: 'JPY' })).toThrow(invalidAt('money'));
  });

  it('given a value that is not finite or too large, when converted, then it is refused', () => {
    expect(() => toMinor({ value: Number.NaN, currency: 'EUR' })).toThrow(invalidAt('money'));
    expect(() => toMinor({ value: Infinity, currency: 'EUR' })).toThrow(invalidAt('money'));
    expect(() => toMinor({ value: 1e17, currency: 'EUR' })).toThrow(invalidAt('money'));
  });
});

describe('fromMinor', () => {
  it('given cents, when converted back, then gives major units in the same currency', () => {
    expect(fromMinor(803603, 'EUR')).toEqual({ value: 8036.03, currency: 'EUR' });
    expect(fromMinor(500, 'JPY')).toEqual({ value: 500, currency: 'JPY' });
  });

  it('given a fraction of a minor unit, when converted, then it is refused', () => {
    expect(() => fromMinor(1.5, 'EUR')).toThrow(invalidAt('money'));
  });

  it('round-trips every whole number of minor units exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.constantFrom('EUR', 'USD', 'JPY', 'KRW'),
        (minor, currency) => {
          expect(toMinor(fromMinor(minor, currency))).toBe(minor);
        },
      ),
    );
  });

  it('adds amounts in minor units without drift', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e8 }), { maxLength: 50 }), (cents) => {
        const total = cents.reduce((sum, c) => sum + toMinor(fromMinor(c, 'EUR')), 0);
        expect(total).toBe(cents.reduce((sum, c) => sum + c, 0));
      }),
    );
  });
});

describe('moneyEquals', () => {
  it('given the same amount reached by float arithmetic, when compared, then it is equal', () => {
    expect(
      moneyEquals({ value: 0.1 + 0.2, currency: 'EUR' }, { value: 0.3, currency: 'EUR' }),
    ).toBe(true);
  });

  it('given another currency or another cent, when compared, then it is not equal', () => {
    expect(moneyEquals({ value: 5, currency: 'EUR' }, { value: 5, currency: 'USD' })).toBe(false);
    expect(moneyEquals({ value: 5, currency: 'EUR' }, { value: 5.01, currency: 'EUR' })).toBe(
      false,
    );
  });
});

describe('assertSameCurrency', () => {
  it('given two currencies, when asserted, then it throws naming the path', () => {
    expect(() =>
      assertSameCurrency(
        { value: 1, currency: 'EUR' },
        { value: 1, currency: 'USD' },
        'counterpart/cap',
      ),
    ).toThrow(invalidAt('counterpart/cap'));
  });

  it('given one currency, when asserted, then it passes', () => {
    expect(() =>
      assertSameCurrency({ value: 1, currency: 'EUR' }, { value: 9, currency: 'EUR' }),
    ).not.toThrow();
  });
});

describe('validateMoney', () => {
  it('given a proper amount, when validated, then it passes', () => {
    expect(() => validateMoney({ value: 5000, currency: 'EUR' }, 'amount')).not.toThrow();
  });

  it('given a bad currency code, when validated, then it names the currency field', () => {
    expect(() => validateMoney({ value: 5, currency: 'eur' }, 'amount')).toThrow(
      invalidAt('amount/currency'),
    );
  });

  it('given zero, a negative or sub-cent value, when validated, then it names the value field', () => {
    expect(() => validateMoney({ value: 0, currency: 'EUR' }, 'amount')).toThrow(
      invalidAt('amount/value'),
    );
    expect(() => validateMoney({ value: -3, currency: 'EUR' }, 'amount')).toThrow(
      invalidAt('amount/value'),
    );
    expect(() => validateMoney({ value: 0.001, currency: 'EUR' }, 'amount')).toThrow(
      invalidAt('amount/value'),
    );
  });

  it('given zero where zero is allowed, when validated, then it passes', () => {
    expect(() => validateMoney({ value: 0, currency: 'EUR' }, 'amount', false)).not.toThrow();
  });
});
