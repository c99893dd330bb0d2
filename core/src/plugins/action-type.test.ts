import { Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TandemError } from '../errors.js';
import { defineActionType } from './index.js';
import { pledgeOnly } from './pledge-only.js';

/** Runs `fn` and returns the TandemError it throws; fails the test otherwise. */
function thrown(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected a TandemError, but nothing was thrown');
}

const KG_CO2E_PER_CAR_KM = 0.218;

const bikeManifest = {
  id: 'bike-km',
  version: '1.0.0',
  coreRange: '^0.1.0',
  title: { fr: 'Aller au travail à vélo', en: 'Cycle to work' },
  unit: 'km',
  settingsSchema: Type.Object(
    { countWeekends: Type.Boolean({ default: false }) },
    { additionalProperties: false },
  ),
  pledgeSchema: Type.Object(
    { daysPerWeek: Type.Integer({ minimum: 1, maximum: 7 }) },
    { additionalProperties: false },
  ),
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }), ebike: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  quantify: ({ details }: { details: { km: number } }) => details.km,
  impact: ({ details }: { details: { km: number } }) => ({
    co2eKg: details.km * KG_CO2E_PER_CAR_KM,
    source: 'ADEME Base Empreinte, average car',
  }),
  limits: {
    check: ({ details }: { details: { km: number } }) =>
      details.km > 200 ? 'Nobody cycles more than 200 km to work in a day.' : null,
  },
};

const bike = defineActionType({
  id: 'bike-km',
  version: '1.0.0',
  coreRange: '^0.1.0',
  title: bikeManifest.title,
  unit: 'km',
  settingsSchema: bikeManifest.settingsSchema,
  pledgeSchema: bikeManifest.pledgeSchema,
  contributionSchema: bikeManifest.contributionSchema,
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({
    co2eKg: details.km * KG_CO2E_PER_CAR_KM,
    source: 'ADEME Base Empreinte, average car',
  }),
  limits: {
    check: ({ details }) =>
      details.km > 200 ? 'Nobody cycles more than 200 km to work in a day.' : null,
  },
});

const occurredAt = new Date('2025-03-10T08:00:00Z');

function measureBike(details: unknown) {
  return bike.measure({ details, settings: { countWeekends: false }, pledge: null, occurredAt });
}

