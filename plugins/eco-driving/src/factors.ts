/**
 * The assumptions behind the eco-driving plugin's CO2e figure, and where
 * they come from: the one place to read or change them. Every figure the
 * plugin produces is computed from this table, and each contribution keeps
 * a reference to the version of each assumption it used (ADR 0045).
 *
 * The figure is an **estimate** of what one person who finished an
 * eco-driving course might save over **one year** of driving, not a
 * measurement: nobody reads a fuel gauge here. See the README, "What the
 * figure means".
 */
import type { FactorDeclaration } from '@tandem/core';

/** Where each assumption comes from, so a sponsor's auditor can trace the figure. */
export const ECO_DRIVING_SOURCES = Object.freeze({
  savingShare: Object.freeze({
    publisher: 'ADEME (Agence de la transition écologique)',
    claim:
      'eco-driving reduces a car’s fuel consumption, and so its CO2 emissions, by about 15 %; ' +
      'ADEME also puts the average potential in everyday use at 7 to 10 %',
    document: 'ADEME eco-driving advice for drivers (« écoconduite »)',
  }),
  carFactor: Object.freeze({
    publisher: 'ADEME (Agence de la transition écologique)',
    dataset:
      'Impact CO2 transport data (Base Empreinte® values), average thermal car: fuel share only',
    url: 'https://impactco2.fr/outils/transport',
    year: 2024,
    unit: 'kg CO2e per km',
  }),
  annualKm: Object.freeze({
    publisher: 'SDES (French ministry statistics), Bilan annuel des transports',
    claim: 'a French private car is driven about 12,000 km a year (an order of magnitude)',
    url: 'https://www.statistiques.developpement-durable.gouv.fr/',
  }),
  /**
   * This table's own version: bump it whenever a default changes, so that
   * contributions recorded before and after can be told apart by `source`.
   * v2: the saving applies to the fuel share of the car's emissions only.
   */
  version: '2',
});

/**
 * The defaults a challenge's `actionSettings` may replace. They are copied
 * into a challenge's settings when it is created, so a challenge keeps the
 * assumptions it started with.
 */
export const ECO_DRIVING_DEFAULTS = Object.freeze({
  /** km driven by one person in a year; a company fleet often knows its own figure. */
  annualKmPerDriver: 12_000,
  /**
   * kg CO2e per km from the fuel an average thermal car burns (combustion
   * and fuel production), one occupant: the part of its emissions
   * eco-driving reduces. Building the car (0.0256 more) is left out.
   */
  carFactorKgPerKm: 0.192,
  /** The share of fuel emissions eco-driving saves (ADEME, "about 15 %"). */
  savingShare: 0.15,
});

/**
 * The three assumptions as the manifest declares them, under the names the
 * figure's `factors` use, each with its source and release. A challenge
 * that sets its own value rests on that value instead, and cites nothing
 * for it.
 */
export const ECO_DRIVING_FACTORS: readonly FactorDeclaration[] = Object.freeze([
  Object.freeze({
    key: 'carFactorKgPerKm',
    label: 'Car fuel emissions per km',
    value: ECO_DRIVING_DEFAULTS.carFactorKgPerKm,
    unit: 'kg CO2e / km',
    source: 'ADEME, Impact CO2 transport data (Base Empreinte® values)',
    datasetId: 'Impact CO2 transport 4 (voiturethermique), fuel share',
    versionDate: '2024',
    note: 'average thermal car, one occupant, fuel only (combustion and fuel production); the 0.0256 of vehicle construction is left out, since eco-driving saves fuel, not the making of the car. The same release as the commute plugin’s car (0.2176 in all).',
  }),
  Object.freeze({
    key: 'savingShare',
    label: 'Share of fuel emissions eco-driving saves',
    value: ECO_DRIVING_DEFAULTS.savingShare,
    unit: 'share of fuel emissions',
    source: 'ADEME, eco-driving advice for drivers (« écoconduite »)',
    datasetId: 'ADEME écoconduite: "about 15 %" less fuel',
    versionDate: '2026',
    note: 'the 15 % of ADEME’s model, applied to the fuel share only; ADEME puts the everyday potential at 7 to 10 %, which a cautious sponsor may set instead. The advice carries no release date: 2026 is when it was read.',
  }),
  Object.freeze({
    key: 'annualKmPerDriver',
    label: 'Distance driven in a year',
    value: ECO_DRIVING_DEFAULTS.annualKmPerDriver,
    unit: 'km / year',
    source: 'SDES (French ministry statistics), Bilan annuel des transports',
    datasetId: 'average annual distance of a French private car (order of magnitude)',
    versionDate: '2026',
    note: 'an order of magnitude, not a measure; a fleet’s own figure is better. 2026 is the edition read.',
  }),
]);

/** The text stored with every contribution as the source of its CO2e figure. */
export const ECO_DRIVING_SOURCE_LABEL =
  `Estimate for one year of driving: ADEME eco-driving saving (~15 % of fuel) × ` +
  `fuel share of the ADEME car factor (Impact CO2 transport data, ${ECO_DRIVING_SOURCES.carFactor.year} release) × ` +
  `km driven a year (eco-driving assumptions v${ECO_DRIVING_SOURCES.version})`;
