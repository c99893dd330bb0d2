/**
 * The assumptions behind the eco-driving plugin's CO2e figure, and where
 * they come from: the one place to read or change them. Every figure the
 * plugin produces is computed from this table and names it as its source.
 *
 * The figure is an **estimate** of what one person who finished an
 * eco-driving course might save over **one year** of driving, not a
 * measurement: nobody reads a fuel gauge here. See the README, "What the
 * figure means".
 */

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
    dataset: 'Base Empreinte®, car driven alone, as published in the Impact CO2 comparator',
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
   */
  version: '1',
});

/** The defaults a challenge's `actionSettings` may replace. */
export const ECO_DRIVING_DEFAULTS = Object.freeze({
  /** km driven by one person in a year; a company fleet often knows its own figure. */
  annualKmPerDriver: 12_000,
  /** kg CO2e per km, car driven alone (ADEME, life-cycle figure). */
  carFactorKgPerKm: 0.2176,
  /** The share of a car's emissions eco-driving saves (ADEME, "about 15 %"). */
  savingShare: 0.15,
});

/** The text stored with every contribution as the source of its CO2e figure. */
export const ECO_DRIVING_SOURCE_LABEL =
  `Estimate for one year of driving: ADEME eco-driving saving (~15 % of fuel) × ` +
  `ADEME Base Empreinte® car factor via Impact CO2 ${ECO_DRIVING_SOURCES.carFactor.year} × ` +
  `km driven a year (eco-driving assumptions v${ECO_DRIVING_SOURCES.version})`;
