import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { default as addFormatsModule } from 'ajv-formats';
import { TandemError, type ErrorDetail } from './errors.js';

// ajv-formats is CommonJS; under `module: nodenext` its default export is the
// module object, so take the function from wherever it sits.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Which part of a request a validator checks. Bodies are never coerced
 * (`"5"` stays a string and is refused where a number is expected); query
 * strings, params and headers are text by nature and are coerced.
 */
export type RequestPart = 'body' | 'querystring' | 'params' | 'headers';

/**
 * A fresh Ajv for one request part. Unknown fields are kept (and so refused
 * by `additionalProperties: false`) rather than silently stripped.
 */
export function createAjv(part: RequestPart): Ajv {
  const options: Options = {
    allErrors: false,
    coerceTypes: part === 'body' ? false : 'array',
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  };
  const ajv = new Ajv(options);
  addFormats(ajv);
  return ajv;
}

const detailsAjv = createAjv('body');
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) a validator for plugin-supplied JSON. */
export function compileBodySchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = detailsAjv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Turns Ajv errors into details whose `path` names the field, e.g. `details/km`. */
export function describeAjvErrors(
  errors: readonly ErrorObject[] | null | undefined,
  prefix: string,
): ErrorDetail[] {
  return mostTelling(errors ?? []).map((error) => {
    let path = `${prefix}${error.instancePath}`;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties') {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      path = `${path}/${field}`;
      message = 'is not a known field';
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (error.keyword === 'required') {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      path = `${path}/${field}`;
      message = 'is required';
    }
    return { path, message };
  });
}

/**
 * Orders errors so the first one is the most useful to a client. When a
 * value matches none of the shapes of a union (`anyOf`), Ajv reports every
 * branch's complaint: a "required"/"unknown field"/"wrong type" from a branch
 * the client obviously did not mean says less than a complaint about a
 * field they did send (a code too short).
 */
function mostTelling(errors: readonly ErrorObject[]): ErrorObject[] {
  if (!errors.some((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')) return [...errors];
  const shapeMismatch = new Set([
    'required',
    'additionalProperties',
    'type',
    'const',
    'anyOf',
    'oneOf',
  ]);
  const specific = errors.filter((e) => !shapeMismatch.has(e.keyword));
  return [...specific, ...errors.filter((e) => shapeMismatch.has(e.keyword))];
}

/**
 * Validates `value` against a TypeBox/JSON schema and returns it (with
 * defaults applied), or throws a 400 naming the first wrong field.
 *
 * @example
 * const details = validateOrThrow(actionType.pledgeSchema, body.details ?? {}, 'details');
 */
export function validateOrThrow<T>(schema: object, value: unknown, prefix: string): T {
  const validate = compileBodySchema(schema);
  if (validate(value)) return value as T;
  const details = describeAjvErrors(validate.errors, prefix);
  const first = details[0] ?? { path: prefix, message: 'is invalid' };
  const code =
    validate.errors?.[0]?.keyword === 'additionalProperties'
      ? 'TANDEM_REQUEST_UNKNOWN_FIELD'
      : 'TANDEM_REQUEST_INVALID';
  throw new TandemError(code, `${first.path} ${first.message}`, details);
}
