import type { CompiledValidator } from './sdk/routes.js';
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
  // `x-trim: true` stores a string without its surrounding white space. Ajv
  // runs such keywords after the built-in string checks, so schemas pair it
  // with `pattern: "\\S"` (see `Title` in http/schemas.ts) to refuse a
  // value of spaces alone.
  ajv.addKeyword({
    keyword: 'x-trim',
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    validate: (trim: boolean, data: string, _schema: unknown, where?: DataContext) => {
      if (trim && where?.parentData !== undefined) {
        (where.parentData as Record<string | number, unknown>)[where.parentDataProperty] =
          data.trim();
      }
      return true;
    },
  });
  return ajv;
}

/** Where a value sits in the validated document (Ajv's data context). */
interface DataContext {
  parentData: unknown;
  parentDataProperty: string | number;
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
 * The first complaint of a validator that checked one item of a batch (an
 * offline sync's enrolment or weigh-in), as the error the item's own route
 * would give: its path names the field inside the item (`consent/given`),
 * or `whole` when the item itself is wrong (not an object).
 *
 * @example
 * if (!validate(item)) throw itemValidationError(validate.errors, 'weighIn');
 */
export function itemValidationError(
  found: CompiledValidator['errors'],
  whole: string,
): TandemError {
  // The SDK's validator type is Ajv's error shape without the fields read here.
  const errors = (found ?? []) as readonly ErrorObject[];
  const first = describeAjvErrors(errors, '')[0];
  const path = first?.path?.replace(/^\//, '') || whole;
  const message = first?.message ?? 'is invalid';
  const code =
    mostTelling(errors)[0]?.keyword === 'additionalProperties'
      ? 'TANDEM_REQUEST_UNKNOWN_FIELD'
      : 'TANDEM_REQUEST_INVALID';
  return new TandemError(code, `${path}: ${message}`, [{ path, message }]);
}

/**
 * Validates `value` against a TypeBox/JSON schema and returns it (with
 * defaults applied), or throws a 400 naming the first wrong field.
 *
 * @example
 * const details = validateOrThrow(actionType.pledgeSchema, body.details ?? {}, 'details');
 */
export function validateOrThrow<T>(schema: object, value: unknown, prefix: string): T {
  refuseHostileStrings(value, prefix);
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

/**
 * How deep a JSON body may nest. Tandem's own bodies need a handful of
 * levels and plugins' `details` a few more; anything far deeper is an
 * attempt to exhaust the stack of whatever walks the value next.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of arrays and objects in a JSON text, stopping as
 * soon as it passes `limit`: read before `JSON.parse`, so a hostile body
 * is refused before anything builds, walks or serializes it.
 */
export function jsonDepthExceeds(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Why a string cannot be stored as text, or `undefined` when it can: NUL
 * (PostgreSQL refuses it in `text` and `jsonb`) and UTF-16 surrogates
 * without their pair (no character at all; they cannot be encoded as UTF-8).
 */
export function hostileStringReason(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return 'must not contain the NUL character';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'must not contain an unpaired surrogate';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'must not contain an unpaired surrogate';
  }
  return undefined;
}

const joinPath = (prefix: string, key: string) => (prefix === '' ? key : `${prefix}/${key}`);

/**
 * The one rule every request part and every plugin-validated value goes
 * through: no string (value or key) may hold NUL or an unpaired surrogate,
 * and nothing may nest deeper than {@link MAX_JSON_DEPTH}. Throws a 400
 * whose detail's `path` names the field (`displayName`, `details/note`,
 * `params/id`).
 */
export function refuseHostileStrings(value: unknown, prefix: string): void {
  const visit = (node: unknown, path: string, depth: number): void => {
    if (typeof node === 'string') {
      const reason = hostileStringReason(node);
      if (reason) throw hostile(path, reason);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (depth > MAX_JSON_DEPTH) {
      throw hostile(path, `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, joinPath(path, String(index)), depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(node as Record<string, unknown>)) {
      const keyReason = hostileStringReason(key);
      if (keyReason) throw hostile(path || prefix, `has a field name that ${keyReason}`);
      visit(item, joinPath(path, key), depth + 1);
    }
  };
  visit(value, prefix, 1);
}

const hostile = (path: string, message: string) => {
  const field = path === '' ? 'body' : path;
  return new TandemError('TANDEM_REQUEST_INVALID', `${field} ${message}`, [
    { path: field, message },
  ]);
};
