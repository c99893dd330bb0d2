import { describe, expect, it } from 'vitest';
import {
  actionsCatalogue,
  CATALOGUE_FACTORS,
  defaultCatalogue,
  findCatalogueProblem,
  pickDelta,
  pickedActions,
  PICK_SLOTS,
  slotOf,
} from './index.js';

describe('the default catalogue', () => {
  it('is valid settings for the action type, with distinct ids', () => {
    expect(() =>
      actionsCatalogue.validateSettings(structuredClone(defaultCatalogue)),
    ).not.toThrow();
    expect(findCatalogueProblem(defaultCatalogue)).toBeNull();
    expect(defaultCatalogue.actions.length).toBeGreaterThanOrEqual(12);
  });

  it('gives every estimate an ADEME source with a year, and covers home and work', () => {
    for (const action of defaultCatalogue.actions) {
      if (action.co2eKgPerYear === undefined) continue;
      expect(action.source, action.id).toMatch(/ADEME/);
      expect(action.source, action.id).toMatch(/\b(19|20)\d\d\b/);
    }
    const categories = new Set(defaultCatalogue.actions.map((a) => a.category));
    expect(categories).toContain('work');
    expect(categories).toContain('home');
    expect(defaultCatalogue.actions.some((a) => a.co2eKgPerYear === undefined)).toBe(true);
  });
});

describe('the declared estimates (ADR 0045)', () => {
  const measure = (settings: unknown, action: string) =>
    actionsCatalogue.measure({
      details: { action },
      settings: actionsCatalogue.validateSettings(structuredClone(settings)),
      pledge: null,
      occurredAt: new Date('2026-03-02T10:00:00Z'),
    });

  it('declares every sourced estimate of the default catalogue, with its dataset and release', () => {
    const sourced = defaultCatalogue.actions.filter((a) => a.co2eKgPerYear !== undefined);
    expect(CATALOGUE_FACTORS.map((f) => f.key)).toEqual(sourced.map((a) => a.id));
    for (const factor of CATALOGUE_FACTORS) {
      expect(factor.unit).toBe('kg CO2e / year');
      expect(factor.versionDate, factor.key).toMatch(/^(19|20)\d\d/);
      expect(factor.datasetId.length, factor.key).toBeGreaterThan(5);
    }
    // The vegetarian meal names the release and the two entries it is computed from.
    expect(CATALOGUE_FACTORS.find((f) => f.key === 'vegetarian-meal-weekly')).toMatchObject({
      value: 55,
      versionDate: '2023',
      datasetId: expect.stringMatching(/20688.*20683/),
      note: expect.stringMatching(/Agribalyse 3\.2/),
    });
  });

  it('cites a default estimate taken unchanged, and nothing for an organization’s own figure', () => {
    const measured = measure(defaultCatalogue, 'vegetarian-meal-weekly');
    expect(measured.co2eKg).toBeCloseTo(55 / 365, 10);
    expect(measured.cites?.map((f) => f.key)).toEqual(['vegetarian-meal-weekly']);
    const own = {
      actions: defaultCatalogue.actions.map((a) =>
        a.id === 'vegetarian-meal-weekly'
          ? { ...a, co2eKgPerYear: 32, source: 'Our reading of Agribalyse 3.2 (2026)' }
          : a,
      ),
    };
    const ours = measure(own, 'vegetarian-meal-weekly');
    expect(ours.co2eKg).toBeCloseTo(32 / 365, 10);
    expect(ours.cites).toBeUndefined();
    expect(ours.source).toBe('Our reading of Agribalyse 3.2 (2026)');
  });
});

describe('findCatalogueProblem', () => {
  it('names the first id used twice', () => {
    const problem = findCatalogueProblem({
      actions: [{ id: 'a' }, { id: 'b' }, { id: 'a' }],
    });
    expect(problem).toContain('actions/2/id');
    expect(problem).toContain('"a"');
  });
});

describe('pick counters', () => {
  it('pickedActions keeps distinct string ids, sorted, and nothing else', () => {
    expect(pickedActions({ actions: ['b', 'a', 'b', 3] })).toEqual(['a', 'b']);
    expect(pickedActions(null)).toEqual([]);
    expect(pickedActions({})).toEqual([]);
  });

  it('pickDelta moves only what changed, in a stable order', () => {
    expect(pickDelta([], ['b', 'a'])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(pickDelta(['a', 'b'], ['b', 'c'])).toEqual([
      ['a', -1],
      ['c', 1],
    ]);
    expect(pickDelta(['a'], ['a'])).toEqual([]);
    expect(pickDelta(['a', 'b'], [])).toEqual([
      ['a', -1],
      ['b', -1],
    ]);
  });

  it('slotOf is stable and within range', () => {
    const slots = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const slot = slotOf(`plg_${i}`);
      expect(slot).toBe(slotOf(`plg_${i}`));
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(PICK_SLOTS);
      slots.add(slot);
    }
    // Spread over every slot, or the split would not spread the load.
    expect(slots.size).toBe(PICK_SLOTS);
  });
});