describe('defineActionType', () => {
  it('returns a frozen action type with its manifest and defaults', () => {
    expect(bike.kind).toBe('action-type');
    expect(bike.id).toBe('bike-km');
    expect(bike.version).toBe('1.0.0');
    expect(bike.coreRange).toBe('^0.1.0');
    expect(bike.unit).toBe('km');
    expect(bike.takesContributions).toBe(true);
    expect(bike.contributionSchema).toBe(bikeManifest.contributionSchema);
    expect(bike.on).toEqual({});
    expect(Object.isFrozen(bike)).toBe(true);
    expect(Object.isFrozen(bike.title)).toBe(true);
  });

  it('defaults coreRange to * and schemas to empty objects without extra fields', () => {
    const minimal = defineActionType({
      id: 'minimal',
      version: '0.0.1',
      title: { fr: 'Minimal', en: 'Minimal' },
      unit: null,
    });
    expect(minimal.coreRange).toBe('*');
    expect(minimal.contributionSchema).toBeNull();
    expect(minimal.takesContributions).toBe(false);
    expect(minimal.validateSettings(undefined)).toEqual({});
    expect(minimal.validatePledge({})).toEqual({});
    expect(thrown(() => minimal.validatePledge({ extra: 1 })).code).toBe(
      'TANDEM_REQUEST_UNKNOWN_FIELD',
    );
    expect(thrown(() => minimal.validateSettings({ extra: 1 })).code).toBe(
      'TANDEM_REQUEST_UNKNOWN_FIELD',
    );
  });

  it('types the inputs of quantify, impact and check from the schemas', () => {
    defineActionType({
      ...bikeManifest,
      quantify: ({ details, settings, pledge, occurredAt }) => {
        expectTypeOf(details).toEqualTypeOf<{ km: number; ebike?: boolean }>();
        expectTypeOf(settings).toEqualTypeOf<{ countWeekends: boolean }>();
        expectTypeOf(pledge).toEqualTypeOf<{ daysPerWeek: number } | null>();
        expectTypeOf(occurredAt).toEqualTypeOf<Date>();
        return details.km;
      },
      impact: ({ details }) => ({ co2eKg: details.km }),
      limits: { check: ({ details }) => (details.ebike === true ? null : null) },
    });
  });

  it('does not keep a reference to the manifest it was given', () => {
    const title = { fr: 'Compost', en: 'Compost' };
    const compost = defineActionType({ id: 'compost', version: '1.0.0', title, unit: 'kg' });
    title.en = 'Changed';
    expect(compost.title.en).toBe('Compost');
  });

  it.each([
    ['id missing', { id: undefined }, 'id'],
    ['id not kebab-case', { id: 'BikeKm' }, 'id'],
    ['id with a trailing hyphen', { id: 'bike-' }, 'id'],
    ['id of one character', { id: 'b' }, 'id'],
    ['id over 40 characters', { id: 'a'.repeat(41) }, 'id'],
    ['version not semver', { version: '1.0' }, 'version'],
    ['version not a string', { version: 1 }, 'version'],
    ['coreRange not understood', { coreRange: 'latest' }, 'coreRange'],
    ['title missing', { title: undefined }, 'title'],
    ['title.fr missing', { title: { en: 'Cycle to work' } }, 'title.fr'],
    ['title.en empty', { title: { fr: 'Vélo', en: ' ' } }, 'title.en'],
    ['description without en', { description: { fr: 'Vélo' } }, 'description.en'],
    ['unit missing', { unit: undefined }, 'unit'],
    ['unit a number', { unit: 3 }, 'unit'],
    ['unit empty', { unit: '' }, 'unit'],
    ['settingsSchema not an object', { settingsSchema: 'object' }, 'settingsSchema'],
    ['pledgeSchema of a string', { pledgeSchema: Type.String() }, 'pledgeSchema'],
    ['contributionSchema an array', { contributionSchema: [] }, 'contributionSchema'],
    [
      'contributionSchema that does not compile',
      { contributionSchema: { type: 'object', properties: { km: { type: 'nombre' } } } },
      'contributionSchema',
    ],
    ['quantify not a function', { quantify: 3 }, 'quantify'],
    ['impact not a function', { impact: 'ademe' }, 'impact'],
    ['limits not an object', { limits: 200 }, 'limits'],
    ['limits.check not a function', { limits: { check: true } }, 'limits.check'],
    [
      'limits.maxQuantityPerContribution negative',
      { limits: { maxQuantityPerContribution: -1 } },
      'limits.maxQuantityPerContribution',
    ],
    ['limits with an unknown key', { limits: { maxPerDay: 200 } }, 'limits.maxPerDay'],
    ['routes not a function', { routes: {} }, 'routes'],
    ['on not an object', { on: () => undefined }, 'on'],
    ['on handler not a function', { on: { 'pledge.confirmed': 'notify' } }, 'on.pledge.confirmed'],
    ['an unknown (misspelt) key', { pledgeSchme: Type.Object({}) }, 'pledgeSchme'],
    [
      'quantify without a contributionSchema',
      { contributionSchema: undefined, limits: undefined, impact: undefined },
      'quantify',
    ],
    ['quantify with unit null', { unit: null }, 'quantify'],
  ])('refuses a manifest with %s', (_name, override, path) => {
    const manifest = { ...bikeManifest, ...override };
    const error = thrown(() => defineActionType(manifest as never));
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.details?.map((detail) => detail.path)).toContain(path);
    const id = typeof manifest.id === 'string' ? manifest.id : null;
    expect(error.details?.every((detail) => detail.plugin === id)).toBe(true);
  });

  it('refuses a manifest that is not an object', () => {
    expect(thrown(() => defineActionType(null as never)).code).toBe('TANDEM_PLUGIN_INVALID');
  });

  it('reports every problem of a manifest at once', () => {
    const error = thrown(() =>
      defineActionType({ ...bikeManifest, version: 'one', unit: 5 } as never),
    );
    expect(error.details?.map((detail) => detail.path)).toEqual(['version', 'unit']);
  });
});

