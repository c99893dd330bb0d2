/**
 * Forms built from an action type's JSON Schema (`GET /api/action-types`):
 * the schema becomes a list of field descriptors a component renders, and a
 * posted `FormData` becomes typed details, checked against the same rules
 * before the API checks them again. Pure: no Svelte, no I/O, so the page's
 * form action, the component and unit tests share it.
 *
 * Field names are the API's error paths (`details/household/size`), so a
 * 400 from the API (`details: [{ path, message }]`) lands next to its field.
 */

/** A JSON Schema node, as TypeBox emits it (only the keywords forms use). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

/** A value a choice can take. */
export type ChoiceValue = string | number | boolean;

/** One option of a choice field. */
export interface Choice {
  value: ChoiceValue;
  /** The schema's own title for it, else the value as text. */
  label: string;
}

/** What kind of input a field is. */
export type FieldKind =
  'text' | 'date' | 'number' | 'integer' | 'boolean' | 'choice' | 'choices' | 'group' | 'list';

/** One field of a schema-built form. */
export interface FieldDescriptor {
  kind: FieldKind;
  /** The form field name and API error path, e.g. `details/household/size`. */
  name: string;
  /** The property names from the schema's root, e.g. `['household', 'size']`. */
  path: string[];
  /** The last property name (`size`), for message lookups. */
  key: string;
  /** The schema's title, else its description, else the key in words. */
  label: string;
  /** The schema's description when a title is the label. */
  hint?: string;
  required: boolean;
  /** Inclusive bounds of a number (exclusive ones are kept apart). */
  min?: number;
  max?: number;
  exclusiveMin?: number;
  exclusiveMax?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** For `choice` (one value) and `choices` (a set of values). */
  options?: Choice[];
  minItems?: number;
  maxItems?: number;
  /** For `group` (a nested object) and `list` (each row of a list of objects). */
  fields?: FieldDescriptor[];
  /** For `list`: how many rows the form offers; blank rows are dropped. */
  rows?: number;
}

/** Why a value was refused, as a code a component turns into a sentence in the page's language. */
export type FieldProblem =
  | { code: 'required' }
  | { code: 'number' }
  | { code: 'integer' }
  | { code: 'min'; limit: number }
  | { code: 'max'; limit: number }
  | { code: 'above'; limit: number }
  | { code: 'below'; limit: number }
  | { code: 'minLength'; limit: number }
  | { code: 'maxLength'; limit: number }
  | { code: 'pattern' }
  | { code: 'choice' }
  | { code: 'minItems'; limit: number }
  | { code: 'maxItems'; limit: number }
  | { code: 'date' }
  /** A message from the API, shown as it came (it names the field already). */
  | { code: 'api'; message: string };

/** The outcome of reading a form: typed details, or a problem per field name. */
export type FormResult<T = Record<string, unknown>> =
  { ok: true; value: T } | { ok: false; errors: Record<string, FieldProblem> };

/** Options of {@link fieldsFromSchema}. */
export interface FieldOptions {
  /** The name prefix, e.g. `details` (the API's path of the schema's root). */
  prefix?: string;
  /**
   * Choices the schema cannot know (a catalogue's action ids live in the
   * challenge's settings), by field path joined with `/` (`actions`).
   */
  choices?: Record<string, Choice[]>;
  /** Rows offered for a list of objects, by path; default its `minItems`, at least 1. */
  rows?: Record<string, number>;
}

const words = (key: string): string => {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
};

const typeOf = (schema: JsonSchema): string | undefined =>
  Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;

const isChoiceValue = (value: unknown): value is ChoiceValue =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** The options of an `enum`, a `const`, or a union of constants (TypeBox's union of literals). */
function choicesOf(schema: JsonSchema): Choice[] | null {
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter(isChoiceValue);
    return values.map((value) => ({ value, label: String(value) }));
  }
  if (schema.const !== undefined && isChoiceValue(schema.const)) {
    return [{ value: schema.const, label: schema.title ?? String(schema.const) }];
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches && branches.length > 0) {
    const options: Choice[] = [];
    for (const branch of branches) {
      const inner = choicesOf(branch);
      if (!inner) return null;
      options.push(...inner);
    }
    return options;
  }
  return null;
}

