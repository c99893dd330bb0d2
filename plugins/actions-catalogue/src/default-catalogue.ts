/**
 * A ready-made catalogue of everyday and at-work actions, in French and
 * English, for an organizer to use as a challenge's `actionSettings` as it
 * is or as a starting point (the Médiaterre and No Impact Week kind).
 *
 * Estimates: only where a public ADEME figure stands behind them, cited by
 * name and year in `source`; where the figure depends on one's situation we
 * keep ADEME's least favourable case. Actions whose saving ADEME does not
 * put a number on have no estimate rather than an invented one. Most figures
 * were read in the action sheets of ADEME's Nos Gestes Climat (2021), which
 * themselves rest on Base Carbone and the ADEME guides named.
 */
import type { FactorDeclaration } from '@tandem/core';
import type { CatalogueSettings } from './schemas.js';

/**
 * The default catalogue: fifteen actions (home, work, food, mobility,
 * energy, waste, digital), twelve of them with a sourced yearly estimate.
 *
 * @example
 * await client.post(`/api/campaigns/${id}/challenges`, {
 *   title: 'No Impact Week', actionType: 'actions-catalogue',
 *   actionSettings: defaultCatalogue, goal: { participants: 100 },
 * });
 */
export const defaultCatalogue: CatalogueSettings = {
  actions: [
    {
      id: 'cycle-short-trips',
      category: 'mobility',
      title: {
        fr: 'Faire à vélo ou à pied mes trajets de moins de 5 km',
        en: 'Cycle or walk for trips under 5 km',
      },
      description: {
        fr: 'Laisser la voiture pour les petits trajets du quotidien (hors domicile-travail).',
        en: 'Leave the car at home for short everyday trips (other than commuting).',
      },
      co2eKgPerYear: 122,
      source:
        'ADEME, Nos Gestes Climat action sheet "vélo plutôt que voiture" (2021): 5 Mt CO2e a year nationally over 38 million drivers, from ENTD 2008 and Base Carbone',
    },
    {
      id: 'carpool-commute',
      category: 'mobility',
      title: { fr: 'Covoiturer pour aller au travail', en: 'Carpool to work' },
      description: {
        fr: 'Partager la voiture avec un collègue ou un voisin sur le trajet domicile-travail.',
        en: 'Share the car with a colleague or a neighbour on the way to work.',
      },
      co2eKgPerYear: 850,
      source:
        'ADEME, Nos Gestes Climat action sheet "covoiturage domicile-travail" (2021), Base Carbone: 850 to 1,200 kg CO2e a year for a 40 km round trip over 226 working days; the lower bound is kept',
    },
    {
      id: 'telework-one-day',
      category: 'work',
      title: {
        fr: 'Télétravailler un jour par semaine',
        en: 'Work from home one day a week',
      },
      description: {
        fr: 'Quand le métier le permet : un trajet domicile-travail en moins chaque semaine.',
        en: 'Where the job allows it: one commute fewer each week.',
      },
      co2eKgPerYear: 187,
      source:
        'ADEME, Caractérisation des effets rebond induits par le télétravail (2020): 271 kg CO2e a year per weekly home-working day, less the 31 % individual rebound effects',
    },
    {
      id: 'vegetarian-meal-weekly',
      category: 'food',
      title: {
        fr: 'Manger végétarien un repas de plus par semaine',
        en: 'Eat one more vegetarian meal a week',
      },
      co2eKgPerYear: 55,
      source:
        'ADEME meal values, Impact CO2 2023 release (from Agribalyse; Base Carbone 20688 meal with chicken 1.58 kg CO2e, 20683 vegetarian meal 0.51 kg CO2e): (1.58 − 0.51) × 52, against chicken rather than beef to stay conservative',
    },
    {
      id: 'tap-water',
      category: 'food',
      title: {
        fr: 'Boire l’eau du robinet plutôt qu’en bouteille',
        en: 'Drink tap water rather than bottled water',
      },
      co2eKgPerYear: 215,
      source:
        'ADEME, Nos Gestes Climat action sheet "eau du robinet" (2021), Base Carbone: 215 kg CO2e a year (end of life of the bottles not counted)',
    },
    {
      id: 'no-food-waste',
      category: 'food',
      title: { fr: 'Ne plus gaspiller de nourriture', en: 'Stop wasting food' },
      description: {
        fr: 'Planifier ses courses, accommoder les restes, lire les dates de consommation.',
        en: 'Plan the shopping, cook the leftovers, read the use-by dates.',
      },
      co2eKgPerYear: 30,
      source:
        'ADEME, Étude d’évaluation des gisements d’évitement de déchets (2016), as used by Nos Gestes Climat: 30 kg CO2e a year per person',
    },
    {
      id: 'heating-one-degree-lower',
      category: 'energy',
      title: {
        fr: 'Baisser le chauffage d’un degré',
        en: 'Turn the heating down by one degree',
      },
      description: {
        fr: '19 °C dans les pièces de vie, 17 °C la nuit : environ 7 % d’énergie de chauffage en moins par degré.',
        en: '19 °C in living rooms, 17 °C at night: about 7 % less heating energy per degree.',
      },
      co2eKgPerYear: 26,
      source:
        'ADEME, 40 trucs et astuces pour économiser l’eau et l’énergie (2019): −7 % per °C; 26 kg CO2e a year for 10,000 kWh of electric heating (Nos Gestes Climat, 2021), the least favourable case: gas or oil heating saves several times more',
    },
    {
      id: 'standby-off',
      category: 'energy',
      title: {
        fr: 'Éteindre les veilles la nuit et en partant',
        en: 'Switch off standby at night and when going out',
      },
      co2eKgPerYear: 33,
      source:
        'ADEME, Réduire sa facture d’électricité (2019), via Nos Gestes Climat (2021): 33 kg CO2e a year',
    },
    {
      id: 'air-dry-laundry',
      category: 'home',
      title: {
        fr: 'Faire sécher mon linge à l’air libre',
        en: 'Air-dry my laundry instead of using a dryer',
      },
      co2eKgPerYear: 23,
      source:
        'ADEME, Réduire sa facture d’électricité (2019), via Nos Gestes Climat (2021): 23 kg CO2e a year',
    },
    {
      id: 'led-bulbs',
      category: 'home',
      title: { fr: 'Passer mes ampoules en LED', en: 'Switch my light bulbs to LED' },
      co2eKgPerYear: 22,
      source:
        'ADEME, Choisir son éclairage (2018), via Nos Gestes Climat (2021): 22 kg CO2e a year for ten 60 W-equivalent bulbs',
    },
    {
      id: 'stop-pub',
      category: 'waste',
      title: {
        fr: 'Coller un « Stop pub » sur ma boîte aux lettres',
        en: 'Put a "no junk mail" sticker on my letterbox',
      },
      co2eKgPerYear: 13,
      source:
        'ADEME, Étude d’évaluation des gisements d’évitement de déchets (2016), as used by Nos Gestes Climat: 0.083 kg CO2e per leaflet not printed × 3 a week × 52 (the study’s least favourable case)',
    },
    {
      id: 'compost-biowaste',
      category: 'waste',
      title: { fr: 'Composter mes biodéchets', en: 'Compost my food scraps' },
      co2eKgPerYear: 11,
      source:
        'ADEME, Étude d’évaluation des gisements d’évitement de déchets (2016): 55 kg of scraps a year kept out of the grey bin; × (0.209 kg CO2e/kg in the grey bin − 0.009 kg CO2e/kg composted at home), ADEME Base Empreinte factors as used by Nos Gestes Climat (read 2026)',
    },
    {
      id: 'reusable-cup',
      category: 'work',
      title: {
        fr: 'Prendre ma tasse ou ma gourde au bureau',
        en: 'Bring my own mug or bottle to work',
      },
      description: {
        fr: 'Plus de gobelets jetables à la machine à café ni à la fontaine.',
        en: 'No more disposable cups at the coffee machine or the water cooler.',
      },
    },
    {
      id: 'switch-off-at-work',
      category: 'work',
      title: {
        fr: 'Éteindre ordinateur, écran et lumières en quittant le bureau',
        en: 'Switch off computer, screen and lights when leaving the office',
      },
    },
    {
      id: 'keep-devices-longer',
      category: 'digital',
      title: {
        fr: 'Garder mon téléphone et mon ordinateur plus longtemps',
        en: 'Keep my phone and computer longer',
      },
      description: {
        fr: 'Réparer, acheter reconditionné : la fabrication des terminaux pèse l’essentiel de l’empreinte du numérique (ADEME-Arcep, 2022).',
        en: 'Repair, buy refurbished: making the devices is most of digital technology’s footprint (ADEME-Arcep, 2022).',
      },
    },
  ],
};