describe('personal data', () => {
  const withTables = {
    ...bikeManifest,
    migrations: [{ name: '0001_trips', up: 'create table bike_km_trip (id text)' }],
  };

  it('refuses an action type with tables that does not say what they hold about people', () => {
    const error = thrown(() => defineActionType(withTables as never));
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.details?.map((detail) => detail.path)).toEqual(['personalData']);
  });

  it('keeps the hooks it declares, and none for "none" or no tables', () => {
    const hooks = { export: () => ({ trips: [] }), erase: async () => undefined };
    const declared = defineActionType({ ...withTables, personalData: hooks } as never);
    expect(declared.personalData?.export).toBe(hooks.export);
    expect(declared.personalData?.erase).toBe(hooks.erase);
    expect(
      defineActionType({ ...withTables, personalData: 'none' } as never).personalData,
    ).toBeNull();
    expect(bike.personalData).toBeNull();
  });

  it('refuses hooks that are not functions', () => {
    const error = thrown(() =>
      defineActionType({ ...withTables, personalData: { export: 1, erase: 2 } } as never),
    );
    expect(error.details?.map((detail) => detail.path)).toEqual([
      'personalData.export',
      'personalData.erase',
    ]);
  });
});

describe('ActionType.validateSettings and validatePledge', () => {
  it('applies defaults and returns the value', () => {
    expect(bike.validateSettings({})).toEqual({ countWeekends: false });
    expect(bike.validatePledge({ daysPerWeek: 3 })).toEqual({ daysPerWeek: 3 });
  });

  it('names actionSettings/<field> for a wrong setting', () => {
    const error = thrown(() => bike.validateSettings({ countWeekends: 'yes' }));
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.details?.[0]?.path).toBe('actionSettings/countWeekends');
  });

  it('names details/<field> for a wrong or missing pledge detail', () => {
    const wrong = thrown(() => bike.validatePledge({ daysPerWeek: 9 }));
    expect(wrong.code).toBe('TANDEM_REQUEST_INVALID');
    expect(wrong.details?.[0]?.path).toBe('details/daysPerWeek');
    const missing = thrown(() => bike.validatePledge(undefined));
    expect(missing.code).toBe('TANDEM_REQUEST_INVALID');
    expect(missing.details?.[0]?.path).toBe('details/daysPerWeek');
  });
});

