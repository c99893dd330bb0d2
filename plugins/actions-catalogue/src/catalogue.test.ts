import { describe, expect, it } from 'vitest';
import {
  actionsCatalogue,
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
