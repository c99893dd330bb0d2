/**
 * What a reported day of commuting avoids, as pure functions of the trips and
 * the pledge: no I/O, so every rule here is tested without a database.
 */
import type { ImpactResult } from '@tandem/core';
import { EMISSION_FACTORS, FACTOR_SOURCE_LABEL } from './factors.js';
import type { Mode, PreviousMode } from './modes.js';

/** One trip as reported, after schema validation. */
export interface Trip {
  mode: Mode;
  km: number;
  /** People in the car, the reporter included; carpool only. */
  occupants?: number;
}

/**
 * kg CO2e per passenger-km of a mode; for `carpool`, the car's figure shared
 * among its occupants.
 *
 * @param mode - a trip mode, or `'car'` (driving alone)
 * @param occupants - people in the car, driver included; required for `carpool`
 * @throws RangeError for a carpool without at least 2 occupants (the
 *   contribution checks refuse that earlier, with a 400)
 *
 * @example
 * factorOf('bike'); // 0
 * factorOf('carpool', 3); // 0.2176 / 3 (the car's factor shared by three)
 */
export function factorOf(mode: PreviousMode, occupants?: number): number {
  if (mode === 'carpool') {
    if (occupants === undefined || !Number.isInteger(occupants) || occupants < 2) {
      throw new RangeError(`a carpool factor needs 2 or more occupants, not ${String(occupants)}`);
    }
    return EMISSION_FACTORS.car / occupants;
  }
  return EMISSION_FACTORS[mode];
}

/** The name a factor is listed under in an impact's `factors`, e.g. `carpool/3`. */
export function factorName(mode: PreviousMode, occupants?: number): string {
  return mode === 'carpool' ? `carpool/${String(occupants)}` : mode;
}

/**
 * The kg CO2e a day of trips avoided, under the counterfactual rule: only km
 * that replaced a trip by car alone count. So:
 *
 * - `previousMode` is `'car'`: each trip avoids `km × (car − factor(mode))`;
 * - any other previous mode, or none (no pledge, or a pledge without
 *   details): nothing is claimed, `co2eKg` is 0. A shift from the bus to the
 *   bike is not counted, because one passenger fewer does not take a bus off
 *   the road: the bus's average figure per passenger is an allocation, not
 *   what that person's change avoids. Claiming it would overstate the saving
 *   a sponsor pays on.
 *
 * The km still count toward a km goal whatever this returns.
 *
 * @param trips - the day's trips, validated
 * @param previousMode - how the person travelled before, from their confirmed pledge
 * @returns the avoided kg CO2e, the factors used (by {@link factorName}), their
 *   source and the declared factors it cites
 *
 * @example
 * avoidedCo2e([{ mode: 'bike', km: 12 }], 'car').co2eKg; // 12 × 0.2176 = 2.6112
 * avoidedCo2e([{ mode: 'bike', km: 12 }], undefined).co2eKg; // 0
 */
export function avoidedCo2e(
  trips: readonly Trip[],
  previousMode: PreviousMode | undefined,
): ImpactResult {
  if (previousMode !== 'car') {
    return { co2eKg: 0, source: FACTOR_SOURCE_LABEL, factors: {} };
  }
  const before = factorOf('car');
  const factors: Record<string, number> = { car: before };
  // The declared factors the figure rests on: a carpool's is the car's.
  const cites = new Set<string>(['car']);
  let co2eKg = 0;
  for (const trip of trips) {
    const now = factorOf(trip.mode, trip.occupants);
    factors[factorName(trip.mode, trip.occupants)] = now;
    cites.add(trip.mode === 'carpool' ? 'car' : trip.mode);
    co2eKg += trip.km * (before - now);
  }
  return { co2eKg, source: FACTOR_SOURCE_LABEL, factors, cites: [...cites] };
}

/** The total km of a day's trips, every mode alike: all of them count toward a km goal. */
export function totalKm(trips: readonly Trip[]): number {
  return trips.reduce((sum, trip) => sum + trip.km, 0);
}