describe('ActionType.resolveSettings', () => {
  const sql = { query: async () => [] } as never;
  const input = (settings: unknown) => ({ settings, organizationId: 'org_1', sql });

  it('gives the settings back unchanged when the plugin has no such hook', async () => {
    const bike = defineActionType(bikeManifest);
    const settings = { countWeekends: true };
    expect(await bike.resolveSettings(input(settings))).toBe(settings);
  });

  it("gives what the plugin's hook resolved, or a 400 under actionSettings for its problem", async () => {
    const shared = defineActionType({
      ...bikeManifest,
      id: 'shared-settings',
      resolveSettings: async ({ settings, organizationId }) =>
        (settings as { from?: string }).from === 'organization'
          ? { settings: { countWeekends: organizationId === 'org_1' } }
          : { problem: { path: 'from', message: 'must be "organization"' } },
    });
    expect(await shared.resolveSettings(input({ from: 'organization' }))).toEqual({
      countWeekends: true,
    });
    const refused = await shared.resolveSettings(input({ from: 'elsewhere' })).then(
      () => null,
      (error: unknown) => error as TandemError,
    );
    expect(refused?.code).toBe('TANDEM_REQUEST_INVALID');
    expect(refused?.details?.[0]?.path).toBe('actionSettings/from');
  });

  it('refuses a hook that returns neither settings nor a problem, or is no function', async () => {
    const broken = defineActionType({
      ...bikeManifest,
      id: 'broken-settings',
      resolveSettings: async () => ({}) as never,
    });
    const error = await broken.resolveSettings(input({})).then(
      () => null,
      (caught: unknown) => caught as TandemError,
    );
    expect(error?.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(
      thrown(() => defineActionType({ ...bikeManifest, resolveSettings: 'no' as never })).message,
    ).toMatch(/resolveSettings/);
  });
});

describe('ActionType.measure', () => {
  it('returns the quantity, the CO2e avoided and its source for valid details', () => {
    const measurement = measureBike({ km: 12.5 });
    expect(measurement.details).toEqual({ km: 12.5 });
    expect(measurement.quantity).toBe(12.5);
    expect(measurement.co2eKg).toBeCloseTo(12.5 * KG_CO2E_PER_CAR_KM);
    expect(measurement.source).toBe('ADEME Base Empreinte, average car');
  });

  it('hands quantify, impact and check the settings, pledge and date', () => {
    const seen: unknown[] = [];
    const spy = defineActionType({
      id: 'spy',
      version: '1.0.0',
      title: { fr: 'Espion', en: 'Spy' },
      unit: 'course',
      contributionSchema: Type.Object({}),
      quantify: (input) => {
        seen.push(input);
        return 1;
      },
      impact: (input) => {
        seen.push(input);
        return { co2eKg: 1 };
      },
      limits: {
        check: (input) => {
          seen.push(input);
          return null;
        },
      },
    });
    const input = {
      details: {},
      settings: { a: 1 },
      pledge: { b: 2 },
      occurredAt,
    };
    spy.measure(input);
    // `recordedBy` defaults to the participant themselves; the check (run
    // between quantify and impact) also sees what the person recorded that day.
    const expected = { ...input, recordedBy: 'self' };
    const recorded = { day: occurredAt.toISOString().slice(0, 10), sameDay: [], dayQuantity: 0 };
    expect(seen).toEqual([expected, { ...expected, recorded }, expected]);
    seen.length = 0;
    spy.measure({ ...input, recordedBy: 'agent' });
    expect(seen.map((s) => (s as { recordedBy: string }).recordedBy)).toEqual([
      'agent',
      'agent',
      'agent',
    ]);
  });

  it('refuses an unknown field in details with its path', () => {
    const error = thrown(() => measureBike({ km: 5, speed: 30 }));
    expect(error.code).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(error.details?.[0]?.path).toBe('details/speed');
  });

  it('refuses a value of the wrong type', () => {
    const error = thrown(() => measureBike({ km: '5' }));
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.details?.[0]?.path).toBe('details/km');
  });

  it('refuses missing details', () => {
    expect(thrown(() => measureBike(undefined)).code).toBe('TANDEM_REQUEST_INVALID');
  });

  it('refuses an absurd value through limits.check', () => {
    const error = thrown(() => measureBike({ km: 2000 }));
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.details?.[0]?.path).toBe('details');
  });

  it('accepts the largest plausible value', () => {
    expect(measureBike({ km: 200 }).quantity).toBe(200);
  });

  it('refuses a quantity above limits.maxQuantityPerContribution', () => {
    const compost = defineActionType({
      id: 'compost',
      version: '1.0.0',
      title: { fr: 'Composter', en: 'Compost' },
      unit: 'kg',
      contributionSchema: Type.Object({ kg: Type.Number() }),
      quantify: ({ details }) => details.kg,
      limits: { maxQuantityPerContribution: 50 },
    });
    const measure = (kg: number) =>
      compost.measure({ details: { kg }, settings: {}, pledge: null, occurredAt });
    expect(measure(50).quantity).toBe(50);
    expect(measure(50).co2eKg).toBe(0);
    const error = thrown(() => measure(51));
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.details?.[0]?.path).toBe('details');
  });

  it.each([
    ['a negative quantity', () => -1, () => ({ co2eKg: 1 })],
    ['a NaN quantity', () => Number.NaN, () => ({ co2eKg: 1 })],
    ['an infinite CO2e', () => 1, () => ({ co2eKg: Number.POSITIVE_INFINITY })],
    ['a negative CO2e', () => 1, () => ({ co2eKg: -0.5 })],
  ])('refuses %s', (_name, quantify, impact) => {
    const odd = defineActionType({
      id: 'odd',
      version: '1.0.0',
      title: { fr: 'Bizarre', en: 'Odd' },
      unit: 'km',
      contributionSchema: Type.Object({}),
      quantify,
      impact,
    });
    const error = thrown(() =>
      odd.measure({ details: {}, settings: {}, pledge: null, occurredAt }),
    );
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.details?.[0]?.path).toBe('details');
  });

  it('counts 0 when a unit-less action type takes contributions without quantify or impact', () => {
    const attended = defineActionType({
      id: 'attended',
      version: '1.0.0',
      title: { fr: 'Présent', en: 'Attended' },
      unit: null,
      contributionSchema: Type.Object({}, { additionalProperties: false }),
    });
    const measurement = attended.measure({ details: {}, settings: {}, pledge: null, occurredAt });
    expect(measurement).toEqual({ details: {}, quantity: 0, co2eKg: 0 });
  });
});

