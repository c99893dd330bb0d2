/**
 * The emission factors of the commute plugin, and where they come from: the
 * one place to read or update them. Every figure of avoided CO2e the plugin
 * produces is computed from this table, and each contribution keeps a
 * reference to the version of each factor it used (ADR 0045).
 *
 * One table, one release: every row is ADEME's Impact CO2 transport data as
 * released in 2024 (which carries Base Empreinte® values). An avoided figure
 * is a difference, car − mode, so both sides come from the same release: a
 * newer figure for one mode goes in only with the whole table.
 */
import type { FactorDeclaration } from '@tandem/core';
import type { PreviousMode } from './modes.js';

/** Where the factors come from, so a sponsor's auditor can trace each figure. */
export const FACTOR_SOURCE = Object.freeze({
  /** Who publishes the figures. */
  publisher: 'ADEME (Agence de la transition écologique)',
  /** The data set, as ADEME names it. */
  dataset: 'Impact CO2 transport data (Base Empreinte® values)',
  url: 'https://impactco2.fr/outils/transport',
  /** The release of the data set every row of the table copies. */
  year: 2024,
  /** The same release, as a factor's `versionDate`. */
  versionDate: '2024',
  /**
   * This table's own version: bump it whenever a figure changes, so that
   * contributions recorded before and after can be told apart by `source`.
   */
  version: '2',
  unit: 'kg CO2e per passenger-km',
});

/** The publisher and data set, as every factor of the table names them. */
const SOURCE = 'ADEME, Impact CO2 transport data (Base Empreinte® values)';

/** The text stored with every contribution as the source of its CO2e figure. */
export const FACTOR_SOURCE_LABEL = `ADEME Impact CO2 transport data, ${FACTOR_SOURCE.year} release (Base Empreinte®; commute factors v${FACTOR_SOURCE.version}, ${FACTOR_SOURCE.unit})`;

/** What the Impact CO2 figures cover, the same for every mode. */
const SCOPE =
  'direct emissions, vehicle construction (manufacture, maintenance, end of life) and the production of fuel and electricity; the construction of infrastructure (roads, rails, stations) is excluded, as the source states';

type FactorRow = Omit<FactorDeclaration, 'key' | 'unit' | 'source' | 'versionDate' | 'label'> & {
  label: string;
};

/**
 * Each factor of the table: kg CO2e per passenger-km at the average
 * occupancy ADEME assumes for the mode, with its entry in the data set.
 *
 * `carpool` has no row: a car shared by n people emits the `car` figure
 * divided by n per person (see `factorOf` in impact.ts). `car` is a car
 * driven alone (average French thermal car, one occupant).
 */
const ROWS: Readonly<Record<Exclude<PreviousMode, 'carpool'>, FactorRow>> = {
  car: {
    label: 'Car, driven alone',
    value: 0.2176,
    datasetId: 'Impact CO2 transport 4 (voiturethermique)',
    note:
      'average thermal car, per vehicle-km with one occupant: fuel 0.192 + vehicle construction 0.0256. ' +
      'ADEME’s 2025 car model (0.142 per passenger at 1.6 occupants, about 0.2276 for a car driven alone) is not used: see ADR 0045. ' +
      'A carpool is this value ÷ its occupants',
  },
  bus: {
    label: 'Bus',
    value: 0.1132,
    datasetId: 'Impact CO2 transport 9 (busthermique)',
    note: 'thermal bus, per passenger. Base Empreinte® of October 2025 gives 0.1224 (id 43739): not used, the table stays on one release',
  },
  metro: {
    label: 'Metro',
    value: 0.00444,
    datasetId: 'Impact CO2 transport 11 (metro)',
    note: 'per passenger',
  },
  tram: {
    label: 'Tram',
    value: 0.00428,
    datasetId: 'Impact CO2 transport 10 (tramway)',
    note: 'per passenger',
  },
  rer: {
    label: 'RER / suburban train',
    value: 0.00978,
    datasetId: 'Impact CO2 transport 14 (rer)',
    note: 'RER or Transilien, per passenger',
  },
  'train-ter': {
    label: 'Regional train (TER)',
    value: 0.02769,
    datasetId: 'Impact CO2 transport 15 (ter)',
    note: 'per passenger',
  },
  'train-tgv': {
    label: 'High-speed train (TGV)',
    value: 0.00293,
    datasetId: 'Impact CO2 transport 2 (tgv)',
    note: 'per passenger',
  },
  coach: {
    label: 'Coach',
    value: 0.0294,
    datasetId: 'Impact CO2 transport 6 (autocar)',
    note: 'per passenger. Base Empreinte® of October 2025 gives 0.0376 (id 43740): not used, the table stays on one release',
  },
  'e-bike': {
    label: 'Electric bike',
    value: 0.01095,
    datasetId: 'Impact CO2 transport 8 (veloelectrique)',
    note: 'electrically assisted bike or scooter, per rider',
  },
  'e-scooter': {
    label: 'Electric scooter',
    value: 0.0249,
    datasetId: 'Impact CO2 transport: trottinette électrique',
    note: 'electric kick scooter, per rider',
  },
  bike: {
    label: 'Bike',
    value: 0,
    datasetId: 'Impact CO2 transport 7 (velo)',
    note: 'no emission counted for riding (vélo ou marche)',
  },
  walking: {
    label: 'Walking',
    value: 0,
    datasetId: 'Impact CO2 transport 7 (velo)',
    note: 'no emission counted for walking (vélo ou marche)',
  },
};

/**
 * The table as the manifest declares it: one {@link FactorDeclaration} per
 * mode, every one of the same release ({@link FACTOR_SOURCE}).
 */
export const COMMUTE_FACTORS: readonly FactorDeclaration[] = Object.freeze(
  Object.entries(ROWS).map(([key, row]) =>
    Object.freeze({
      key,
      label: row.label,
      value: row.value,
      unit: 'kg CO2e / passenger-km',
      source: SOURCE,
      datasetId: row.datasetId,
      versionDate: FACTOR_SOURCE.versionDate,
      note: `${row.note ?? ''}. Covers ${SCOPE}.`,
    }),
  ),
);

/** kg CO2e per passenger-km by mode, from {@link COMMUTE_FACTORS}. */
export const EMISSION_FACTORS: Readonly<Record<Exclude<PreviousMode, 'carpool'>, number>> =
  Object.freeze(
    Object.fromEntries(Object.entries(ROWS).map(([key, row]) => [key, row.value])) as Record<
      Exclude<PreviousMode, 'carpool'>,
      number
    >,
  );