/**
 * Where each estimate of the default catalogue is found, and the release it
 * was read in (ADR 0045): the dataset or document, as precisely as its
 * publisher dates it. Keyed by action id.
 */
const PROVENANCE: Readonly<
  Record<string, { source: string; datasetId: string; versionDate: string; note?: string }>
> = {
  'cycle-short-trips': {
    source: 'ADEME, Nos Gestes Climat action sheets',
    datasetId: 'action sheet « vélo plutôt que voiture »',
    versionDate: '2021',
  },
  'carpool-commute': {
    source: 'ADEME, Nos Gestes Climat action sheets',
    datasetId: 'action sheet « covoiturage domicile-travail »',
    versionDate: '2021',
    note: 'lower bound of 850 to 1,200 kg a year for a 40 km round trip',
  },
  'telework-one-day': {
    source: 'ADEME, Caractérisation des effets rebond induits par le télétravail',
    datasetId: 'study report: 271 kg CO2e a year per weekly day, less 31 % rebound',
    versionDate: '2020',
  },
  'vegetarian-meal-weekly': {
    source: 'ADEME, Impact CO2 meal values (from Agribalyse)',
    datasetId: 'Base Carbone 20688 (meal with chicken) and 20683 (vegetarian meal)',
    versionDate: '2023',
    note: '(1.58 − 0.51) kg CO2e × 52 meals, against chicken rather than beef. Kept on the 2023 values it was computed from; Agribalyse 3.2 (April 2026) gives about 32 kg a year (ADR 0045).',
  },
  'tap-water': {
    source: 'ADEME, Nos Gestes Climat action sheets',
    datasetId: 'action sheet « eau du robinet »',
    versionDate: '2021',
    note: 'end of life of the bottles not counted',
  },
  'no-food-waste': {
    source: 'ADEME, Étude d’évaluation des gisements d’évitement de déchets',
    datasetId: 'food waste avoided per person, as used by Nos Gestes Climat',
    versionDate: '2016',
  },
  'heating-one-degree-lower': {
    source: 'ADEME, Nos Gestes Climat action sheets (from 40 trucs et astuces…, 2019)',
    datasetId: '−7 % heating energy per °C, on 10,000 kWh of electric heating',
    versionDate: '2021',
    note: 'electric heating, the least favourable case',
  },
  'standby-off': {
    source: 'ADEME, Nos Gestes Climat action sheets (from Réduire sa facture d’électricité, 2019)',
    datasetId: 'standby consumption avoided',
    versionDate: '2021',
  },
  'air-dry-laundry': {
    source: 'ADEME, Nos Gestes Climat action sheets (from Réduire sa facture d’électricité, 2019)',
    datasetId: 'tumble dryer consumption avoided',
    versionDate: '2021',
  },
  'led-bulbs': {
    source: 'ADEME, Nos Gestes Climat action sheets (from Choisir son éclairage, 2018)',
    datasetId: 'ten 60 W-equivalent bulbs',
    versionDate: '2021',
  },
  'stop-pub': {
    source: 'ADEME, Étude d’évaluation des gisements d’évitement de déchets',
    datasetId: '0.083 kg CO2e per leaflet not printed, × 3 a week × 52',
    versionDate: '2016',
  },
  'compost-biowaste': {
    source: 'ADEME, Étude d’évaluation des gisements d’évitement de déchets; Base Empreinte®',
    datasetId:
      '55 kg of scraps a year; grey bin 0.209 and home composting 0.009 kg CO2e/kg (Base Empreinte® via Nos Gestes Climat)',
    versionDate: '2016',
    note: 'the end-of-life factors as read in Nos Gestes Climat in 2026',
  },
};