function describe(
  schema: JsonSchema,
  path: string[],
  required: boolean,
  options: FieldOptions,
): FieldDescriptor | null {
  const key = path[path.length - 1] ?? '';
  const prefix = options.prefix ? [options.prefix] : [];
  const label = schema.title ?? schema.description ?? words(key);
  const base = {
    name: [...prefix, ...path].join('/'),
    path,
    key,
    label,
    required,
    ...(schema.title && schema.description ? { hint: schema.description } : {}),
  };
  const joined = path.join('/');
  const given = options.choices?.[joined];
  const type = typeOf(schema);

  if (type === 'array' && schema.items) {
    const itemChoices = given ?? choicesOf(schema.items);
    const counts = {
      ...(schema.minItems !== undefined ? { minItems: schema.minItems } : {}),
      ...(schema.maxItems !== undefined ? { maxItems: schema.maxItems } : {}),
    };
    if (itemChoices) return { ...base, kind: 'choices', options: itemChoices, ...counts };
    if (typeOf(schema.items) === 'object') {
      const fields = objectFields(schema.items, [], { ...options, prefix: '' });
      return {
        ...base,
        kind: 'list',
        fields,
        rows: options.rows?.[joined] ?? Math.max(schema.minItems ?? 1, 1),
        ...counts,
      };
    }
    return null;
  }
  if (type === 'object' && schema.properties) {
    return { ...base, kind: 'group', fields: objectFields(schema, path, options) };
  }
  const choices = given ?? choicesOf(schema);
  if (choices) return { ...base, kind: 'choice', options: choices };
  if (type === 'boolean') return { ...base, kind: 'boolean' };
  if (type === 'number' || type === 'integer') {
    return {
      ...base,
      kind: type,
      ...(schema.minimum !== undefined ? { min: schema.minimum } : {}),
      ...(schema.maximum !== undefined ? { max: schema.maximum } : {}),
      ...(schema.exclusiveMinimum !== undefined ? { exclusiveMin: schema.exclusiveMinimum } : {}),
      ...(schema.exclusiveMaximum !== undefined ? { exclusiveMax: schema.exclusiveMaximum } : {}),
    };
  }
  if (type === 'string') {
    return {
      ...base,
      kind: schema.format === 'date' ? 'date' : 'text',
      ...(schema.minLength !== undefined ? { minLength: schema.minLength } : {}),
      ...(schema.maxLength !== undefined ? { maxLength: schema.maxLength } : {}),
      ...(schema.pattern !== undefined ? { pattern: schema.pattern } : {}),
    };
  }
  return null;
}

function objectFields(
  schema: JsonSchema,
  path: string[],
  options: FieldOptions,
): FieldDescriptor[] {
  const required = new Set(schema.required ?? []);
  const fields: FieldDescriptor[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const field = describe(property, [...path, key], required.has(key), options);
    if (field) fields.push(field);
  }
  return fields;
}

/**
 * The fields of an object schema (a pledge's or a contribution's details),
 * in the schema's order. Properties of a shape a form cannot offer (an array
 * of free values, a schema without a type) are left out: the API then
 * applies its own default or refuses with a message naming them.
 *
 * @example fieldsFromSchema(pledgeSchema, { prefix: 'details' })
 */
export function fieldsFromSchema(
  schema: JsonSchema | null | undefined,
  options: FieldOptions = {},
): FieldDescriptor[] {
  if (!schema || typeOf(schema) !== 'object') return [];
  return objectFields(schema, [], options);
}

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** Numbers as people type them: a French decimal comma is a decimal point. */
const parseNumber = (raw: string): number => Number(raw.replace(',', '.').replace(/\s/g, ''));

