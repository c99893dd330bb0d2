/**
 * The collection plugin's data: the materials it knows, how much one
 * weigh-in may plausibly hold, and the emission factors behind the CO2e it
 * claims. Every figure lives here, with where it comes from, so an auditor
 * reads one file.
 *
 * How the claim is built. A kilogram brought to a collection point is a
 * kilogram that would otherwise have gone into the grey bin (residual
 * household waste). In France that bin's putrescible part ends up, on
 * average, 24 % landfilled, 68 % incinerated, 4 % composted and 4 %
 * anaerobically digested (ADEME, "Déchets chiffres-clés – L'essentiel 2021",
 * shares as used by ADEME's Nos Gestes Climat waste model). We weight
 * ADEME Base Empreinte's "Impacts" factor of each route by those shares to
 * get the grey-bin baseline, then subtract the factor of the route the
 * collected material really takes. What is left is the avoided CO2e per kg.
 *
 * Why it is conservative:
 * - "Impacts" factors only: no credit for compost replacing mineral
 *   fertiliser, for carbon stored in soil, or for biogas replacing gas.
 * - The default route is industrial composting, whose factor (0.140) is the
 *   highest of the composting routes.
 * - Materials without a sourced factor (textile, other) claim 0 CO2e: their
 *   kilograms still count toward a kg goal.
 *
 * Its limit: against incineration alone (0.045), industrial composting
 * (0.140) avoids nothing under these conventions; the saving comes from the
 * landfilled share of the grey bin, where food waste makes methane.
 */

import type { FactorDeclaration } from '@tandem/core';

/** Materials a collection challenge may gather. */
export const MATERIALS = ['coffee-grounds', 'biowaste', 'textile', 'other'] as const;
export type Material = (typeof MATERIALS)[number];

/** Where collected biowaste goes; only meaningful for coffee grounds and biowaste. */
export const TREATMENTS = [
  'industrial-composting',
  'shared-composting',
  'anaerobic-digestion',
] as const;
export type Treatment = (typeof TREATMENTS)[number];

/** The route assumed when a challenge does not say: the least favourable composting route. */
export const DEFAULT_TREATMENT: Treatment = 'industrial-composting';

/**
 * ADEME Base Empreinte "Impacts" factors, in kg CO2e per kg of waste
 * (emissions of the treatment, no avoided-emission credit), as published in
 * ADEME's open Nos Gestes Climat model (waste module, read in 2026).
 */
export const END_OF_LIFE_KG_CO2E_PER_KG = {
  /** "Déchets putrescibles – Stockage – Impacts" (landfill, with its methane). */
  landfill: 0.692,
  /** "Déchets putrescibles – Incinération – Impacts". */
  incineration: 0.045,
  /** "Déchets de cuisine et déchets verts – Compostage industriel – Impacts". */
  industrialComposting: 0.14,
  /**
   * "Déchets de cuisine et déchets verts – Compostage domestique en bac –
   * Impacts"; ADEME's documentation allows it as an approximation for shared
   * (neighbourhood) composting.
   */
  homeComposting: 0.009,
  /** "Déchets de cuisine – Méthanisation – Impacts" (no credit for the biogas). */
  anaerobicDigestion: 0.173,
} as const;

/**
 * Where the putrescible part of French residual household waste goes
 * (ADEME, Déchets chiffres-clés – L'essentiel 2021, as used by Nos Gestes
 * Climat). Sums to 1.
 */
export const GREY_BIN_SHARES = {
  landfill: 0.24,
  incineration: 0.68,
  industrialComposting: 0.04,
  anaerobicDigestion: 0.04,
} as const;

/** The short citation stored with each contribution's impact. */
export const FACTOR_SOURCE =
  'ADEME Base Empreinte, putrescible waste end-of-life "Impacts" factors (via Nos Gestes Climat, read 2026); ADEME Déchets chiffres-clés 2021 treatment shares';

const END_OF_LIFE_ENTRIES: Record<keyof typeof END_OF_LIFE_KG_CO2E_PER_KG, [string, string]> = {
  landfill: ['Putrescible waste, landfill', 'Déchets putrescibles – Stockage – Impacts'],
  incineration: [
    'Putrescible waste, incineration',
    'Déchets putrescibles – Incinération – Impacts',
  ],
  industrialComposting: [
    'Kitchen and garden waste, industrial composting',
    'Déchets de cuisine et déchets verts – Compostage industriel – Impacts',
  ],
  homeComposting: [
    'Kitchen and garden waste, home composting (also shared composting)',
    'Déchets de cuisine et déchets verts – Compostage domestique en bac – Impacts',
  ],
  anaerobicDigestion: [
    'Kitchen waste, anaerobic digestion',
    'Déchets de cuisine – Méthanisation – Impacts',
  ],
};

/**
 * The factors and shares as the manifest declares them (ADR 0045): each
 * end-of-life factor under its route's name, each grey-bin share under
 * `share/<route>`.
 */
