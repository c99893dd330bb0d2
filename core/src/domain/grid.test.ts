import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ancestor,
  cellId,
  cellRangeOf,
  cellRing,
  cellSize,
  childrenOf,
  finestCellOf,
  levelForZoom,
  MAX_LEVEL,
  parseBBox,
  parseCellId,
  project,
  unproject,
  type Cell,
} from './grid.js';
import { mapCellOf, parseLocation } from './location.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

/** Points where people may pledge: Europe and the French overseas départements, widely. */
const points = fc.record({
  lat: fc.double({ min: -60, max: 85, noNaN: true }),
  lon: fc.double({ min: -179.999, max: 179.999, noNaN: true }),
});
const europe = fc.record({
  lat: fc.double({ min: 27, max: 71, noNaN: true }),
  lon: fc.double({ min: -25, max: 45, noNaN: true }),
});

describe('EPSG:3035 projection', () => {
  it('given the worked example of IOGP Guidance Note 7-2, when projected, then it matches to the centimetre', () => {
    const projected = project({ lat: 50, lon: 5 });
    expect(projected?.e).toBeCloseTo(3_962_799.45, 2);
    expect(projected?.n).toBeCloseTo(2_999_718.85, 2);
  });

  it('given the centre, when projected, then it is the false origin', () => {
    expect(project({ lat: 52, lon: 10 })).toEqual({ e: 4_321_000, n: 3_210_000 });
  });

  it('round-trips any point of Europe to within a millimetre', () => {
    fc.assert(
      fc.property(europe, (point) => {
        const projected = project(point);
        expect(projected).not.toBeNull();
        const back = unproject(projected!);
        expect(back.lat).toBeCloseTo(point.lat, 7);
        expect(back.lon).toBeCloseTo(point.lon, 7);
      }),
    );
  });

  it('round-trips points far outside the area of use too (Réunion, Guadeloupe, Nouméa)', () => {
    for (const point of [
      { lat: -21.1151, lon: 55.5364 },
      { lat: 16.265, lon: -61.551 },
      { lat: -22.2758, lon: 166.458 },
    ]) {
      const back = unproject(project(point)!);
      expect(back.lat).toBeCloseTo(point.lat, 6);
      expect(back.lon).toBeCloseTo(point.lon, 6);
    }
  });

  it('refuses the antipode of the centre, where the projection has no value', () => {
    expect(project({ lat: -52, lon: -170 })).toBeNull();
    expect(() => mapCellOf({ lat: -52, lon: -170 })).toThrow(invalidAt('location'));
  });
});

