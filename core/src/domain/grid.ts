import { invalid } from '../errors.js';
import type { GeoPoint } from './types.js';

/**
 * The map's grid (docs/decisions/0026): square cells fixed in EPSG:3035
 * (ETRS89 / LAEA Europe, the projection of the INSEE and Eurostat gridded
 * statistics), arranged as a quadtree. A level-L cell is 200 m × 2^L wide
 * and holds exactly its four level-(L−1) children, so a count never
 * disagrees between zooms.
 *
 * A cell is named like the INSEE grid names its squares: its size, then
 * the projected coordinates of its south-west corner, e.g.
 * `200mN2890000E3760000` (level 0) or `1600mN2889600E3758400` (level 3).
 */

/** The finest cells, in metres. */
export const FINEST_CELL_METRES = 200;
/** The coarsest level: cells of 200 m × 2^13 ≈ 1,638 km. */
export const MAX_LEVEL = 13;
/** Zooms the map answers, as web maps count them. */
export const MAX_ZOOM = 20;

/** A projected point, in metres (EPSG:3035 easting and northing). */
export interface Projected {
  e: number;
  n: number;
}

/** A cell: its level and its column (`x`) and row (`y`) among that level's cells. */
export interface Cell {
  level: number;
  x: number;
  y: number;
}

// EPSG:3035: the GRS80 ellipsoid, centred on 52°N 10°E, false origin
// 4,321,000 m east, 3,210,000 m north. Formulas from IOGP Guidance Note 7-2,
// "Lambert Azimuthal Equal Area" (ellipsoidal forward and inverse).
const A = 6_378_137;
const F = 1 / 298.257222101;
const E2 = 2 * F - F * F;
const ECC = Math.sqrt(E2);
const LAT0 = (52 * Math.PI) / 180;
const LON0 = (10 * Math.PI) / 180;
const FALSE_EASTING = 4_321_000;
const FALSE_NORTHING = 3_210_000;

function q(sinPhi: number): number {
  const es = ECC * sinPhi;
  return (1 - E2) * (sinPhi / (1 - es * es) - (1 / (2 * ECC)) * Math.log((1 - es) / (1 + es)));
}

const Q_POLE = q(1);
const BETA0 = Math.asin(q(Math.sin(LAT0)) / Q_POLE);
const RQ = A * Math.sqrt(Q_POLE / 2);
const D = (A * Math.cos(LAT0)) / Math.sqrt(1 - E2 * Math.sin(LAT0) ** 2) / (RQ * Math.cos(BETA0));
const SIN_B0 = Math.sin(BETA0);
const COS_B0 = Math.cos(BETA0);
// Authalic latitude back to geodetic latitude (series in e²).
const E4 = E2 * E2;
const E6 = E4 * E2;
const LAT_C2 = E2 / 3 + (31 * E4) / 180 + (517 * E6) / 5040;
const LAT_C4 = (23 * E4) / 360 + (251 * E6) / 3780;
const LAT_C6 = (761 * E6) / 45360;

/**
 * Below this, a point is so close to the antipode of the projection's
 * centre (52°S 170°W, in the South Pacific) that its projected position
 * is not defined; {@link project} refuses it rather than inventing one.
 */
const ANTIPODE_EPSILON = 1e-12;

/**
 * Projects a point (degrees) to EPSG:3035 (metres). Defined on the whole
 * globe but the antipode of 52°N 10°E; outside Europe the cells stay exact
 * squares of the grid, only their outline on a lon/lat map grows skewed.
 *
 * @returns null at the antipode, where the projection has no value
 * @example project({ lat: 50, lon: 5 }) // { e: 3962799.45…, n: 2999718.85… }
 */
export function project(point: GeoPoint): Projected | null {
  const phi = (point.lat * Math.PI) / 180;
  const dLon = (point.lon * Math.PI) / 180 - LON0;
  const beta = Math.asin(Math.max(-1, Math.min(1, q(Math.sin(phi)) / Q_POLE)));
  const denominator = 1 + SIN_B0 * Math.sin(beta) + COS_B0 * Math.cos(beta) * Math.cos(dLon);
  if (denominator < ANTIPODE_EPSILON) return null;
  const b = RQ * Math.sqrt(2 / denominator);
  return {
    e: FALSE_EASTING + b * D * Math.cos(beta) * Math.sin(dLon),
    n:
      FALSE_NORTHING +
      (b / D) * (COS_B0 * Math.sin(beta) - SIN_B0 * Math.cos(beta) * Math.cos(dLon)),
  };
}

/**
 * The inverse of {@link project}: EPSG:3035 metres back to degrees, the
 * longitude normalised to [-180, 180].
 */