export const COLLECTION_FACTORS: readonly FactorDeclaration[] = Object.freeze([
  ...Object.entries(END_OF_LIFE_ENTRIES).map(([route, [label, entry]]) =>
    Object.freeze({
      key: route,
      label,
      value: END_OF_LIFE_KG_CO2E_PER_KG[route as keyof typeof END_OF_LIFE_KG_CO2E_PER_KG],
      unit: 'kg CO2e / kg of waste',
      source: 'ADEME, Base Empreinte® (via the Nos Gestes Climat waste model)',
      datasetId: `Base Empreinte®: « ${entry} »`,
      versionDate: '2026',
      note: 'emissions of the treatment only, no avoided-emission credit; the values of the Nos Gestes Climat model as read in 2026, which does not date its Base Empreinte® release',
    }),
  ),
  ...Object.entries(GREY_BIN_SHARES).map(([route, share]) =>
    Object.freeze({
      key: `share/${route}`,
      label: `Grey-bin putrescible waste going to ${route}`,
      value: share,
      unit: 'share of the grey bin’s putrescible waste',
      source: 'ADEME, Déchets chiffres-clés – L’essentiel',
      datasetId: 'treatment of residual household waste, as used by Nos Gestes Climat',
      versionDate: '2021',
      note: 'the four shares sum to 1',
    }),
  ),
]);

/** kg CO2e one kg of putrescible waste costs in the grey bin, averaged over its routes. */
export const GREY_BIN_KG_CO2E_PER_KG = round6(
  Object.entries(GREY_BIN_SHARES).reduce(
    (sum, [route, share]) =>
      sum + share * END_OF_LIFE_KG_CO2E_PER_KG[route as keyof typeof GREY_BIN_SHARES],
    0,
  ),
);

/** The declared factor each treatment's figure is. */
const TREATMENT_KEY: Record<Treatment, keyof typeof END_OF_LIFE_KG_CO2E_PER_KG> = {
  'industrial-composting': 'industrialComposting',
  'shared-composting': 'homeComposting',
  'anaerobic-digestion': 'anaerobicDigestion',
};

const TREATMENT_KG_CO2E_PER_KG: Record<Treatment, number> = {
  'industrial-composting': END_OF_LIFE_KG_CO2E_PER_KG.industrialComposting,
  'shared-composting': END_OF_LIFE_KG_CO2E_PER_KG.homeComposting,
  'anaerobic-digestion': END_OF_LIFE_KG_CO2E_PER_KG.anaerobicDigestion,
};

/** What the plugin knows of one material. */
export interface MaterialInfo {
  title: { fr: string; en: string };
  /** Whether it is putrescible biowaste, to which the grey-bin factors apply. */
  isBiowaste: boolean;
  /**
   * The most one weigh-in may hold by default, in kg: past it, a typo is
   * likelier than a real delivery (100 kg of coffee grounds is about a
   * month of a busy café's machine). A challenge may set its own.
   */
  maxKgPerWeighIn: number;
}

/** Each known material's titles, family and default weigh-in limit. */
export const MATERIAL_INFO: Record<Material, MaterialInfo> = {
  'coffee-grounds': {
    title: { fr: 'Marc de café', en: 'Coffee grounds' },
    isBiowaste: true,
    maxKgPerWeighIn: 100,
  },
  biowaste: {
    title: { fr: 'Biodéchets (restes de cuisine)', en: 'Biowaste (kitchen waste)' },
    isBiowaste: true,
    maxKgPerWeighIn: 200,
  },
  textile: {
    title: { fr: 'Textiles', en: 'Textiles' },
    isBiowaste: false,
    maxKgPerWeighIn: 100,
  },
  other: {
    title: { fr: 'Autre matière', en: 'Other material' },
    isBiowaste: false,
    maxKgPerWeighIn: 500,
  },
};

/** One material's avoided CO2e per kg, with the factors that make it up. */
export interface AvoidedFactor {
  kgCo2ePerKg: number;
  factors: Record<string, number>;
  source?: string;
  /** The declared factors it rests on (ADR 0045). */
  cites?: string[];
}

/**
 * The kg CO2e avoided per kg collected, for a material and the route it
 * takes. Non-biowaste materials have no sourced factor and claim 0.
 *
 * @example
 * avoidedPerKg('coffee-grounds', 'industrial-composting').kgCo2ePerKg // 0.0692
 */
export function avoidedPerKg(material: Material, treatment: Treatment): AvoidedFactor {
  if (!MATERIAL_INFO[material].isBiowaste) {
    return { kgCo2ePerKg: 0, factors: { avoidedKgCo2ePerKg: 0 } };
  }
  const route = TREATMENT_KG_CO2E_PER_KG[treatment];
  // Never claim a negative saving as a positive one, nor report a cost as
  // avoided: a route worse than the grey bin claims nothing.
  const avoided = Math.max(0, round6(GREY_BIN_KG_CO2E_PER_KG - route));
  return {
    kgCo2ePerKg: avoided,
    factors: {
      greyBinKgCo2ePerKg: GREY_BIN_KG_CO2E_PER_KG,
      treatmentKgCo2ePerKg: route,
      avoidedKgCo2ePerKg: avoided,
    },
    source: FACTOR_SOURCE,
    cites: [
      ...new Set([
        ...Object.keys(GREY_BIN_SHARES),
        ...Object.keys(GREY_BIN_SHARES).map((route) => `share/${route}`),
        TREATMENT_KEY[treatment],
      ]),
    ],
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
