import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { coarsen, validateLocation } from './location.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

describe('coarsen', () => {
  it('given a precise point in Clichy, when coarsened, then two decimals remain', () => {
    expect(coarsen({ lat: 48.90431, lon: 2.30587 })).toEqual({ lat: 48.9, lon: 2.31 });
  });

  it('given a point just south-west of 0,0, when coarsened, then it reads 0, not -0', () => {
    const point = coarsen({ lat: -0.001, lon: -0.004 });
    expect(Object.is(point.lat, 0)).toBe(true);
    expect(Object.is(point.lon, 0)).toBe(true);
  });

  it('given a point off the globe, when coarsened, then it is refused rather than stored', () => {
    expect(() => coarsen({ lat: 91, lon: 0 })).toThrow(invalidAt('location/lat'));
  });

  const points = fc.record({
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    lon: fc.double({ min: -180, max: 180, noNaN: true }),
  });

  it('moves a point by at most half a hundredth of a degree, keeps it on the globe, and is stable', () => {
    fc.assert(
      fc.property(points, (point) => {
        const coarse = coarsen(point);
        expect(Math.abs(coarse.lat - point.lat)).toBeLessThanOrEqual(0.005 + 1e-9);
        expect(Math.abs(coarse.lon - point.lon)).toBeLessThanOrEqual(0.005 + 1e-9);
        expect(Math.round(coarse.lat * 100)).toBeCloseTo(coarse.lat * 100, 6);
        expect(() => validateLocation(coarse, 'location')).not.toThrow();
        expect(coarsen(coarse)).toEqual(coarse);
      }),
    );
  });
});

describe('validateLocation', () => {
  it('given the poles and the antimeridian, when validated, then they pass', () => {
    expect(() => validateLocation({ lat: 90, lon: 180 }, 'location')).not.toThrow();
    expect(() => validateLocation({ lat: -90, lon: -180 }, 'location')).not.toThrow();
  });

  it('given a latitude or longitude out of range or not finite, when validated, then names it under the path', () => {
    expect(() => validateLocation({ lat: -90.01, lon: 0 }, 'pledge/location')).toThrow(
      invalidAt('pledge/location/lat'),
    );
    expect(() => validateLocation({ lat: 0, lon: 180.5 }, 'location')).toThrow(
      invalidAt('location/lon'),
    );
    expect(() => validateLocation({ lat: Number.NaN, lon: 0 }, 'location')).toThrow(
      invalidAt('location/lat'),
    );
    expect(() => validateLocation({ lat: 0, lon: Infinity }, 'location')).toThrow(
      invalidAt('location/lon'),
    );
  });
});