describe('pledgeOnly', () => {
  it('measures nothing and takes no contributions', () => {
    expect(pledgeOnly.id).toBe('pledge-only');
    expect(pledgeOnly.unit).toBeNull();
    expect(pledgeOnly.takesContributions).toBe(false);
    const error = thrown(() =>
      pledgeOnly.measure({ details: {}, settings: {}, pledge: {}, occurredAt }),
    );
    expect(error.code).toBe('TANDEM_CHALLENGE_TAKES_NO_CONTRIBUTIONS');
  });

  it('takes a pledge with empty details and no extra field', () => {
    expect(pledgeOnly.validatePledge({})).toEqual({});
    const error = thrown(() => pledgeOnly.validatePledge({ km: 3 }));
    expect(error.code).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(error.details?.[0]?.path).toBe('details/km');
  });

  it('takes no settings', () => {
    expect(pledgeOnly.validateSettings({})).toEqual({});
    const error = thrown(() => pledgeOnly.validateSettings({ unit: 'km' }));
    expect(error.code).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect(error.details?.[0]?.path).toBe('actionSettings/unit');
  });
});

describe('checkPledge', () => {
  const catalogue = defineActionType({
    id: 'test-catalogue',
    version: '1.0.0',
    title: { fr: 'Catalogue', en: 'Catalogue' },
    unit: null,
    settingsSchema: Type.Object(
      { actions: Type.Array(Type.String()) },
      { additionalProperties: false },
    ),
    pledgeSchema: Type.Object(
      { picked: Type.Array(Type.String(), { minItems: 1 }) },
      { additionalProperties: false },
    ),
    checkPledge: ({ details, settings }) => {
      const unknown = details.picked.filter((a) => !settings.actions.includes(a));
      return unknown.length > 0 ? `unknown action(s): ${unknown.join(', ')}` : null;
    },
  });

  it('accepts a pledge that fits the challenge settings', () => {
    expect(
      catalogue.validatePledge({ picked: ['lights-off'] }, { actions: ['lights-off', 'stairs'] }),
    ).toEqual({
      picked: ['lights-off'],
    });
  });

  it('refuses one that does not, naming details', () => {
    try {
      catalogue.validatePledge({ picked: ['fly-less'] }, { actions: ['stairs'] });
      expect.unreachable('validatePledge should have thrown');
    } catch (error) {
      expect(error).toMatchObject({ code: 'TANDEM_REQUEST_INVALID' });
      expect((error as Error).message).toMatch(/details.*fly-less/);
    }
  });

  it('names the very field when the hook returns { path, message }', () => {
    const streams = defineActionType({
      id: 'test-streams',
      version: '1.0.0',
      title: { fr: 'Flux', en: 'Streams' },
      unit: null,
      settingsSchema: Type.Object({ streams: Type.Array(Type.String()) }),
      pledgeSchema: Type.Object({ streams: Type.Array(Type.String()) }),
      checkPledge: ({ details, settings }) => {
        const i = details.streams.findIndex((s) => !settings.streams.includes(s));
        return i < 0 ? null : { path: `streams/${i}`, message: 'is not counted here' };
      },
      checkSettings: (settings) =>
        settings.streams.length === 0 ? { path: '', message: 'needs a stream' } : null,
    });
    const error = thrown(() =>
      streams.validatePledge({ streams: ['glass', 'paper'] }, { streams: ['glass'] }),
    );
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.details).toEqual([{ path: 'details/streams/1', message: 'is not counted here' }]);
    const whole = thrown(() => streams.validateSettings({ streams: [] }));
    expect(whole.details).toEqual([{ path: 'actionSettings', message: 'needs a stream' }]);
  });

  it('breaks the SDK when the hook returns anything else', () => {
    const odd = defineActionType({
      id: 'test-odd-check',
      version: '1.0.0',
      title: { fr: 'x', en: 'x' },
      unit: null,
      checkPledge: () => ({ field: 'x' }) as never,
    });
    expect(thrown(() => odd.validatePledge({})).code).toBe('TANDEM_PLUGIN_INVALID');
  });

  it('must be a function in the manifest', () => {
    expect(() =>
      defineActionType({
        id: 'bad-check',
        version: '1.0.0',
        title: { fr: 'x', en: 'x' },
        unit: null,
        checkPledge: 'nope' as never,
      }),
    ).toThrow(expect.objectContaining({ code: 'TANDEM_PLUGIN_INVALID' }));
  });
});

