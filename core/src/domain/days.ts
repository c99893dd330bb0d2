/**
 * Calendar days in an organization's time zone. A contribution counts for
 * a day (`YYYY-MM-DD`): the one its details name, or the day its instant
 * falls on in the organization's zone — 23:30 UTC is already tomorrow in
 * Paris. Pure: the clock and the zone are passed in.
 */

/** The zone an organization gets when it names none. */
export const DEFAULT_TIME_ZONE = 'Europe/Paris';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA writes dates as YYYY-MM-DD; the parts are read one by one anyway.
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Whether `name` is an IANA time zone this runtime knows (`Europe/Paris`,
 * `America/Cayenne`, `UTC`). Offsets and abbreviations (`+02:00`, `CET`)
 * are refused: a zone's rules change with summer time, an offset does not.
 */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name) || name.length > 64) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The calendar day `instant` falls on in `timeZone`, as `YYYY-MM-DD`.
 *
 * @example dayIn(new Date('2026-03-01T23:30:00Z'), 'Europe/Paris') // '2026-03-02'
 */
export function dayIn(instant: Date, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

/** `day` moved by `days` calendar days (negative: earlier). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (no 2026-02-30). */
export function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The days a contribution may count for: `first` to `last`, both included. */
export interface ContributionWindow {
  first: string;
  last: string;
}

/** How long after a challenge closes its participants may still report what they did before. */
export const REPORTING_GRACE_DAYS = 14;

/**
 * The days a contribution may count for: from the campaign's start (or the
 * challenge's opening when the campaign gives none) to the challenge's
 * close plus {@link REPORTING_GRACE_DAYS}, and never after today — all in
 * the organization's zone. The close is the challenge's `closedAt`, else
 * its deadline, else the campaign's end; without any, only today bounds it.
 */
export function contributionWindow(
  dates: {
    startsAt: Date | null;
    openedAt: Date | null;
    closedAt: Date | null;
    deadline: Date | null;
    endsAt: Date | null;
  },
  now: Date,
  timeZone: string,
): ContributionWindow {
  const today = dayIn(now, timeZone);
  const start = dates.startsAt ?? dates.openedAt ?? now;
  const close = dates.closedAt ?? dates.deadline ?? dates.endsAt;
  const lastReported = close ? addDays(dayIn(close, timeZone), REPORTING_GRACE_DAYS) : today;
  return { first: dayIn(start, timeZone), last: lastReported < today ? lastReported : today };
}
