/**
 * The ways of travelling the commute plugin knows. A challenge accepts some
 * of them (its settings), a pledge commits to some of them, and every
 * reported trip uses one of them.
 */

/**
 * The modes a trip may be reported with. `car` (driving alone) is not one of
 * them: it is only ever the mode someone travelled by *before* (see
 * {@link PREVIOUS_MODES}), since a challenge never rewards driving alone.
 */
export const MODES = Object.freeze([
  'bus',
  'metro',
  'tram',
  'rer',
  'train-ter',
  'train-tgv',
  'coach',
  'carpool',
  'bike',
  'e-bike',
  'walking',
  'e-scooter',
] as const);

/** A mode a trip may be reported with, e.g. `'bike'` or `'train-ter'`. */
export type Mode = (typeof MODES)[number];

/** How someone may say they travelled before the challenge: any mode, or by car alone. */
export const PREVIOUS_MODES = Object.freeze([...MODES, 'car'] as const);

/** A previous mode: a {@link Mode}, or `'car'` (driving alone). */
export type PreviousMode = (typeof PREVIOUS_MODES)[number];

/**
 * Ready-made sets of modes for the usual "one challenge per way of
 * commuting" campaigns (the Humanis case): pass one as a challenge's
 * `actionSettings.modes`. Coaches sit with public transport because company
 * shuttles and regional coach lines are shared, scheduled services.
 *
 * @example
 * { actionType: 'commute', actionSettings: { modes: [...MODE_GROUPS.bike] } }
 */
export const MODE_GROUPS = Object.freeze({
  'public-transport': Object.freeze([
    'bus',
    'metro',
    'tram',
    'rer',
    'train-ter',
    'train-tgv',
    'coach',
  ] as const satisfies readonly Mode[]),
  carpool: Object.freeze(['carpool'] as const satisfies readonly Mode[]),
  bike: Object.freeze(['bike', 'e-bike'] as const satisfies readonly Mode[]),
  walk: Object.freeze(['walking'] as const satisfies readonly Mode[]),
  scooter: Object.freeze(['e-scooter'] as const satisfies readonly Mode[]),
});

/** The name of one of {@link MODE_GROUPS}. */
export type ModeGroup = keyof typeof MODE_GROUPS;

/** Names of the modes for people, in Tandem's two languages (messages, forms, reports). */
export const MODE_LABELS: Readonly<Record<PreviousMode, Readonly<{ fr: string; en: string }>>> =
  Object.freeze({
    bus: { fr: 'bus', en: 'bus' },
    metro: { fr: 'métro', en: 'metro' },
    tram: { fr: 'tramway', en: 'tram' },
    rer: { fr: 'RER', en: 'RER' },
    'train-ter': { fr: 'TER', en: 'regional train (TER)' },
    'train-tgv': { fr: 'TGV', en: 'high-speed train (TGV)' },
    coach: { fr: 'autocar', en: 'coach' },
    carpool: { fr: 'covoiturage', en: 'carpool' },
    bike: { fr: 'vélo', en: 'bike' },
    'e-bike': { fr: 'vélo à assistance électrique', en: 'e-bike' },
    walking: { fr: 'marche', en: 'walking' },
    'e-scooter': { fr: 'trottinette électrique', en: 'e-scooter' },
    car: { fr: 'voiture seul·e', en: 'car, alone' },
  });
