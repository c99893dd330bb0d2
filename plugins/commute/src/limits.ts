/**
 * The checks a pledge or a day of trips must pass beyond its schema: modes
 * the challenge counts, the carpool rule, and distances nobody covers in a
 * day by that mode. Each refusal is a 400 naming the exact field.
 */
import type { Problem } from '@tandem/core';
import { MODE_LABELS, MODES, type Mode } from './modes.js';
import {
  MAX_KM_PER_DAY,
  type CommuteContribution,
  type CommutePledge,
  type CommuteSettings,
} from './schemas.js';

/**
 * Default caps per mode for one day, in km. Well above any real commute but
 * low enough to catch a slipped digit (250 for 25). Walking: a marathon and
 * then some; bike and e-bike: a long randonneur's day; e-scooter: two full
 * batteries. Motorised shared modes share the overall cap of
 * {@link MAX_KM_PER_DAY} (a day-long TGV round trip). A challenge may replace
 * any of them with `actionSettings.maxKmPerDay`.
 */
export const DAILY_KM_LIMITS: Readonly<Record<Mode, number>> = Object.freeze({
  bus: MAX_KM_PER_DAY,
  metro: MAX_KM_PER_DAY,
  tram: MAX_KM_PER_DAY,
  rer: MAX_KM_PER_DAY,
  'train-ter': MAX_KM_PER_DAY,
  'train-tgv': MAX_KM_PER_DAY,
  coach: MAX_KM_PER_DAY,
  carpool: MAX_KM_PER_DAY,
  bike: 200,
  'e-bike': 200,
  walking: 50,
  'e-scooter': 80,
});

// Problems name the very field under `details` (`trips/2/mode`): the SDK
// answers a 400 on `details/trips/2/mode`, which a form can point at.
const refuse = (path: string, message: string): Problem => ({ path, message });

const label = (mode: Mode): string => MODE_LABELS[mode].en;

const accepted = (settings: CommuteSettings): readonly Mode[] => settings.modes ?? MODES;

const acceptedList = (settings: CommuteSettings): string => accepted(settings).join(', ');

/** The daily cap for `mode` in this challenge: its override, or the default. */
export function dailyLimit(mode: Mode, settings: CommuteSettings): number {
  return settings.maxKmPerDay?.[mode] ?? DAILY_KM_LIMITS[mode];
}

/**
 * Refuses a pledge to a mode the challenge does not count. The previous
 * mode is not checked against the challenge: it says how the person
 * travelled before, whatever the challenge is about.
 *
 * @returns the problem at `modes/<i>` (under `details`), or `null`
 */
export function checkPledgedModes(
  details: CommutePledge,
  settings: CommuteSettings,
): Problem | null {
  const allowed = accepted(settings);
  const i = (details.modes ?? []).findIndex((mode) => !allowed.includes(mode));
  if (i < 0) return null;
  return refuse(
    `modes/${i}`,
    `"${details.modes?.[i]}" is not a mode this challenge counts; it counts ${acceptedList(settings)}`,
  );
}

const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Checks a day of trips against the challenge, in the order a person would
 * fix them: the date, then each trip's mode and occupants, then the day's
 * km per mode against {@link dailyLimit}.
 *
 * The caps hold per person and day: the km of `earlier` (what the same
 * person already reported for that day, which the engine passes to
 * `limits.check`) count toward each mode's cap, so 76 reports of 200 km by
 * bike for one day are refused from the second on.
 *
 * @param occurredAt - when the contribution says it happened; `date` may not
 *   be later than its day, give or take a day for time zones
 * @param earlier - the same person's earlier reports of that day, validated
 * @returns the first problem, naming (under `details`) `date`,
 *   `trips/<i>/mode`, `trips/<i>/occupants` or `trips/<i>/km` (the trip at
 *   which that mode's total passes its cap); `null` when the day holds
 */
export function checkTrips(
  details: CommuteContribution,
  settings: CommuteSettings,
  occurredAt: Date,
  earlier: readonly CommuteContribution[] = [],
): Problem | null {
  const latest = isoDay(new Date(occurredAt.getTime() + 24 * 3600_000));
  // Both are YYYY-MM-DD, so text order is date order.
  if (details.date !== undefined && details.date > latest) {
    return refuse(
      'date',
      `${details.date} is after the day this contribution occurred (${isoDay(occurredAt)})`,
    );
  }
  const allowed = accepted(settings);
  for (const [i, trip] of details.trips.entries()) {
    if (!allowed.includes(trip.mode)) {
      return refuse(
        `trips/${i}/mode`,
        `"${trip.mode}" is not a mode this challenge counts; it counts ${acceptedList(settings)}`,
      );
    }
    if (trip.mode === 'carpool' && trip.occupants === undefined) {
      return refuse(
        `trips/${i}/occupants`,
        'is required for a carpool: how many people were in the car, you included (2 to 9)',
      );
    }
    if (trip.mode !== 'carpool' && trip.occupants !== undefined) {
      return refuse(
        `trips/${i}/occupants`,
        `applies to a carpool only, not to a trip by ${label(trip.mode)}`,
      );
    }
  }
  const kmByMode = new Map<Mode, number>();
  for (const report of earlier) {
    for (const trip of report.trips)
      kmByMode.set(trip.mode, (kmByMode.get(trip.mode) ?? 0) + trip.km);
  }
  for (const [i, trip] of details.trips.entries()) {
    const total = (kmByMode.get(trip.mode) ?? 0) + trip.km;
    kmByMode.set(trip.mode, total);
    const cap = dailyLimit(trip.mode, settings);
    if (total > cap) {
      return refuse(
        `trips/${i}/km`,
        `${round(total)} km by ${label(trip.mode)} in one day${earlier.length > 0 ? ', with what you already reported that day,' : ''} is more than the ${cap} km this challenge accepts for that mode; please check the distance`,
      );
    }
  }
  return null;
}

const round = (km: number): number => Math.round(km * 100) / 100;