export function unproject(point: Projected): GeoPoint {
  const x = (point.e - FALSE_EASTING) / D;
  const y = D * (point.n - FALSE_NORTHING);
  const rho = Math.hypot(x, y);
  if (rho < 1e-9) return { lat: (LAT0 * 180) / Math.PI, lon: (LON0 * 180) / Math.PI };
  const c = 2 * Math.asin(Math.min(1, rho / (2 * RQ)));
  const sinC = Math.sin(c);
  const cosC = Math.cos(c);
  const betaPrime = Math.asin(Math.max(-1, Math.min(1, cosC * SIN_B0 + (y * sinC * COS_B0) / rho)));
  const lon =
    LON0 +
    Math.atan2((point.e - FALSE_EASTING) * sinC, D * rho * COS_B0 * cosC - D * y * SIN_B0 * sinC);
  const lat =
    betaPrime +
    LAT_C2 * Math.sin(2 * betaPrime) +
    LAT_C4 * Math.sin(4 * betaPrime) +
    LAT_C6 * Math.sin(6 * betaPrime);
  let lonDegrees = (lon * 180) / Math.PI;
  if (lonDegrees > 180) lonDegrees -= 360;
  if (lonDegrees < -180) lonDegrees += 360;
  return { lat: (lat * 180) / Math.PI, lon: lonDegrees };
}

/** A level's cell width in metres: 200 m × 2^level. */
export function cellSize(level: number): number {
  return FINEST_CELL_METRES * 2 ** level;
}

/**
 * The level-0 cell holding a point, or null at the antipode (see
 * {@link project}). Coarser cells derive from it by {@link ancestor}, in
 * integers, so that nesting never depends on floating point.
 */
export function finestCellOf(point: GeoPoint): Cell | null {
  const projected = project(point);
  if (!projected) return null;
  return {
    level: 0,
    x: Math.floor(projected.e / FINEST_CELL_METRES),
    y: Math.floor(projected.n / FINEST_CELL_METRES),
  };
}

/**
 * The cell at `level` that contains `cell` (a cell is its own ancestor at
 * its own level). An arithmetic shift is a floor division by 2^k, also for
 * the negative columns far west or south of the grid's origin.
 */
export function ancestor(cell: Cell, level: number): Cell {
  if (level < cell.level) throw new RangeError(`level ${level} is finer than ${cell.level}`);
  const shift = level - cell.level;
  return { level, x: cell.x >> shift, y: cell.y >> shift };
}

/** The four cells one level finer that tile `cell` exactly. */
export function childrenOf(cell: Cell): Cell[] {
  if (cell.level === 0) return [];
  const level = cell.level - 1;
  const x = cell.x * 2;
  const y = cell.y * 2;
  return [
    { level, x, y },
    { level, x: x + 1, y },
    { level, x, y: y + 1 },
    { level, x: x + 1, y: y + 1 },
  ];
}

/** The public name of a cell, e.g. `200mN2890000E3760000`. */
export function cellId(cell: Cell): string {
  const size = cellSize(cell.level);
  return `${size}mN${cell.y * size}E${cell.x * size}`;
}

const CELL_ID = /^(\d{3,7})mN(-?\d{1,9})E(-?\d{1,9})$/;

/**
 * Reads a name written by {@link cellId}; null when it is not one (a size
 * that is no level, a corner off the level's lattice).
 */
export function parseCellId(id: string): Cell | null {
  const match = CELL_ID.exec(id);
  if (!match) return null;
  const size = Number(match[1]);
  const level = Math.log2(size / FINEST_CELL_METRES);
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) return null;
  const north = Number(match[2]);
  const east = Number(match[3]);
  if (north % size !== 0 || east % size !== 0) return null;
  // `+ 0` turns a `-0` quotient into 0.
  return { level, x: east / size + 0, y: north / size + 0 };
}

/**
 * The cell's outline as a closed GeoJSON ring of [lon, lat] positions (its
 * four corners unprojected, counter-clockwise from the south-west), rounded
 * to 1e-6 degree (about 10 cm), which keeps answers small.
 */
export function cellRing(cell: Cell): [number, number][] {
  const size = cellSize(cell.level);
  const west = cell.x * size;
  const south = cell.y * size;
  const corners: Projected[] = [
    { e: west, n: south },
    { e: west + size, n: south },
    { e: west + size, n: south + size },
    { e: west, n: south + size },
  ];
  const ring = corners.map((corner): [number, number] => {
    const point = unproject(corner);
    return [round6(point.lon), round6(point.lat)];
  });
  const first = ring[0] as [number, number];
  ring.push([first[0], first[1]]);
  return ring;
}

