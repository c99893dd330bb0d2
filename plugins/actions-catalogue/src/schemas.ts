/**
 * The actions-catalogue plugin's schemas: a challenge's catalogue (its
 * settings), a pledge's picks, a "done today" report, and the catalogue
 * route's answer.
 */
import { errorResponses, Type, type Static, type TSchema } from '@tandem/core';

/** A string enum as JSON Schema `enum`: a wrong value is reported once, with the allowed ones. */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The categories a catalogue's actions may be filed under (pages group by them). */
export const CATEGORIES = [
  'home',
  'work',
  'food',
  'mobility',
  'energy',
  'waste',
  'digital',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** kebab-case: lower-case words of letters and digits joined by single dashes. */
export const ACTION_ID_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
const ActionId = Type.String({ minLength: 1, maxLength: 60, pattern: ACTION_ID_PATTERN });

const Localized = (maxLength: number) =>
  Type.Object(
    {
      fr: Type.String({ minLength: 1, maxLength }),
      en: Type.String({ minLength: 1, maxLength }),
    },
    { additionalProperties: false },
  );

/**
 * One action of a catalogue. An estimate needs its source (JSON Schema
 * `dependencies`), so no figure reaches a page without saying where it
 * comes from.
 */
export const CatalogueAction = Type.Object(
  {
    id: ActionId,
    title: Localized(200),
    description: Type.Optional(Localized(2000)),
    co2eKgPerYear: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100_000,
        description: 'Estimated kg CO2e a person avoids in a year by keeping to it',
      }),
    ),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    category: Type.Optional(StringEnum(CATEGORIES)),
  },
  { additionalProperties: false, dependencies: { co2eKgPerYear: ['source'] } },
);
export type CatalogueAction = Static<typeof CatalogueAction>;

/** A challenge's `actionSettings`: its catalogue, 1 to 200 actions with distinct ids. */
export const CatalogueSettings = Type.Object(
  { actions: Type.Array(CatalogueAction, { minItems: 1, maxItems: 200 }) },
  { additionalProperties: false },
);
export type CatalogueSettings = Static<typeof CatalogueSettings>;

/** A pledge's `details`: the actions picked, by id. */
export const CataloguePledge = Type.Object(
  { actions: Type.Array(ActionId, { minItems: 1, maxItems: 50, uniqueItems: true }) },
  { additionalProperties: false },
);
export type CataloguePledge = Static<typeof CataloguePledge>;

/** A contribution's `details`: "I did this action" (when: core's `occurredAt`). */
export const ActionDone = Type.Object({ action: ActionId }, { additionalProperties: false });
export type ActionDone = Static<typeof ActionDone>;

export const CatalogueView = Type.Object({
  challengeId: Type.String(),
  actions: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.Object({ fr: Type.String(), en: Type.String() }),
      description: Type.Optional(Type.Object({ fr: Type.String(), en: Type.String() })),
      co2eKgPerYear: Type.Optional(Type.Number()),
      source: Type.Optional(Type.String()),
      category: Type.Optional(Type.String()),
      picks: Type.Integer({
        description:
          'People whose confirmed pledge picks this action (kept by events: may lag a moment)',
      }),
    }),
  ),
});
export type CatalogueView = Static<typeof CatalogueView>;

/** The standard error answers a route may give, for OpenAPI (core's one catalogue). */
export const errors = errorResponses;
