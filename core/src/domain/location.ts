import { invalid } from '../errors.js';
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