describe('declared factors', () => {
  const base = { id: 'with-factors', version: '1.0.0', title: { fr: 'x', en: 'x' }, unit: null };
  const car = {
    key: 'car',
    label: 'Car alone',
    value: 0.2176,
    unit: 'kg CO2e / km',
    source: 'ADEME, Impact CO2 transport data',
    datasetId: 'Impact CO2 transport 4',
    versionDate: '2024',
    note: 'fuel 0.192 + construction 0.0256',
  };

  it('are kept on the action type for reports, each with the id of its version', () => {
    const type = defineActionType({ ...base, factors: [car] });
    expect(type.factors).toEqual([
      { ...car, actionType: 'with-factors', id: expect.stringMatching(/^fct_[0-9a-f]{32}$/) },
    ]);
    expect(Object.isFrozen(type.factors[0])).toBe(true);
    expect(defineActionType({ ...base, id: 'no-factors' }).factors).toEqual([]);
  });

  it('give the same declaration the same id, and any change of it another', () => {
    const id = (factor: typeof car, typeId = 'with-factors') =>
      defineActionType({ ...base, id: typeId, factors: [factor] }).factors[0]?.id;
    expect(id(car)).toBe(id({ ...car }));
    const ids = new Set([
      id(car),
      id({ ...car, value: 0.2276 }),
      id({ ...car, versionDate: '2025-10' }),
      id({ ...car, datasetId: 'Base Empreinte 43739' }),
      id({ ...car, source: 'ADEME, Base Empreinte' }),
      id({ ...car, note: 'driven alone' }),
      id(car, 'another-type'),
    ]);
    expect(ids.size).toBe(7);
  });

  it('need a finite value, a source, a dataset identifier and a release date', () => {
    const { note: _note, ...noNote } = car;
    expect(defineActionType({ ...base, factors: [noNote] }).factors[0]?.note).toBeUndefined();
    for (const [factor, field] of [
      [{ ...car, value: Number.NaN }, 'value'],
      [{ ...car, source: ' ' }, 'source'],
      [{ ...car, datasetId: '' }, 'datasetId'],
      [{ ...car, versionDate: 'October 2025' }, 'versionDate'],
      [{ ...car, versionDate: '2025-13' }, 'versionDate'],
      [{ ...car, note: 3 }, 'note'],
      [{ ...car, year: 2024 }, 'year'],
    ] as const) {
      expect(() => defineActionType({ ...base, factors: [factor as typeof car] }), field).toThrow(
        expect.objectContaining({
          code: 'TANDEM_PLUGIN_INVALID',
          message: expect.stringContaining(field),
        }),
      );
    }
    const { datasetId: _id, ...undated } = car;
    expect(() => defineActionType({ ...base, factors: [undated as typeof car] })).toThrow(
      expect.objectContaining({ code: 'TANDEM_PLUGIN_INVALID' }),
    );
    expect(() => defineActionType({ ...base, factors: [car, { ...car }] })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('declared twice') }),
    );
  });

  it('are what a measurement cites, in their declared version; an undeclared one is a plugin error', () => {
    const measured = {
      id: 'cites-factors',
      version: '1.0.0',
      title: { fr: 'x', en: 'x' },
      unit: 'km',
      contributionSchema: Type.Object({ km: Type.Number({ minimum: 0 }) }),
      quantify: ({ details }: { details: { km: number } }) => details.km,
      factors: [car],
    };
    const input = { details: { km: 10 }, settings: {}, pledge: null, occurredAt: new Date() };
    const citing = defineActionType({
      ...measured,
      impact: ({ details }) => ({ co2eKg: details.km * car.value, cites: ['car', 'car'] }),
    });
    expect(citing.measure(input).cites).toEqual([citing.factors[0]]);
    const wrong = defineActionType({
      ...measured,
      id: 'cites-unknown',
      impact: () => ({ co2eKg: 1, cites: ['bus'] }),
    });
    expect(() => wrong.measure(input)).toThrow(
      expect.objectContaining({
        code: 'TANDEM_PLUGIN_INVALID',
        message: expect.stringContaining('"bus"'),
      }),
    );
    const silent = defineActionType({
      ...measured,
      id: 'cites-nothing',
      impact: () => ({ co2eKg: 1 }),
    });
    expect(silent.measure(input).cites).toBeUndefined();
  });
});

