import { getLocale } from '$lib/paraglide/runtime';
import type { Money } from '$lib/challenge/progress';

/** A count or quantity in the page's language (`1 234,5` in French). */
export function formatNumber(value: number, maximumFractionDigits = 1): string {
  return new Intl.NumberFormat(getLocale(), { maximumFractionDigits }).format(value);
}

/** Money in the page's language, without cents when there are none (`5 000 €`). */
export function formatMoney(money: Money): string {
  const whole = Number.isInteger(money.value);
  return new Intl.NumberFormat(getLocale(), {
    style: 'currency',
    currency: money.currency,
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: whole ? 0 : 2,
  }).format(money.value);
}

/** A relative time in the page's language ("dans 3 jours", "il y a 2 heures"). */
export function formatRelative(value: number, unit: Intl.RelativeTimeFormatUnit): string {
  return new Intl.RelativeTimeFormat(getLocale(), { numeric: 'auto' }).format(value, unit);
}

/** A feed time (rounded down to the hour by the API), relative to now. */
export function formatAgo(at: string, now: Date): string {
  // `at` is the start of its hour: within that hour it reads "this hour".
  const hours = Math.ceil((Date.parse(at) - now.getTime()) / 3_600_000) || 0;
  if (Math.abs(hours) < 24) return formatRelative(hours, 'hour');
  return formatRelative(Math.round(hours / 24), 'day');
}
