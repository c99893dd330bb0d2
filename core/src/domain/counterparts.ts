import { invalid } from '../errors.js';
import { assertSameCurrency, fromMinor, toMinor, validateMoney } from './money.js';
import type { Counterpart, MatchingCounterpart, Money } from './types.js';

/**
 * Rounds a product of minor units and a quantity down to whole minor units,
 * forgiving the few ulps of binary noise a decimal quantity carries
 * (10 × 0.7 is 7.000000000000001, 100 × 0.29 is 28.999999999999996): the
 * sponsor owes the decimal result, floored, not the float's. The slack is
 * relative (1e-14, some forty times the error of a decimal quantity times an
 * integer), so it absorbs representation error and nothing else: with
 * quantities of up to three decimals the result is exact below 1e11 minor
 * units (a billion euros). Adding a multiple of `raw` keeps it monotone.
 */
function floorMinor(raw: number): number {
  return Math.floor(raw + raw * 1e-14);
}

/**
 * What a matching counterpart owes for a quantity: `perUnit × quantity`,
 * floored to whole minor units, never below zero and never above `cap`.
 * Computed in minor units so that the report a sponsor pays on is exact.
 *
 * @param quantity progress in the action type's unit (km, kg…); zero,
 *   negative or NaN owe nothing.
 * @example
 * matchingAmount(
 *   { kind: 'matching', perUnit: { value: 0.1, currency: 'EUR' },
 *     cap: { value: 5000, currency: 'EUR' }, beneficiaryId: 'b1' },
 *   80360.3,
 * ) // { value: 5000, currency: 'EUR' } — 8036.03 € capped
 */
export function matchingAmount(counterpart: MatchingCounterpart, quantity: number): Money {
  const { perUnit, cap } = counterpart;
  assertSameCurrency(perUnit, cap, 'counterpart/cap');
  const capMinor = Math.max(0, toMinor(cap));
  const perUnitMinor = toMinor(perUnit);
  // `!(x > 0)` also catches NaN: no measurable progress owes nothing.
  if (!(quantity > 0) || !(perUnitMinor > 0)) return fromMinor(0, cap.currency);
  const owed = Math.min(capMinor, floorMinor(perUnitMinor * quantity));
  return fromMinor(owed, cap.currency);
}

/**
 * The money a counterpart is worth at a given quantity, for reports and
 * IF/THEN cards: a donation's amount, a matching rule's current amount, or
 * `null` for a concrete act, which has no price.
 */
export function counterpartValue(counterpart: Counterpart, quantity: number): Money | null {
  switch (counterpart.kind) {
    case 'donation':
      return { value: counterpart.amount.value, currency: counterpart.amount.currency };
    case 'matching':
      return matchingAmount(counterpart, quantity);
    case 'act':
      return null;
  }
}

function requireId(value: unknown, path: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(path, 'must be a non-empty id');
  }
}

/**
 * Checks a counterpart before it is stored, so that evaluation and reports
 * never meet an amount they cannot compute. Throws `TANDEM_REQUEST_INVALID`
 * naming the field, e.g. `counterpart/cap/currency` or `counterpart/cap` when
 * the cap's currency is not the per-unit amount's.
 *
 * Amounts must be above zero, finite and expressible in the currency's minor
 * unit (no €0.005 per km: matching is computed in whole cents per unit).
 *
 * @param path where the counterpart sits, e.g. `tiers/1/counterpart`.
 */
export function validateCounterpart(counterpart: Counterpart, path = 'counterpart'): void {
  if (typeof counterpart !== 'object' || counterpart === null) {
    throw invalid(path, 'must be an object with a kind');
  }
  // Read `kind` loosely: the value may come from JSON that slipped past a schema.
  const kind = (counterpart as { kind?: unknown }).kind;
  switch (kind) {
    case 'donation': {
      const c = counterpart as Extract<Counterpart, { kind: 'donation' }>;
      validateMoney(c.amount, `${path}/amount`);
      requireId(c.beneficiaryId, `${path}/beneficiaryId`);
      return;
    }
    case 'matching': {
      const c = counterpart as MatchingCounterpart;
      validateMoney(c.perUnit, `${path}/perUnit`);
      validateMoney(c.cap, `${path}/cap`);
      assertSameCurrency(c.perUnit, c.cap, `${path}/cap`);
      requireId(c.beneficiaryId, `${path}/beneficiaryId`);
      return;
    }
    case 'act': {
      const c = counterpart as Extract<Counterpart, { kind: 'act' }>;
      if (typeof c.description !== 'string' || c.description.trim() === '') {
        throw invalid(`${path}/description`, 'must say what the sponsor will do');
      }
      return;
    }
    default:
      throw invalid(`${path}/kind`, 'must be "donation", "act" or "matching"');
  }
}

/**
 * What a tier's sponsor owes so far, shown on the tier as `owed`: for a
 * matching counterpart, `perUnit ×` the challenge's quantity so far,
 * floored to whole cents (minor units) and capped at `cap` — the same
 * figure as {@link matchingAmount}, which reports pay on; `null` for a
 * donation or an act, whose worth does not grow with progress, and for a
 * tier without a counterpart.
 *
 * It is what the progress so far is worth, whether or not the tier's goal
 * is reached: a page shows it as "€X raised so far", the unlock decides
 * whether it is due.
 *
 * @example
 * owedSoFar({ kind: 'matching', perUnit: { value: 0.1, currency: 'EUR' },
 *   cap: { value: 500, currency: 'EUR' }, beneficiaryId: 'b1' }, 1234.5)
 * // { value: 123.45, currency: 'EUR' }
 */
export function owedSoFar(
  counterpart: Counterpart | null | undefined,
  quantity: number,
): Money | null {
  if (!counterpart || counterpart.kind !== 'matching') return null;
  return matchingAmount(counterpart, quantity);
}
