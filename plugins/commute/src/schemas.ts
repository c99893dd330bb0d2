/**
 * The shapes the commute action type accepts: a challenge's settings, a
 * pledge's details, a contribution's details. The schema refuses what is
 * wrong on its own (an unknown mode, 0 km, a 21st trip); the rules that need
 * the challenge's settings live in limits.ts.
 */
import { Type, type Static } from '@tandem/core';
import { MODES, PREVIOUS_MODES, type Mode, type PreviousMode } from './modes.js';

/** The most km anyone may report for one day, all modes together. */
export const MAX_KM_PER_DAY = 1500;

/** The most trips one contribution may hold (a busy day has a dozen legs at most). */
export const MAX_TRIPS_PER_CONTRIBUTION = 20;

/** Carpool occupants, the reporter included: a shared car holds 2 to 9 people. */
export const OCCUPANTS = Object.freeze({ min: 2, max: 9 });

// A plain `enum` rather than a union of literals: Ajv then says "must be one
// of bus, metro, …" instead of one "must be equal to constant" per mode.
const modeSchema = Type.Unsafe<Mode>({ type: 'string', enum: [...MODES] });
const previousModeSchema = Type.Unsafe<PreviousMode>({ type: 'string', enum: [...PREVIOUS_MODES] });

const modeList = (description: string) =>
  Type.Array(modeSchema, { minItems: 1, maxItems: MODES.length, uniqueItems: true, description });

const kmPerDayCap = Type.Number({ exclusiveMinimum: 0, maximum: MAX_KM_PER_DAY });

/** A challenge's `actionSettings`. */
export const settingsSchema = Type.Object(
  {
    modes: Type.Optional(modeList('The modes this challenge counts; all of them when absent.')),
    maxKmPerDay: Type.Optional(
      Type.Unsafe<Partial<Record<Mode, number>>>(
        Type.Object(Object.fromEntries(MODES.map((mode) => [mode, Type.Optional(kmPerDayCap)])), {
          additionalProperties: false,
          description: `Per-mode daily caps replacing the defaults, up to ${MAX_KM_PER_DAY} km.`,
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

/** A challenge's settings, as `checkPledge`, `quantify` and `impact` see them. */
export type CommuteSettings = Static<typeof settingsSchema>;

/** A pledge's `details`; both fields optional, so a pledge without details is valid. */
export const pledgeSchema = Type.Object(
  {
    modes: Type.Optional(modeList('The modes the person commits to use.')),
    previousMode: Type.Optional(previousModeSchema),
  },
  { additionalProperties: false },
);

/** A pledge's details, as the contribution's `impact` sees them. */
export type CommutePledge = Static<typeof pledgeSchema>;

const tripSchema = Type.Object(
  {
    mode: modeSchema,
    km: Type.Number({ exclusiveMinimum: 0, maximum: MAX_KM_PER_DAY }),
    occupants: Type.Optional(Type.Integer({ minimum: OCCUPANTS.min, maximum: OCCUPANTS.max })),
  },
  { additionalProperties: false },
);

/** A contribution's `details`: one trip or a whole day of trips. */
export const contributionSchema = Type.Object(
  {
    date: Type.Optional(
      Type.String({ format: 'date', description: 'The day travelled, YYYY-MM-DD.' }),
    ),
    trips: Type.Array(tripSchema, { minItems: 1, maxItems: MAX_TRIPS_PER_CONTRIBUTION }),
  },
  { additionalProperties: false },
);

/** A contribution's details, validated. */
export type CommuteContribution = Static<typeof contributionSchema>;
