/**
 * The emission factors of the commute plugin, and where they come from: the
 * one place to read or update them. Every figure of avoided CO2e the plugin
 * produces is computed from this table and names it as its source.
 */
import type { PreviousMode } from './modes.js';

/** Where the factors come from, so a sponsor's auditor can trace each figure. */
export const FACTOR_SOURCE = Object.freeze({
  /** Who publishes the figures. */
  publisher: 'ADEME (Agence de la transition écologique)',
  /** The data set, as ADEME names it. */
  dataset: 'Base Empreinte®, transport factors as published in the Impact CO2 comparator',
  url: 'https://impactco2.fr/outils/transport',
  /** The vintage of the figures this table copies. */
  year: 2024,
  /**
   * This table's own version: bump it whenever a figure changes, so that
   * contributions recorded before and after can be told apart by `source`.
   */
  version: '1',
  unit: 'kg CO2e per passenger-km',
});

/** The text stored with every contribution as the source of its CO2e figure. */
export const FACTOR_SOURCE_LABEL = `ADEME Base Empreinte® via Impact CO2, ${FACTOR_SOURCE.year} (commute factors v${FACTOR_SOURCE.version}, ${FACTOR_SOURCE.unit})`;

/**
 * kg CO2e per passenger-km, from {@link FACTOR_SOURCE}. Life-cycle figures
 * (vehicle, energy, and for trains and trams their infrastructure use) per
 * person carried, at the average occupancy ADEME assumes for each mode.
 *
 * `carpool` has no row: a car shared by n people emits the `car` figure
 * divided by n per person (see `factorOf` in impact.ts). `car` is a car
 * driven alone (average French thermal car, one occupant).
 */
export const EMISSION_FACTORS: Readonly<Record<Exclude<PreviousMode, 'carpool'>, number>> =
  Object.freeze({
    car: 0.2176,
    bus: 0.1224,
    metro: 0.00444,
    tram: 0.00428,
    rer: 0.00978,
    'train-ter': 0.02769,
    'train-tgv': 0.00293,
    coach: 0.0376,
    'e-bike': 0.01095,
    'e-scooter': 0.0249,
    bike: 0,
    walking: 0,
  });
