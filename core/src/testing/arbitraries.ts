/**
 * Values that a TypeBox (JSON) schema accepts, as fast-check arbitraries: the
 * ground the action-type contract suite walks on. It knows the keywords
 * plugins' schemas use (objects, arrays, enums, unions, bounded numbers,
 * strings with a length, a pattern or a date format); a schema it cannot
 * read is named in the error, and the plugin then passes its own
 * arbitrary to `describeActionTypeContract`.
 */
import fc from 'fast-check';
import { validateOrThrow } from '../validation.js';

type Schema = Record<string, unknown>;

// Unbounded numbers are drawn from a range a person could report, so that a
// quantity does not overflow into Infinity through a plugin's arithmetic.
const LARGE = 1_000_000;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const num = (schema: Schema, key: string): number | undefined => {
  const value = schema[key];
  return typeof value === 'number' ? value : undefined;
};

/**
 * An arbitrary of the values `schema` accepts. Each value is checked against
 * the schema with core's own validator, so keywords the generator reads
 * only loosely (`uniqueItems`, `dependencies`, `pattern` with lengths) never
 * let an invalid value through.
 *
 * @param schema - a TypeBox schema (JSON Schema as TypeBox writes it)
 * @throws Error naming the JSON path of a keyword it cannot generate
 *
 * @example
 * fc.assert(fc.property(arbitraryOf(bikeKm.contributionSchema!), (details) => { … }));
 */
export function arbitraryOf(schema: unknown): fc.Arbitrary<unknown> {
  return loose(schema, '#').filter((value) => accepts(schema, value));
}

/** Whether `schema` accepts `value`, as the engine validates it (defaults applied to a copy). */
export function accepts(schema: unknown, value: unknown): boolean {
  try {
    validateOrThrow(schema as object, structuredClone(value), 'value');
    return true;
  } catch {
    return false;
  }
}

function loose(schema: unknown, at: string): fc.Arbitrary<unknown> {
  if (!isSchema(schema)) throw new Error(`arbitraryOf: no schema at ${at}`);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      return fc.oneof(...options.map((option, i) => loose(option, `${at}/${key}/${i}`)));
    }
  }
  switch (schema['type']) {
    case 'object':
      return objectOf(schema, at);
    case 'array':
      return arrayOf(schema, at);
    case 'string':
      return stringOf(schema, at);
    case 'number':
    case 'integer':
      return numberOf(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      throw new Error(
        `arbitraryOf: cannot generate ${at} (${JSON.stringify(schema).slice(0, 120)}); pass an arbitrary for it`,
      );
  }
}

function objectOf(schema: Schema, at: string): fc.Arbitrary<unknown> {
  const properties = isSchema(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    model[name] = loose(property, `${at}/properties/${name}`);
  }
  return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
}

function arrayOf(schema: Schema, at: string): fc.Arbitrary<unknown> {
  const items = loose(schema['items'], `${at}/items`);
  const minLength = num(schema, 'minItems') ?? 0;
  // Small arrays find the same bugs as big ones, and keep the suite quick.
  const maxLength = Math.min(num(schema, 'maxItems') ?? minLength + 5, minLength + 8);
  return schema['uniqueItems'] === true
    ? fc.uniqueArray(items, {
        minLength,
        maxLength,
        selector: (value) => JSON.stringify(value),
      })
    : fc.array(items, { minLength, maxLength });
}

function stringOf(schema: Schema, at: string): fc.Arbitrary<unknown> {
  const minLength = num(schema, 'minLength') ?? 0;
  const maxLength = Math.min(num(schema, 'maxLength') ?? minLength + 40, minLength + 60);
  const format = schema['format'];
  const days = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) })
    .map((ms) => new Date(ms));
  if (format === 'date') return days.map((day) => day.toISOString().slice(0, 10));
  if (format === 'date-time') return days.map((day) => day.toISOString());
  if (format === 'email') return fc.emailAddress();
  if (format === 'uri' || format === 'url') return fc.webUrl();
  if (format === 'uuid') return fc.uuid();
  if (format !== undefined) throw new Error(`arbitraryOf: unknown string format at ${at}`);
  const pattern = schema['pattern'];
  if (typeof pattern === 'string') {
    return fc
      .stringMatching(new RegExp(pattern))
      .filter((text) => text.length >= minLength && text.length <= maxLength);
  }
  return fc.string({ minLength, maxLength });
}

function numberOf(schema: Schema): fc.Arbitrary<unknown> {
  const minimum = num(schema, 'minimum');
  const maximum = num(schema, 'maximum');
  const exclusiveMinimum = num(schema, 'exclusiveMinimum');
  const exclusiveMaximum = num(schema, 'exclusiveMaximum');
  const min = exclusiveMinimum ?? minimum ?? -LARGE;
  const max = exclusiveMaximum ?? maximum ?? Math.max(LARGE, min + LARGE);
  if (schema['type'] === 'integer') {
    return fc.integer({
      min: Math.ceil(exclusiveMinimum !== undefined ? min + 1 : min),
      max: Math.floor(exclusiveMaximum !== undefined ? max - 1 : max),
    });
  }
  const doubles = fc.double({
    min,
    max,
    minExcluded: exclusiveMinimum !== undefined,
    maxExcluded: exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
  // Whole figures are what people type; doubles find the edges.
  return Math.ceil(min) <= Math.floor(max)
    ? fc.oneof(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }), doubles)
    : doubles;
}

/**
 * A value of a kind `schema` refuses (a number where a string goes, an
 * object where a number goes), or `undefined` when it takes anything.
 */
export function wrongValueFor(schema: unknown): unknown {
  const candidates: unknown[] = [{ unexpected: true }, 'not-this', 3.25, true, [], null];
  return candidates.find((candidate) => !accepts(schema, candidate));
}
