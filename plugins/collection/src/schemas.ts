/**
 * The collection plugin's schemas: a challenge's settings, a weigh-in's
 * details, and the bodies and answers of its routes. Bodies refuse unknown
 * fields, as every Tandem request body does.
 */
import { errorResponses, Title, Type, type Static, type TSchema } from '@tandem/core';
import { MATERIALS, TREATMENTS } from './factors.js';

/**
 * A string enum as JSON Schema `enum`, so a wrong value is reported once
 * with the allowed values (a union of literals reports once per literal).
 */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A challenge's `actionSettings`. */
export const CollectionSettings = Type.Object(
  {
    material: StringEnum(MATERIALS, {
      description: 'What is collected; decides the CO2e factor and the default weigh-in limit',
    }),
    materialName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'How pages name the material, e.g. for `other`',
      }),
    ),
    treatment: Type.Optional(
      StringEnum(TREATMENTS, {
        description:
          'Where collected biowaste goes (default industrial-composting, the most conservative); ignored for textile and other',
      }),
    ),
    maxKgPerWeighIn: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 5000,
        description: "The most one weigh-in may hold, in kg; default: the material's",
      }),
    ),
    selfReport: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Whether participants may report their own weigh-ins on the weigh-ins route (default false: agents record them)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CollectionSettings = Static<typeof CollectionSettings>;

/** A weigh-in: what one contribution's `details` hold. */
export const WeighIn = Type.Object(
  {
    kg: Type.Number({ exclusiveMinimum: 0, description: 'The weight brought, in kg' }),
    pointId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'The collection point' }),
    ),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type WeighIn = Static<typeof WeighIn>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const Time = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM' });

export const OpeningSlot = Type.Object(
  { day: StringEnum(WEEKDAYS), from: Time, to: Time },
  { additionalProperties: false },
);
export type OpeningSlot = Static<typeof OpeningSlot>;

export const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false },
);

export const NewCollectionPoint = Type.Object(
  {
    name: Title({ maxLength: 200 }),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    location: Type.Optional(Location),
    openingHours: Type.Optional(Type.Array(OpeningSlot, { maxItems: 50 })),
    active: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type NewCollectionPoint = Static<typeof NewCollectionPoint>;

export const CollectionPointView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  name: Type.String(),
  address: Nullable(Type.String()),
  location: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
  openingHours: Type.Array(
    Type.Object({ day: Type.String(), from: Type.String(), to: Type.String() }),
  ),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type CollectionPointView = Static<typeof CollectionPointView>;

/** The agents' weigh-in body: the weigh-in's details, when, and for whom. */
export const WeighInBody = Type.Object(
  {
    kg: WeighIn.properties.kg,
    pointId: Type.String({ minLength: 1, maxLength: 100 }),
    note: WeighIn.properties.note,
    occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
    participant: Type.Optional(
      Type.Union(
        [
          Type.Object(
            { email: Type.String({ minLength: 3, maxLength: 254 }) },
            { additionalProperties: false },
          ),
          Type.Object(
            { code: Type.String({ minLength: 1, maxLength: 64 }) },
            { additionalProperties: false },
          ),
          Type.Null(),
        ],
        {
          description:
            "Omitted: the signed-in person's own weigh-in (needs selfReport). An e-mail or a resident code: an agent records for that person. null: an unnamed weigh-in",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type WeighInBody = Static<typeof WeighInBody>;

export const WeighInAnswer = Type.Object({
  id: Type.String(),
  quantity: Type.Number(),
  unit: Nullable(Type.String()),
  occurredAt: Type.String(),
  pointId: Type.String(),
  impact: Type.Object({ co2eKg: Type.Number(), source: Type.Optional(Type.String()) }),
});

/** The most weigh-ins one sync may carry: a long offline weekend at a busy point. */
export const MAX_SYNC_ITEMS = 200;

/** Printable ASCII, as core's `Idempotency-Key`: a UUID fits, and so does any device's own scheme. */
const SYNC_KEY_PATTERN = '^[\\x21-\\x7e]{8,100}$';

/** What an offline tablet sends when it is back in coverage: its queued weigh-ins, each under its key. */
export const WeighInSyncBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          key: Type.String({
            pattern: SYNC_KEY_PATTERN,
            description:
              'Generated by the device once per weigh-in and kept with it until synced: 8 to 100 printable characters.',
          }),
          weighIn: Type.Unknown({
            description:
              'The body of `POST /api/challenges/{id}/weigh-ins` (with `occurredAt`, when it was weighed), checked item by item so that a bad one fails alone.',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_SYNC_ITEMS },
    ),
  },
  { additionalProperties: false },
);
export type WeighInSyncBody = Static<typeof WeighInSyncBody>;

export const WeighInSyncResult = Type.Object({
  key: Type.String(),
  status: StringEnum(['created', 'duplicate', 'error'] as const, {
    description:
      '`created`: recorded by this sync; `duplicate`: recorded by an earlier sync of the same key (the same `weighInId`); `error`: see `error`.',
  }),
  weighInId: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.String({ description: 'An error code, e.g. TANDEM_IDEMPOTENCY_MISMATCH' }),
  ),
  message: Type.Optional(Type.String()),
  details: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
});
export type WeighInSyncResult = Static<typeof WeighInSyncResult>;

export const WeighInSyncAnswer = Type.Object({ results: Type.Array(WeighInSyncResult) });

/** The standard error answers a route may give, for OpenAPI (core's one catalogue). */
export const errors = errorResponses;