/**
 * The default catalogue's estimates as the manifest declares them, keyed
 * by action id, in kg CO2e a year. A challenge action that carries the
 * default's figure and source cites it; an organization's own estimate
 * rests on its own source.
 */
export const CATALOGUE_FACTORS: readonly FactorDeclaration[] = Object.freeze(
  defaultCatalogue.actions.flatMap((action) => {
    const where = PROVENANCE[action.id];
    if (action.co2eKgPerYear === undefined || where === undefined) return [];
    return [
      Object.freeze({
        key: action.id,
        label: action.title.en,
        value: action.co2eKgPerYear,
        unit: 'kg CO2e / year',
        source: where.source,
        datasetId: where.datasetId,
        versionDate: where.versionDate,
        note: where.note ?? action.source ?? '',
      }),
    ];
  }),
);

const DEFAULTS = new Map(defaultCatalogue.actions.map((action) => [action.id, action]));

/**
 * The declared factor an action of a challenge's catalogue rests on: its
 * id, when the action carries the default catalogue's figure and source
 * unchanged; otherwise none.
 */
export function citedEstimate(action: {
  id: string;
  co2eKgPerYear?: number;
  source?: string;
}): string | null {
  const original = DEFAULTS.get(action.id);
  if (original?.co2eKgPerYear === undefined) return null;
  return original.co2eKgPerYear === action.co2eKgPerYear && original.source === action.source
    ? action.id
    : null;
}
