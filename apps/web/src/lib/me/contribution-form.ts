/**
 * The contribution forms of `/me`, on top of the schema-built forms
 * ($lib/forms/schema-form.ts): how many rows a list of trips offers, and a
 * recorded contribution's details turned back into form values so that a
 * correction starts from what was sent. Pure, shared by the page's actions
 * and its components.
 */
import {
  fieldsFromSchema,
  type Choice,
  type FieldDescriptor,
  type FormValues,
  type JsonSchema,
} from '../forms/schema-form.js';

/** The API's path of a contribution's details, and so the prefix of every field name. */
export const DETAILS = 'details';

/** The most rows a list offers when a form is read back (blank rows are dropped). */
export const MAX_ROWS = 20;

/** The same fields with every list offering `rows` rows (nested lists included). */
export function withRows(fields: FieldDescriptor[], rows: (field: FieldDescriptor) => number) {
  const visit = (list: FieldDescriptor[]): FieldDescriptor[] =>
    list.map((field) => ({
      ...field,
      ...(field.kind === 'list' ? { rows: Math.min(Math.max(rows(field), 1), MAX_ROWS) } : {}),
      ...(field.fields ? { fields: visit(field.fields) } : {}),
    }));
  return visit(fields);
}

/**
 * The fields of an action type's contribution schema, named under `details/`.
 *
 * @param choices options the schema cannot know, by field path (a catalogue's actions).
 */
export function contributionFields(
  schema: unknown,
  choices: Record<string, Choice[]> = {},
): FieldDescriptor[] {
  return fieldsFromSchema(schema as JsonSchema | null, { prefix: DETAILS, choices });
}

/**
 * The fields a posted contribution form is read with: every list as long as
 * it may be, so rows a visitor added are all read, blank ones dropped.
 */
export function readingFields(
  schema: unknown,
  choices: Record<string, Choice[]> = {},
): FieldDescriptor[] {
  return withRows(contributionFields(schema, choices), () => MAX_ROWS);
}

/**
 * Form values for details already recorded (a correction starts from them):
 * `{ trips: [{ mode: 'bike', km: 12 }] }` becomes
 * `{ 'details/trips/0/mode': ['bike'], 'details/trips/0/km': ['12'] }`.
 */
export function valuesOfDetails(details: unknown, prefix: string = DETAILS): FormValues {
  const values: FormValues = {};
  const visit = (value: unknown, name: string) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (item !== null && typeof item === 'object') visit(item, `${name}/${index}`);
        else (values[name] ??= []).push(String(item));
      });
      return;
    }
    if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(inner, `${name}/${key}`);
      return;
    }
    (values[name] ??= []).push(String(value));
  };
  visit(details, prefix);
  return values;
}

/**
 * How many rows each list shows for these values: one per row filled, at
 * least what the field asks for by default.
 */
export function rowsFor(fields: FieldDescriptor[], values: FormValues): FieldDescriptor[] {
  const names = Object.keys(values);
  return withRows(fields, (field) => {
    let filled = 0;
    const rowPattern = new RegExp(`^${escape(field.name)}/(\\d+)/`);
    for (const name of names) {
      const row = rowPattern.exec(name)?.[1];
      if (row !== undefined) filled = Math.max(filled, Number(row) + 1);
    }
    return Math.max(filled, field.rows ?? 1);
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