describe('the quadtree grid', () => {
  it('given any point, each level-(L+1) cell holding it is the parent of its level-L cell', () => {
    fc.assert(
      fc.property(points, (point) => {
        const finest = finestCellOf(point);
        expect(finest).not.toBeNull();
        for (let level = 0; level < MAX_LEVEL; level++) {
          const cell = ancestor(finest!, level);
          const parent = ancestor(finest!, level + 1);
          expect(ancestor(cell, level + 1)).toEqual(parent);
          expect(childrenOf(parent)).toContainEqual(cell);
          // The point lies inside its cell, in metres.
          const projected = project(point)!;
          const size = cellSize(level);
          expect(projected.e).toBeGreaterThanOrEqual(cell.x * size);
          expect(projected.e).toBeLessThan((cell.x + 1) * size);
          expect(projected.n).toBeGreaterThanOrEqual(cell.y * size);
          expect(projected.n).toBeLessThan((cell.y + 1) * size);
        }
      }),
      { numRuns: 300 },
    );
  });

  const cells = fc
    .record({
      level: fc.integer({ min: 1, max: MAX_LEVEL }),
      e: fc.integer({ min: 2_000_000, max: 7_000_000 }),
      n: fc.integer({ min: 1_000_000, max: 5_500_000 }),
    })
    .map(({ level, e, n }): Cell => {
      const size = cellSize(level);
      return { level, x: Math.floor(e / size), y: Math.floor(n / size) };
    });

  it("given any cell, its 4 children's outlines tile its own: same outer corners, shared inner ones", () => {
    fc.assert(
      fc.property(cells, (parent) => {
        const [sw, se, nw, ne] = childrenOf(parent).map(cellRing) as [
          [number, number][],
          [number, number][],
          [number, number][],
          [number, number][],
        ];
        const outer = cellRing(parent);
        // Corners in order SW, SE, NE, NW.
        expect(sw[0]).toEqual(outer[0]);
        expect(se[1]).toEqual(outer[1]);
        expect(ne[2]).toEqual(outer[2]);
        expect(nw[3]).toEqual(outer[3]);
        // The centre is every child's inner corner; the mid-edges are shared.
        expect(sw[2]).toEqual(se[3]);
        expect(sw[2]).toEqual(ne[0]);
        expect(sw[2]).toEqual(nw[1]);
        expect(sw[1]).toEqual(se[0]);
        expect(sw[3]).toEqual(nw[0]);
        expect(se[2]).toEqual(ne[1]);
        expect(nw[2]).toEqual(ne[3]);
        // Each child is a quarter of its parent in metres, so areas add up exactly.
        expect(cellSize(parent.level - 1) * 2).toBe(cellSize(parent.level));
      }),
    );
  });

  it('names cells as INSEE names its squares and reads the names back', () => {
    const clichy = finestCellOf({ lat: 48.9043, lon: 2.3059 })!;
    expect(cellId(clichy)).toMatch(/^200mN\d+E\d+$/);
    fc.assert(
      fc.property(cells, (cell) => {
        expect(parseCellId(cellId(cell))).toEqual(cell);
      }),
    );
    expect(parseCellId('300mN0E0')).toBeNull();
    expect(parseCellId('400mN200E0')).toBeNull();
    expect(parseCellId('200mN-200E-400')).toEqual({ level: 0, x: -2, y: -1 });
  });

  it('shows the finest cells from zoom 15, the coarsest up to zoom 2', () => {
    expect(levelForZoom(20)).toBe(0);
    expect(levelForZoom(15)).toBe(0);
    expect(levelForZoom(13)).toBe(2);
    expect(levelForZoom(5)).toBe(10);
    expect(levelForZoom(0)).toBe(MAX_LEVEL);
  });

  it('selects, for a box, a range of cells that holds every point of the box', () => {
    const bbox = { minLon: 2.2, minLat: 48.8, maxLon: 2.5, maxLat: 48.95 };
    const inside = fc.record({
      lat: fc.double({ min: bbox.minLat, max: bbox.maxLat, noNaN: true }),
      lon: fc.double({ min: bbox.minLon, max: bbox.maxLon, noNaN: true }),
    });
    for (const level of [0, 3, 8, MAX_LEVEL]) {
      const range = cellRangeOf(bbox, level);
      fc.assert(
        fc.property(inside, (point) => {
          const cell = ancestor(finestCellOf(point)!, level);
          expect(cell.x).toBeGreaterThanOrEqual(range.x![0]);
          expect(cell.x).toBeLessThanOrEqual(range.x![1]);
          expect(cell.y).toBeGreaterThanOrEqual(range.y![0]);
          expect(cell.y).toBeLessThanOrEqual(range.y![1]);
        }),
        { numRuns: 50 },
      );
    }
    // The whole world holds the antipode: no bounds.
    expect(cellRangeOf({ minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 }, 5)).toEqual({
      level: 5,
      x: null,
      y: null,
    });
  });
});

describe('parseBBox', () => {
  it('reads four numbers and refuses anything else, naming the field', () => {
    expect(parseBBox('2.2,48.8,2.5,48.95')).toEqual({
      minLon: 2.2,
      minLat: 48.8,
      maxLon: 2.5,
      maxLat: 48.95,
    });
    for (const bad of [
      '',
      '1,2,3',
      '1,2,3,4,5',
      'a,b,c,d',
      '2,48,1,49',
      '0,0,190,10',
      '1e3,0,2,1',
    ]) {
      expect(() => parseBBox(bad, 'querystring/bbox')).toThrow(invalidAt('querystring/bbox'));
    }
  });
});

describe('parseLocation', () => {
  it('takes a postcode, a point, or both, and names what is wrong', () => {
    expect(parseLocation({ postcode: '92110' })).toEqual({ postcode: '92110', point: null });
    expect(parseLocation({ lat: 48.9, lon: 2.3 })).toEqual({
      postcode: null,
      point: { lat: 48.9, lon: 2.3 },
    });
    expect(() => parseLocation({})).toThrow(invalidAt('location'));
    expect(() => parseLocation({ postcode: '9211' })).toThrow(invalidAt('location/postcode'));
    expect(() => parseLocation({ lat: 48.9 })).toThrow(invalidAt('location/lon'));
    expect(() => parseLocation({ lon: 2.3 })).toThrow(invalidAt('location/lat'));
  });
});
