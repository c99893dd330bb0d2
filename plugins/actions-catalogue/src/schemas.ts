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

/** Where a challenge's catalogue may be taken from, instead of being written out. */
export const CATALOGUE_SOURCES = ['organization', 'default'] as const;
export type CatalogueSource = (typeof CATALOGUE_SOURCES)[number];

/** The most actions one catalogue may hold. */
export const MAX_ACTIONS = 200;

/**
 * A challenge's `actionSettings`: its catalogue, 1 to 200 actions with
 * distinct ids — written out, or taken when the challenge is created from
 * the organization's own catalogue or the default one (`catalogue`). The
 * actions taken are stored with the challenge, so later edits of the
 * organization's catalogue do not change a running challenge.
 */
export const CatalogueSettings = Type.Object(
  {
    actions: Type.Array(CatalogueAction, { minItems: 1, maxItems: MAX_ACTIONS }),
    catalogue: Type.Optional(
      StringEnum(CATALOGUE_SOURCES, {
        description:
          "Take the actions from the organization's own catalogue or from the default one when the challenge is created; `actions` may then be left out (given, it is replaced)",
      }),
    ),
  },
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

/** An organization's own catalogue as its admins write it: default actions picked, actions of its own. */
export const OrganizationCatalogueInput = Type.Object(
  {
    defaults: Type.Array(ActionId, {
      maxItems: MAX_ACTIONS,
      uniqueItems: true,
      description: 'Ids of actions of the default catalogue (GET /api/actions-catalogue/default)',
    }),
    actions: Type.Array(CatalogueAction, {
      maxItems: MAX_ACTIONS,
      description: "The organization's own actions, with ids of their own",
    }),
  },
  { additionalProperties: false },
);
export type OrganizationCatalogueInput = Static<typeof OrganizationCatalogueInput>;

/** An organization's catalogue, as written and as a challenge would take it. */
export const OrganizationCatalogueView = Type.Object({
  organizationId: Type.String(),
  defaults: Type.Array(Type.String()),
  actions: Type.Array(CatalogueAction),
  catalogue: Type.Array(CatalogueAction, {
    description:
      "What a challenge with `actionSettings: { catalogue: 'organization' }` takes: the defaults picked (in the default catalogue's order), then the organization's own actions",
  }),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type OrganizationCatalogueView = Static<typeof OrganizationCatalogueView>;

/** The standard error answers a route may give, for OpenAPI (core's one catalogue). */
export const errors = errorResponses;