function round6(value: number): number {
  const rounded = Math.round(value * 1e6) / 1e6;
  return rounded === 0 ? 0 : rounded;
}

/**
 * The grid level a web-map zoom shows: cells of about 64 screen pixels at
 * the latitude of France, so that a 1280 × 800 viewport shows at most
 * about 20 × 13 cells (a small answer) and a city keeps some shape at
 * street zooms. Zoom 15 and closer show the finest cells; zoom 2 and
 * farther the coarsest.
 *
 * @example levelForZoom(5) // 10 (205 km cells); levelForZoom(13) // 2 (800 m)
 */
export function levelForZoom(zoom: number): number {
  return Math.max(0, Math.min(MAX_LEVEL, 15 - zoom));
}

/** A lon/lat rectangle, in degrees: `minLon,minLat,maxLon,maxLat`. */
export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** The whole world, the map's default bbox. */
export const WORLD: BBox = { minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 };

/**
 * Reads `minLon,minLat,maxLon,maxLat`. Throws `TANDEM_REQUEST_INVALID`
 * naming `bbox` when it is not four finite numbers in range with the
 * minimums below the maximums (a box across the antimeridian is two
 * requests).
 */
export function parseBBox(text: string, path = 'bbox'): BBox {
  const parts = text.split(',');
  if (parts.length !== 4 || parts.some((part) => !/^\s*-?\d+(\.\d+)?\s*$/.test(part))) {
    throw invalid(path, 'must be minLon,minLat,maxLon,maxLat in degrees');
  }
  const [minLon, minLat, maxLon, maxLat] = parts.map(Number) as [number, number, number, number];
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) {
    throw invalid(path, 'longitudes must lie in [-180, 180] and latitudes in [-90, 90]');
  }
  if (minLon >= maxLon || minLat >= maxLat) {
    throw invalid(path, 'each minimum must be below its maximum');
  }
  return { minLon, minLat, maxLon, maxLat };
}

/** Inclusive ranges of columns and rows at one level; null bounds mean "all". */
export interface CellRange {
  level: number;
  x: [number, number] | null;
  y: [number, number] | null;
}

const ANTIPODE: GeoPoint = { lat: -52, lon: -170 };
const EDGE_SAMPLES = 64;

/**
 * The columns and rows at `level` that may hold cells meeting `bbox`: the
 * box's outline is projected (a lon/lat rectangle is curved in EPSG:3035;
 * a projection with no critical point takes its extremes on the outline),
 * widened by one cell against the curve between samples. A box holding the
 * antipode, where the projection runs off to infinity, selects all cells.
 */
export function cellRangeOf(bbox: BBox, level: number): CellRange {
  const holdsAntipode =
    bbox.minLon <= ANTIPODE.lon &&
    ANTIPODE.lon <= bbox.maxLon &&
    bbox.minLat <= ANTIPODE.lat &&
    ANTIPODE.lat <= bbox.maxLat;
  if (holdsAntipode) return { level, x: null, y: null };
  let minE = Infinity;
  let maxE = -Infinity;
  let minN = Infinity;
  let maxN = -Infinity;
  for (let i = 0; i <= EDGE_SAMPLES; i++) {
    const t = i / EDGE_SAMPLES;
    const lon = bbox.minLon + (bbox.maxLon - bbox.minLon) * t;
    const lat = bbox.minLat + (bbox.maxLat - bbox.minLat) * t;
    for (const point of [
      { lat: bbox.minLat, lon },
      { lat: bbox.maxLat, lon },
      { lat, lon: bbox.minLon },
      { lat, lon: bbox.maxLon },
    ]) {
      const projected = project(point);
      if (!projected) return { level, x: null, y: null };
      minE = Math.min(minE, projected.e);
      maxE = Math.max(maxE, projected.e);
      minN = Math.min(minN, projected.n);
      maxN = Math.max(maxN, projected.n);
    }
  }
  const size = cellSize(level);
  return {
    level,
    x: [Math.floor(minE / size) - 1, Math.floor(maxE / size) + 1],
    y: [Math.floor(minN / size) - 1, Math.floor(maxN / size) + 1],
  };
}

/**
 * Whether a cell's outline, as a lon/lat rectangle around its corners,
 * meets `bbox`: the last, exact cut after {@link cellRangeOf}'s wide one.
 */
export function ringMeets(ring: readonly [number, number][], bbox: BBox): boolean {
  let minLon = Infinity;
  let maxLon = -Infinity;
  let minLat = Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of ring) {
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  return (
    minLon <= bbox.maxLon && maxLon >= bbox.minLon && minLat <= bbox.maxLat && maxLat >= bbox.minLat
  );
}
