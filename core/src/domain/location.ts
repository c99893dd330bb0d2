import { invalid } from '../errors.js';
import { cellId, finestCellOf } from './grid.js';
import type { GeoPoint } from './types.js';

/**
 * Checks a point as a request gives it: `lat` in [-90, 90] and `lon` in
 * [-180, 180], both finite numbers. Throws `TANDEM_REQUEST_INVALID` naming
 * the field, e.g. `location/lat`.
 *
 * @param path where the point sits in the request.
 */
export function validateLocation(location: GeoPoint, path = 'location'): void {
  if (typeof location !== 'object' || location === null) {
    throw invalid(path, 'must be { lat, lon }');
  }
  const { lat, lon } = location;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    throw invalid(`${path}/lat`, 'must be a number from -90 to 90');
  }
  if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) {
    throw invalid(`${path}/lon`, 'must be a number from -180 to 180');
  }
}

function round2(degrees: number): number {
  const rounded = Math.round(degrees * 100) / 100;
  return rounded === 0 ? 0 : rounded; // no -0 in stored or published data
}

/**
 * A location made coarse before it is stored: both coordinates rounded to
 * two decimals, about 1 km, because a participant's location is personal
 * data and the map only ever shows aggregated cells. Throws like
 * {@link validateLocation} on a point that is not on the globe, so nothing
 * unusable is ever stored.
 *
 * @example coarsen({ lat: 48.90431, lon: 2.30587 }) // { lat: 48.9, lon: 2.31 }
 */
export function coarsen(location: GeoPoint): GeoPoint {
  validateLocation(location);
  return { lat: round2(location.lat), lon: round2(location.lon) };
}

/** A pledge's location as a request gives it: a postcode, a point, or both. */
export interface LocationInput {
  postcode?: string;
  lat?: number;
  lon?: number;
}

/** A location read once at the edge: a French postcode and/or a point. */
export interface ParsedLocation {
  postcode: string | null;
  point: GeoPoint | null;
}

const POSTCODE = /^\d{5}$/;

/**
 * Reads a pledge's location: at least a postcode (five digits) or both
 * `lat` and `lon`. Throws `TANDEM_REQUEST_INVALID` naming the field.
 *
 * @example parseLocation({ postcode: '92110' }) // { postcode: '92110', point: null }
 */
export function parseLocation(input: LocationInput, path = 'location'): ParsedLocation {
  if (typeof input !== 'object' || input === null) {
    throw invalid(path, 'must be { postcode } or { lat, lon }');
  }
  let postcode: string | null = null;
  if (input.postcode !== undefined) {
    if (typeof input.postcode !== 'string' || !POSTCODE.test(input.postcode)) {
      throw invalid(`${path}/postcode`, 'must be a French postcode, five digits');
    }
    postcode = input.postcode;
  }
  let point: GeoPoint | null = null;
  if (input.lat !== undefined || input.lon !== undefined) {
    if (input.lat === undefined) throw invalid(`${path}/lat`, 'is required with lon');
    if (input.lon === undefined) throw invalid(`${path}/lon`, 'is required with lat');
    point = { lat: input.lat, lon: input.lon };
    validateLocation(point, path);
  }
  if (!postcode && !point) throw invalid(path, 'needs a postcode or both lat and lon');
  return { postcode, point };
}

/**
 * The name of the finest map cell (200 m) holding a point: all that is
 * kept of a point (docs/privacy.md). Throws naming `path` for the one
 * point no cell holds, the antipode of the grid's centre (52°S 170°W).
 *
 * @example mapCellOf({ lat: 48.9043, lon: 2.3059 }) // '200mN…E…'
 */
export function mapCellOf(point: GeoPoint, path = 'location'): string {
  validateLocation(point, path);
  const cell = finestCellOf(point);
  if (!cell) throw invalid(path, 'lies at the antipode of the map grid, where no cell is defined');
  return cellId(cell);
}
