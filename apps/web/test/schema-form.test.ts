import { describe, expect, it } from 'vitest';
import {
  apiProblems,
  fieldNames,
  fieldsFromSchema,
  readSchemaForm,
  type JsonSchema,
} from '../src/lib/forms/schema-form.js';

/** The sorting plugin's pledge schema, as `GET /api/action-types` serves it. */
const sorting: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    streams: {
      type: 'array',
      minItems: 1,
      maxItems: 5,
      uniqueItems: true,
      items: { type: 'string', enum: ['packaging', 'glass', 'paper'] },
    },
    household: {
      type: 'object',
      properties: { size: { type: 'integer', minimum: 1, maximum: 12 } },
    },
  },
} as JsonSchema;

/** A contribution with required fields, a union of literals, a list of objects and a date. */
const trips: JsonSchema = {
  type: 'object',
  required: ['trips', 'mood'],
  properties: {
    date: { type: 'string', format: 'date' },
    mood: {
      anyOf: [
        { const: 'good', type: 'string' },
        { const: 'bad', type: 'string' },
      ],
    },
    shared: { type: 'boolean' },
    trips: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['km'],
        properties: {
          mode: { type: 'string', enum: ['bike', 'bus'] },
          km: { type: 'number', exclusiveMinimum: 0, maximum: 1500 },
        },
      },
    },
  },
};

const form = (entries: [string, string][]) => {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
};

describe('fields from a JSON schema', () => {
  it('describes enums, unions of literals, nested objects, lists and bounds', () => {
    const fields = fieldsFromSchema(trips, { prefix: 'details' });
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['details/date', 'date', false],
      ['details/mood', 'choice', true],
      ['details/shared', 'boolean', false],
      ['details/trips', 'list', true],
    ]);
    expect(fields[1]?.options?.map((o) => o.value)).toEqual(['good', 'bad']);
    const km = fields[3]?.fields?.find((f) => f.key === 'km');
    expect(km).toMatchObject({ kind: 'number', exclusiveMin: 0, max: 1500, required: true });
    const sortingFields = fieldsFromSchema(sorting, { prefix: 'details' });
    expect(sortingFields[0]).toMatchObject({ kind: 'choices', minItems: 1, maxItems: 5 });
    expect(sortingFields[1]?.fields?.[0]).toMatchObject({
      name: 'details/household/size',
      kind: 'integer',
      min: 1,
      max: 12,
    });
    expect([...fieldNames(sortingFields)]).toContain('details/household/size');
  });

  it('offers choices the schema cannot know, and nothing for an empty schema', () => {
    const catalogue: JsonSchema = {
      type: 'object',
      properties: { actions: { type: 'array', items: { type: 'string' } } },
    };
    const fields = fieldsFromSchema(catalogue, {
      choices: { actions: [{ value: 'a1', label: 'Less meat' }] },
    });
    expect(fields[0]).toMatchObject({ kind: 'choices', name: 'actions' });
    expect(fieldsFromSchema(null)).toEqual([]);
    expect(fieldsFromSchema({ type: 'object', properties: {} })).toEqual([]);
  });
});

describe('reading a posted form', () => {
  const fields = fieldsFromSchema(trips, { prefix: 'details' });

  it('types values: numbers with a decimal comma, choices, booleans, list rows', () => {
    const result = readSchemaForm(
      fields,
      form([
        ['details/mood', 'good'],
        ['details/shared', 'true'],
        ['details/trips/0/mode', 'bike'],
        ['details/trips/0/km', '12,5'],
      ]),
    );
    expect(result).toEqual({
      ok: true,
      value: { mood: 'good', shared: true, trips: [{ mode: 'bike', km: 12.5 }] },
    });
  });

  it('names each problem by its field', () => {
    const result = readSchemaForm(
      fields,
      form([
        ['details/mood', 'awful'],
        ['details/date', '2026-13-45'],
        ['details/trips/0/mode', 'bike'],
        ['details/trips/0/km', '0'],
      ]),
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        'details/mood': { code: 'choice' },
        'details/date': { code: 'date' },
        'details/trips/0/km': { code: 'above', limit: 0 },
      },
    });
    const empty = readSchemaForm(fields, form([]));
    expect(empty.ok ? {} : empty.errors).toEqual({
      'details/mood': { code: 'required' },
      'details/trips': { code: 'required' },
    });
  });

  it('leaves blank optional fields out and refuses a value outside the choices', () => {
    const sortingFields = fieldsFromSchema(sorting, { prefix: 'details' });
    expect(readSchemaForm(sortingFields, form([['details/household/size', '']]))).toEqual({
      ok: true,
      value: {},
    });
    expect(
      readSchemaForm(
        sortingFields,
        form([
          ['details/streams', 'glass'],
          ['details/streams', 'glass'],
          ['details/household/size', '2.5'],
        ]),
      ),
    ).toEqual({ ok: false, errors: { 'details/household/size': { code: 'integer' } } });
    expect(readSchemaForm(sortingFields, form([['details/streams', 'plutonium']]))).toEqual({
      ok: false,
      errors: { 'details/streams': { code: 'choice' } },
    });
  });
});

describe("the API's 400 details", () => {
  it('land on the nearest field, else at the top of the form', () => {
    const known = new Set(['email', 'location/postcode', 'details/trips/0/km']);
    expect(
      apiProblems(
        [
          { path: 'location/postcode', message: 'is not a known postcode' },
          { path: 'details/trips/0/km/extra', message: 'is odd' },
          { path: 'team', message: 'is not a team of this campaign' },
        ],
        known,
      ),
    ).toEqual({
      'location/postcode': { code: 'api', message: 'location/postcode is not a known postcode' },
      'details/trips/0/km': { code: 'api', message: 'details/trips/0/km/extra is odd' },
      form: { code: 'api', message: 'team is not a team of this campaign' },
    });
  });
});
