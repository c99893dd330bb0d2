import { describe, expect, it } from 'vitest';
import {
  actionBody,
  fieldsOf,
  formFieldOf,
  readCatalogueForm,
} from '../src/lib/integrations/catalogue-form.js';

/** A form as the catalogue page posts it. */
function formOf(entries: [string, string][]): FormData {
  const form = new FormData();
  for (const [name, value] of entries) form.append(name, value);
  return form;
}

const NOT_A_NUMBER = 'not a number';

describe('the catalogue form', () => {
  it('reads defaults, kept actions and a new one; leaves out removed and blank ones', () => {
    const read = readCatalogueForm(
      formOf([
        ['defaults', 'tap-water'],
        ['defaults', 'stop-pub'],
        ['count', '2'],
        ['actions.0.id', 'repair-cafe'],
        ['actions.0.titleFr', 'Réparer'],
        ['actions.0.titleEn', 'Repair'],
        ['actions.0.co2e', '36,5'],
        ['actions.0.source', 'Our log'],
        ['actions.0.category', 'waste'],
        ['actions.1.id', 'gone'],
        ['actions.1.remove', '1'],
        ['new.id', 'swap-shop'],
        ['new.titleFr', 'Troquer'],
        ['new.titleEn', 'Swap'],
      ]),
      NOT_A_NUMBER,
    );
    expect(read.defaults).toEqual(['tap-water', 'stop-pub']);
    expect(read.actions.map((a) => a.key)).toEqual(['actions.0', 'new']);
    expect(read.errors).toEqual({});
    expect(actionBody(read.actions[0]!.fields)).toEqual({
      id: 'repair-cafe',
      title: { fr: 'Réparer', en: 'Repair' },
      category: 'waste',
      co2eKgPerYear: 36.5,
      source: 'Our log',
    });
    expect(actionBody(read.actions[1]!.fields)).toEqual({
      id: 'swap-shop',
      title: { fr: 'Troquer', en: 'Swap' },
    });

    const blank = readCatalogueForm(
      formOf([
        ['count', '0'],
        ['new.id', '  '],
      ]),
      NOT_A_NUMBER,
    );
    expect(blank.actions).toEqual([]);
  });

  it('refuses a figure that is not a number before asking the API', () => {
    const read = readCatalogueForm(
      formOf([
        ['count', '1'],
        ['actions.0.id', 'a'],
        ['actions.0.co2e', 'beaucoup'],
      ]),
      NOT_A_NUMBER,
    );
    expect(read.errors).toEqual({ 'actions.0.co2e': NOT_A_NUMBER });
  });

  it("names the form's field for each API error path, across removed rows", () => {
    // Rows 0 and 2 were kept, row 1 removed, then the new one: the API numbers them 0, 1, 2.
    const keys = ['actions.0', 'actions.2', 'new'];
    expect(formFieldOf('actions/1/id', keys)).toBe('actions.2.id');
    expect(formFieldOf('actions/2/title/en', keys)).toBe('new.titleEn');
    expect(formFieldOf('actions/0/co2eKgPerYear', keys)).toBe('actions.0.co2e');
    expect(formFieldOf('actions/0', keys)).toBe('actions.0.source');
    expect(formFieldOf('actions/9/id', keys)).toBe('form');
    expect(formFieldOf('defaults/0', keys)).toBe('defaults');
    expect(formFieldOf('', keys)).toBe('form');
  });

  it('gives back the fields of an action the API answered', () => {
    expect(
      fieldsOf({ id: 'x', title: { fr: 'X', en: 'Y' }, co2eKgPerYear: 0, source: 'S' }),
    ).toEqual({ id: 'x', titleFr: 'X', titleEn: 'Y', category: '', co2e: '0', source: 'S' });
  });
});
