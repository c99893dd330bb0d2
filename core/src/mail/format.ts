/**
 * How mails write what varies with the language but not with the wording:
 * numbers, money, dates, durations and plural forms, all through `Intl`, so
 * a catalogue (messages/<locale>.ts) holds words only. Also how user-chosen
 * text is made safe to put in a mail.
 */

/** The languages Tandem's mails are written in. */
export type MailLocale = 'fr' | 'en';

// Deadlines and recording days are shown as dates; Tandem's campaigns so far
// are French, so a deadline at midnight in Paris must not read as the day before.
const MAIL_TIME_ZONE = 'Europe/Paris';

/**
 * Control characters (line breaks included) become spaces, runs of spaces
 * one, and the result is cut to `max` characters with an ellipsis. Names
 * and titles are chosen by users — a pledge confirmation can be sent to any
 * address — so a mail cannot be turned into a long message of someone
 * else's choosing.
 *
 * @example
 * clean('Ann\nBcc: x@y', 60); // 'Ann Bcc: x@y'
 */
export function clean(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  const collapsed = flat.replace(/\s+/g, ' ').trim();
  const chars = Array.from(collapsed); // by code point, so an emoji is never cut in half
  return chars.length <= max
    ? collapsed
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** A unit (km, kg…) cleaned for a sentence, or null when there is none left. */
export const cleanUnit = (unit: string | null): string | null =>
  unit === null ? null : clean(unit, 20) || null;

/** "1,234.5" / "1 234,5", with at most `digits` decimals. */
export function formatNumber(value: number, locale: MailLocale, digits = 2): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

/** Money as the API gives it: `value` in major units, an ISO currency code. */
export interface MailMoney {
  value: number;
  currency: string;
}

/** "€5,000", "5 000 €", "0,10 €": whole amounts without decimals, others with the currency's. */
export function formatMoney(money: MailMoney, locale: MailLocale): string {
  const whole = Number.isInteger(money.value);
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: money.currency,
      ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
    }).format(money.value);
  } catch {
    // An unknown currency code still reads, rather than failing the mail.
    return `${formatNumber(money.value, locale)} ${money.currency}`;
  }
}

/** "1 July 2026" / "1 juillet 2026", the day in Paris. */
export function formatDate(date: Date, locale: MailLocale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: MAIL_TIME_ZONE }).format(
    date,
  );
}

/** "15 minutes", "1 hour", "2 jours": the largest unit that divides evenly. */
export function formatDuration(minutes: number, locale: MailLocale): string {
  const [value, unit] =
    minutes >= 1440 && minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes >= 60 && minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/**
 * The forms of a message that depends on a count, by the language's plural
 * category (`Intl.PluralRules`): French puts 0 and 1 in `one`, English only
 * 1. `other` is required; a language with more categories adds them.
 */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** Types plural forms in a catalogue, so that every language may use its own categories. */
export const pluralForms = (forms: PluralForms): PluralForms => forms;

/**
 * Picks the form of `forms` that `count` takes in `locale`, as the mail
 * writes it (with at most `digits` decimals, so the form agrees with the
 * figure shown), with `#` replaced by that figure.
 *
 * @example
 * plural(0, 'fr', { one: '# personne', other: '# personnes' }); // '0 personne'
 * plural(0, 'en', { one: '# person', other: '# people' }); // '0 people'
 */
export function plural(count: number, locale: MailLocale, forms: PluralForms, digits = 2): string {
  const form =
    forms[new Intl.PluralRules(locale, { maximumFractionDigits: digits }).select(count)] ??
    forms.other;
  return form.replace(/#/g, formatNumber(count, locale, digits));
}
