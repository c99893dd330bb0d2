import { describe, expect, it } from 'vitest';
import { readSchemaForm, type JsonSchema } from '../src/lib/forms/schema-form.js';
import {
  contributionFields,
  readingFields,
  rowsFor,
  valuesOfDetails,
} from '../src/lib/me/contribution-form.js';
import { fieldErrors } from '../src/lib/server/form-errors.js';
import { safeNext } from '../src/lib/server/paths.js';

/** The commute plugin's contribution schema, as `GET /api/action-types` serves it. */
const commute: JsonSchema = {
  type: 'object',
  properties: {
    date: { type: 'string', format: 'date' },
    trips: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        properties: {
          mode: { type: 'string', enum: ['bus', 'bike', 'carpool'] },
          km: { type: 'number', exclusiveMinimum: 0, maximum: 1500 },
          occupants: { type: 'integer', minimum: 2, maximum: 9 },
        },
        required: ['mode', 'km'],
      },
    },
  },
  required: ['trips'],
};

function formOf(values: Record<string, string[]>): FormData {
  const form = new FormData();
  for (const [name, list] of Object.entries(values)) for (const v of list) form.append(name, v);
  return form;
}

describe('safeNext: where signing in may send someone', () => {
  it('keeps a path of this site, with its query and hash', () => {
    expect(safeNext('/me')).toBe('/me');
    expect(safeNext('/o/clichy?x=1#top')).toBe('/o/clichy?x=1#top');
    expect(safeNext('/c/abc/../def')).toBe('/c/def');
  });

  it.each([
    ['another site', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/path'],
    ['a backslash trick', '/\\evil.example'],
    ['a backslash inside', '/x\\..\\\\evil.example'],
    ['a scheme', 'javascript:alert(1)'],
    ['a relative path', 'me'],
    ['a control character', '/me\n//evil.example'],
    ['a tab', '/\t/evil.example'],
    ['nothing', ''],
    ['not a string', 42],
    ['too long', `/${'a'.repeat(600)}`],
  ])('refuses %s', (_what, value) => {
    expect(safeNext(value)).toBeNull();
  });
});

describe('contribution forms', () => {
  it('fills a correction from the details recorded, and reads them back the same', () => {
    const details = {
      date: '2026-12-03',
      trips: [
        { mode: 'bike', km: 12 },
        { mode: 'carpool', km: 30, occupants: 3 },
      ],
    };
    const values = valuesOfDetails(details);
    expect(values).toEqual({
      'details/date': ['2026-12-03'],
      'details/trips/0/mode': ['bike'],
      'details/trips/0/km': ['12'],
      'details/trips/1/mode': ['carpool'],
      'details/trips/1/km': ['30'],
      'details/trips/1/occupants': ['3'],
    });
    // The form shows as many rows as were recorded.
    const shown = rowsFor(contributionFields(commute), values);
    expect(shown.find((field) => field.key === 'trips')?.rows).toBe(2);
    // What the form posts back is read into the same details.
    const read = readSchemaForm(readingFields(commute), formOf(values));
    expect(read).toEqual({ ok: true, value: details });
  });

  it('reads every row a visitor filled, and drops blank ones', () => {
    const read = readSchemaForm(
      readingFields(commute),
      formOf({
        'details/trips/0/mode': ['bus'],
        'details/trips/0/km': ['4,5'],
        'details/trips/1/mode': [''],
        'details/trips/1/km': [''],
        'details/trips/7/mode': ['bike'],
        'details/trips/7/km': ['3'],
      }),
    );
    expect(read).toEqual({
      ok: true,
      value: {
        trips: [
          { mode: 'bus', km: 4.5 },
          { mode: 'bike', km: 3 },
        ],
      },
    });
  });

  it('refuses a wrong value next to its field', () => {
    const read = readSchemaForm(
      readingFields(commute),
      formOf({ 'details/trips/0/mode': ['bike'], 'details/trips/0/km': ['-3'] }),
    );
    expect(read.ok).toBe(false);
    if (!read.ok) expect(Object.keys(read.errors)).toEqual(['details/trips/0/km']);
  });
});

describe('fieldErrors: the API’s refusals by field', () => {
  it('names the field the API names, whatever its prefix', () => {
    expect(
      fieldErrors({
        error: 'TANDEM_REQUEST_INVALID',
        message: 'postcode must match',
        details: [
          { path: '/postcode', message: 'must match pattern' },
          { path: 'body/displayName', message: 'must not hold control characters' },
        ],
      }),
    ).toEqual({
      postcode: 'must match pattern',
      displayName: 'must not hold control characters',
    });
  });

  it('puts an error naming no field at the top of the form', () => {
    expect(fieldErrors({ error: 'TANDEM_AUTH_FORBIDDEN', message: 'No.' })).toEqual({
      form: 'No.',
    });
  });
});