type Read = { present: false } | { present: true; value: unknown } | { problem: FieldProblem };

function matchChoice(options: Choice[], raw: string): ChoiceValue | undefined {
  return options.find((option) => String(option.value) === raw)?.value;
}

function readField(field: FieldDescriptor, form: FormData, name: string, errors: Errors): Read {
  switch (field.kind) {
    case 'group': {
      const value = readObject(field.fields ?? [], form, name, errors);
      if (value === undefined) {
        return field.required ? { problem: { code: 'required' } } : { present: false };
      }
      return { present: true, value };
    }
    case 'list': {
      const rows: Record<string, unknown>[] = [];
      const count = Math.min(field.rows ?? 1, 100);
      for (let row = 0; row < count; row += 1) {
        const value = readObject(field.fields ?? [], form, `${name}/${row}`, errors);
        if (value !== undefined) rows.push(value);
      }
      return counted(field, rows);
    }
    case 'choices': {
      const picked: ChoiceValue[] = [];
      for (const raw of form.getAll(name)) {
        if (typeof raw !== 'string') continue;
        const value = matchChoice(field.options ?? [], raw);
        if (value === undefined) return { problem: { code: 'choice' } };
        if (!picked.includes(value)) picked.push(value);
      }
      return counted(field, picked);
    }
    case 'boolean': {
      // A checkbox: unticked sends nothing, which means false only when the schema asks for it.
      const raw = text(form, name);
      if (raw === '') return field.required ? { present: true, value: false } : { present: false };
      return { present: true, value: raw === 'true' || raw === 'on' };
    }
    default:
      break;
  }
  const raw = text(form, name);
  if (raw === '') return field.required ? { problem: { code: 'required' } } : { present: false };
  switch (field.kind) {
    case 'choice': {
      const value = matchChoice(field.options ?? [], raw);
      return value === undefined ? { problem: { code: 'choice' } } : { present: true, value };
    }
    case 'number':
    case 'integer': {
      const value = parseNumber(raw);
      if (!Number.isFinite(value)) return { problem: { code: 'number' } };
      if (field.kind === 'integer' && !Number.isInteger(value)) {
        return { problem: { code: 'integer' } };
      }
      if (field.min !== undefined && value < field.min)
        return { problem: { code: 'min', limit: field.min } };
      if (field.max !== undefined && value > field.max)
        return { problem: { code: 'max', limit: field.max } };
      if (field.exclusiveMin !== undefined && value <= field.exclusiveMin)
        return { problem: { code: 'above', limit: field.exclusiveMin } };
      if (field.exclusiveMax !== undefined && value >= field.exclusiveMax)
        return { problem: { code: 'below', limit: field.exclusiveMax } };
      return { present: true, value };
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw))
        ? { present: true, value: raw }
        : { problem: { code: 'date' } };
    default: {
      if (field.minLength !== undefined && raw.length < field.minLength)
        return { problem: { code: 'minLength', limit: field.minLength } };
      if (field.maxLength !== undefined && raw.length > field.maxLength)
        return { problem: { code: 'maxLength', limit: field.maxLength } };
      if (field.pattern !== undefined && !safeTest(field.pattern, raw))
        return { problem: { code: 'pattern' } };
      return { present: true, value: raw };
    }
  }
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    // A pattern this engine cannot read is left to the API, which checks it anyway.
    return true;
  }
}

function counted(field: FieldDescriptor, items: unknown[]): Read {
  if (items.length === 0 && !field.required) return { present: false };
  if (items.length === 0) return { problem: { code: 'required' } };
  if (field.minItems !== undefined && items.length < field.minItems)
    return { problem: { code: 'minItems', limit: field.minItems } };
  if (field.maxItems !== undefined && items.length > field.maxItems)
    return { problem: { code: 'maxItems', limit: field.maxItems } };
  return { present: true, value: items };
}