describe('limits per person and references', () => {
  const dated = Type.Object(
    { km: Type.Number({ minimum: 0 }), date: Type.Optional(Type.String({ format: 'date' })) },
    { additionalProperties: false },
  );
  const base = {
    id: 'per-person',
    version: '1.0.0',
    title: { fr: 'Par personne', en: 'Per person' },
    unit: 'km',
    contributionSchema: dated,
  };

  it('holds maxQuantityPerPersonPerDay against what the person already recorded that day', () => {
    const capped = defineActionType({
      ...base,
      quantify: ({ details }) => details.km,
      limits: { maxQuantityPerPersonPerDay: 200 },
    });
    expect(capped.maxQuantityPerPersonPerDay).toBe(200);
    const recorded = (dayQuantity: number) => ({
      day: '2025-03-10',
      sameDay: [{ details: { km: dayQuantity }, quantity: dayQuantity }],
      dayQuantity,
    });
    const input = { settings: {}, pledge: null, occurredAt };
    expect(
      capped.measure({ ...input, details: { km: 50 }, recorded: recorded(150) }).quantity,
    ).toBe(50);
    const refused = thrown(() =>
      capped.measure({ ...input, details: { km: 51 }, recorded: recorded(150) }),
    );
    expect(refused.code).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.details?.[0]?.path).toBe('details');
  });

  it('hands limits.check the same day so far, typed', () => {
    const seen: number[] = [];
    const spy = defineActionType({
      ...base,
      quantify: ({ details }) => details.km,
      limits: {
        check: ({ recorded }) => {
          seen.push(recorded.sameDay.reduce((sum, earlier) => sum + earlier.details.km, 0));
          return null;
        },
      },
    });
    spy.measure({
      details: { km: 1 },
      settings: {},
      pledge: null,
      occurredAt,
      recorded: {
        day: '2025-03-10',
        sameDay: [
          { details: { km: 2 }, quantity: 2 },
          { details: { km: 3 }, quantity: 3 },
        ],
        dayQuantity: 5,
      },
    });
    expect(seen).toEqual([5]);
  });

  it('gives the key a contribution counts once under, and checks what countsOncePer returns', () => {
    const once = defineActionType({
      ...base,
      limits: { countsOncePer: ({ details, day }) => `${details.km}/${day}` },
    });
    expect(once.onceKey({ details: { km: 3 }, settings: {}, day: '2025-03-10' })).toBe(
      '3/2025-03-10',
    );
    expect(bike.onceKey({ details: { km: 3 }, settings: {}, day: '2025-03-10' })).toBeNull();
    const broken = defineActionType({
      ...base,
      limits: { countsOncePer: () => '' },
    });
    expect(
      thrown(() => broken.onceKey({ details: {}, settings: {}, day: '2025-03-10' })).code,
    ).toBe('TANDEM_PLUGIN_INVALID');
  });

  it('answers a failed reference with 400 on details/<path>', async () => {
    const checked = defineActionType({
      ...base,
      checkReferences: async ({ details }) =>
        details.km > 10 ? { path: 'km', message: 'no such stop' } : null,
    });
    const input = (km: number) => ({
      details: { km },
      settings: {},
      challenge: { id: 'chl_1', organizationId: 'org_1' },
      sql: { query: async () => [] } as never,
    });
    await expect(checked.checkReferences(input(3))).resolves.toBeUndefined();
    const error = await checked.checkReferences(input(30)).then(
      () => null,
      (e: unknown) => e as TandemError,
    );
    expect(error?.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error?.details?.[0]?.path).toBe('details/km');
  });

  it('takes a dayField only when the contribution schema has that string field', () => {
    expect(defineActionType({ ...base, dayField: 'date' }).dayField).toBe('date');
    expect(bike.dayField).toBeNull();
    for (const dayField of ['when', 'km']) {
      const error = thrown(() => defineActionType({ ...base, dayField }));
      expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
      expect(error.message).toMatch(/dayField/);
    }
  });

  it('refuses malformed new limits and an unknown one', () => {
    const error = thrown(() =>
      defineActionType({
        ...base,
        limits: {
          maxQuantityPerPersonPerDay: -1,
          countsOncePer: 'courseId',
          perWeek: 3,
        } as never,
        checkReferences: 'yes' as never,
      }),
    );
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    const paths = (error.details ?? []).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'limits.maxQuantityPerPersonPerDay',
        'limits.countsOncePer',
        'limits.perWeek',
        'checkReferences',
      ]),
    );
  });
});
