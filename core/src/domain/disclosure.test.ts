import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_PERTURBATION, perturbation, publishedCount } from './disclosure.js';

const keys = fc.stringMatching(/^[0-9a-f]{64}$/);

describe('publishedCount', () => {
  it('publishes nothing under k, never less than k, and never more than the perturbation away', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 2, max: 50 }),
        keys,
        (people, k, key) => {
          const published = publishedCount(people, k, key);
          if (people < k) {
            expect(published).toBeNull();
            return;
          }
          expect(published).not.toBeNull();
          expect(published!).toBeGreaterThanOrEqual(k);
          expect(Math.abs(published! - people)).toBeLessThanOrEqual(MAX_PERTURBATION);
          // The same key, the same figure.
          expect(publishedCount(people, k, key)).toBe(published);
        },
      ),
    );
  });

  it('draws -2 … +2 from the table, 0 most often, each value actually used', () => {
    expect(perturbation('0000')).toBe(-2);
    expect(perturbation('1999')).toBe(-2);
    expect(perturbation('199a')).toBe(-1);
    expect(perturbation('8000')).toBe(0);
    expect(perturbation('e665')).toBe(1);
    expect(perturbation('ffff')).toBe(2);
    const seen = new Map<number, number>();
    for (let draw = 0; draw < 65_536; draw += 1) {
      const shift = perturbation(draw.toString(16).padStart(4, '0'));
      seen.set(shift, (seen.get(shift) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([-1, -2, 0, 1, 2]);
    expect(seen.get(0)! / 65_536).toBeCloseTo(0.4, 2);
    expect(seen.get(2)! / 65_536).toBeCloseTo(0.1, 2);
  });

  it('refuses a key that is not hexadecimal', () => {
    expect(() => perturbation('zzzz')).toThrow(TypeError);
  });
});