type Errors = Record<string, FieldProblem>;

/** The object a set of fields describes under `name`, or undefined when every field is blank. */
function readObject(
  fields: FieldDescriptor[],
  form: FormData,
  name: string,
  errors: Errors,
): Record<string, unknown> | undefined {
  const value: Record<string, unknown> = {};
  const problems: Errors = {};
  let touched = false;
  for (const field of fields) {
    const fieldName = name ? `${name}/${field.key}` : field.name;
    const read = readField(field, form, fieldName, problems);
    if ('problem' in read) problems[fieldName] = read.problem;
    else if (read.present) {
      value[field.key] = read.value;
      // A required boolean reads false when unticked: that alone does not fill a row.
      if (!(field.kind === 'boolean' && read.value === false)) touched = true;
    }
  }
  const anyTyped = fields.some((field) =>
    hasInput(form, name ? `${name}/${field.key}` : field.name),
  );
  // A blank optional group or list row is absent, not a row of "required" complaints.
  if (!touched && !anyTyped) return undefined;
  Object.assign(errors, problems);
  return value;
}

function hasInput(form: FormData, name: string): boolean {
  for (const [key, value] of form.entries()) {
    if ((key === name || key.startsWith(`${name}/`)) && typeof value === 'string' && value.trim())
      return true;
  }
  return false;
}

/**
 * Reads the posted form into details of the schema's shape, with a problem
 * per field name when a value breaks the schema's rules. Blank optional
 * fields are left out (the API applies its defaults).
 *
 * @example
 * const result = readSchemaForm(fields, await request.formData());
 * if (!result.ok) return fail(400, { errors: result.errors });
 */
export function readSchemaForm(fields: FieldDescriptor[], form: FormData): FormResult {
  const errors: Errors = {};
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    const read = readField(field, form, field.name, errors);
    if ('problem' in read) errors[field.name] = read.problem;
    else if (read.present) value[field.key] = read.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}

/**
 * The API's 400 details as problems per field name: a path the form has no
 * field for goes under `fallback` (shown at the top of the form).
 */
export function apiProblems(
  details: readonly { path?: unknown; message?: unknown }[] | undefined,
  known: ReadonlySet<string>,
  fallback = 'form',
): Record<string, FieldProblem> {
  const errors: Record<string, FieldProblem> = {};
  for (const detail of details ?? []) {
    const path = typeof detail.path === 'string' ? detail.path.replace(/^\//, '') : '';
    const message = typeof detail.message === 'string' ? detail.message : '';
    let name = fallback;
    // The nearest field that holds the path (`details/trips/0/km` → that input).
    for (let cut = path; cut; cut = cut.slice(0, Math.max(cut.lastIndexOf('/'), 0))) {
      if (known.has(cut)) {
        name = cut;
        break;
      }
    }
    errors[name] ??= { code: 'api', message: `${path} ${message}`.trim() };
  }
  return errors;
}

/** Every field name a form holds (nested groups and list rows included). */
export function fieldNames(fields: FieldDescriptor[]): Set<string> {
  const names = new Set<string>();
  const walk = (list: FieldDescriptor[], base: string | null) => {
    for (const field of list) {
      const name = base === null ? field.name : `${base}/${field.key}`;
      names.add(name);
      if (field.kind === 'group') walk(field.fields ?? [], name);
      if (field.kind === 'list') {
        for (let row = 0; row < (field.rows ?? 1); row += 1)
          walk(field.fields ?? [], `${name}/${row}`);
      }
    }
  };
  walk(fields, null);
  return names;
}

/** A posted form's values by field name, to fill the form again after a refusal. */
export type FormValues = Record<string, string[]>;

/** The text values of a `FormData` by name (files are never echoed back). */
export function formValues(form: FormData): FormValues {
  const values: FormValues = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') continue;
    (values[name] ??= []).push(value);
  }
  return values;
}
