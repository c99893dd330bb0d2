import { invalid } from '../errors.js';
import type { Currency, Money } from './types.js';

/**
 * Currencies whose minor unit is not the cent. Everything else has two
 * decimals; the table stays small on purpose and grows when a campaign needs
 * a currency that is not listed (ISO 4217 gives the digits).
 */
const MINOR_DIGITS: Readonly<Record<string, number>> = { JPY: 0, KRW: 0 };

/**
 * How many decimal places a currency's minor unit has: 2 for EUR (cents),
 * 0 for JPY and KRW.
 *
 * @example minorDigits('EUR') // 2
 */
export function minorDigits(currency: Currency): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/**
 * Money in integer minor units (cents for EUR), the only form Tandem does
 * arithmetic in, because sponsors pay on these numbers and binary fractions
 * of a euro drift.
 *
 * Throws `TANDEM_REQUEST_INVALID` when the value is not finite, has more
 * decimals than the currency allows (€1.234) or is too large to be counted
 * exactly.
 *
 * @example toMinor({ value: 5000, currency: 'EUR' }) // 500000
 */
export function toMinor(money: Money): number {
  const { value, currency } = money;
  if (!Number.isFinite(value)) {
    throw invalid('money', `${String(value)} ${currency} is not a finite amount`);
  }
  const scaled = value * 10 ** minorDigits(currency);
  const minor = Math.round(scaled);
  // A value typed with at most the currency's decimals lands within a hair
  // of an integer once scaled (0.29 * 100 = 28.999999999999996); anything
  // further away carries sub-minor precision that nobody can pay.
  // The slack is a few ulps of `scaled`, far below one minor unit.
  if (Math.abs(scaled - minor) > 8 * Number.EPSILON * Math.max(1, Math.abs(scaled))) {
    throw invalid(
      'money',
      `${String(value)} ${currency} has more than ${minorDigits(currency)} decimal places`,
    );
  }
  if (!Number.isSafeInteger(minor)) {
    throw invalid('money', `${String(value)} ${currency} is too large`);
  }
  return minor === 0 ? 0 : minor; // no -0 in results
}

/**
 * Back from integer minor units to the API's `{ value, currency }` in major
 * units.
 *
 * @example fromMinor(500000, 'EUR') // { value: 5000, currency: 'EUR' }
 */
export function fromMinor(minor: number, currency: Currency): Money {
  if (!Number.isSafeInteger(minor)) {
    throw invalid('money', `${String(minor)} is not a whole number of minor units`);
  }
  // An integer divided by a power of ten gives the double nearest to the
  // decimal, so 803603 / 100 prints as 8036.03 and round-trips through toMinor.
  const value = minor / 10 ** minorDigits(currency);
  return { value: value === 0 ? 0 : value, currency };
}

/**
 * Whether two amounts are the same money: same currency and same number of
 * minor units (so 0.1 + 0.2 EUR equals 0.3 EUR).
 */
export function moneyEquals(a: Money, b: Money): boolean {
  return a.currency === b.currency && toMinor(a) === toMinor(b);
}

/**
 * Refuses to mix currencies, because Tandem never converts: a cap in USD on
 * a per-unit amount in EUR is a mistake in the request.
 *
 * @param path where `b` sits in the request, named in the error.
 * @example assertSameCurrency(perUnit, cap, 'counterpart/cap')
 */
export function assertSameCurrency(a: Money, b: Money, path = 'money'): void {
  if (a.currency !== b.currency) {
    throw invalid(path, `must be in ${a.currency} like the other amount, not ${b.currency}`);
  }
}

/**
 * Checks money as it comes from a request: a three-letter upper-case ISO 4217
 * code, a finite value with no more decimals than the currency has, and, when
 * `positive`, above zero.
 *
 * @param path where the amount sits in the request, e.g. `counterpart/amount`.
 */
export function validateMoney(money: Money, path: string, positive = true): void {
  if (typeof money !== 'object' || money === null) {
    throw invalid(path, 'must be { value, currency }');
  }
  if (typeof money.currency !== 'string' || !/^[A-Z]{3}$/.test(money.currency)) {
    throw invalid(`${path}/currency`, 'must be a three-letter ISO 4217 code such as EUR');
  }
  if (typeof money.value !== 'number' || !Number.isFinite(money.value)) {
    throw invalid(`${path}/value`, 'must be a finite number');
  }
  if (positive ? !(money.value > 0) : money.value < 0) {
    throw invalid(`${path}/value`, positive ? 'must be above zero' : 'must not be negative');
  }
  try {
    toMinor(money);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^money: /, '') : String(error);
    throw invalid(`${path}/value`, reason);
  }
}
