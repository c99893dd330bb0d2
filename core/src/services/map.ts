import {
  cellId,
  cellRangeOf,
  cellRing,
  levelForZoom,
  ringMeets,
  WORLD,
  type BBox,
} from '../domain/grid.js';
import { publishedCount } from '../domain/disclosure.js';
import { invalid, notFound } from '../errors.js';
import { communeByCode, communeOfPostcode } from '../store/communes.js';
import {
  readFeed,
  readMapCells,
  readPlaces,
  type ChallengeAccessRow,
  type FeedRow,
} from '../store/map.js';
import { assertCanSee, hasRole } from './access.js';
import type { Audience, ServiceContext, Viewer } from './context.js';

/** Most features one map answer holds; a larger one is refused, naming `bbox`. */
export const MAX_MAP_FEATURES = 5000;

/** The map's answer: a GeoJSON FeatureCollection of cells. */
export interface MapAnswer {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    geometry: { type: 'Polygon'; coordinates: [number, number][][] };
    properties: { count: number; cell: string; level: number };
  }[];
}

/** Whether the answer may sit in shared caches: not when only members may see it. */
export interface Visibility {
  isPublic: boolean;
}

/** The rule of `GET /api/challenges/{id}`: a draft is a 404 but to agents; members-only is 401/403. */
function assertVisible(
  viewer: Viewer,
  id: string,
  access: ChallengeAccessRow | undefined,
): Visibility {
  if (!access) throw notFound('challenge', id);
  if (access.status === 'draft' && !hasRole(viewer, access.organizationId, 'agent')) {
    throw notFound('challenge', id);
  }
  const audience = access.audience as Audience;
  assertCanSee(viewer, access.organizationId, audience);
  return { isPublic: audience.type !== 'members' && access.status !== 'draft' };
}

/**
 * `GET /api/challenges/{id}/map`: the cells of the grid level `zoom` shows
 * that meet `bbox` and hold at least `TANDEM_MAP_MIN_COUNT` people, each
 * with its count as published (docs/privacy.md).
 *
 * @throws TandemError `TANDEM_REQUEST_INVALID` on `bbox` when more than
 *   {@link MAX_MAP_FEATURES} cells would be returned
 */
export async function getMap(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  query: { bbox?: BBox; zoom?: number },
): Promise<{ answer: MapAnswer; visibility: Visibility }> {
  const bbox = query.bbox ?? WORLD;
  const zoom = query.zoom ?? 5;
  if (!Number.isInteger(zoom) || zoom < 0 || zoom > 20) {
    throw invalid('querystring/zoom', 'must be an integer from 0 to 20');
  }
  const level = levelForZoom(zoom);
  const minCount = ctx.config.mapMinCount;
  const read = await readMapCells(
    ctx.db,
    challengeId,
    cellRangeOf(bbox, level),
    minCount,
    MAX_MAP_FEATURES + 1,
  );
  const visibility = assertVisible(viewer, challengeId, read?.access);
  const cells = read?.cells ?? [];
  if (cells.length > MAX_MAP_FEATURES) {
    throw invalid(
      'querystring/bbox',
      `holds more than ${MAX_MAP_FEATURES} cells at zoom ${zoom}: ask for a smaller box or a lower zoom`,
    );
  }
  const features: MapAnswer['features'] = [];
  for (const stored of cells) {
    const cell = { level, x: stored.x, y: stored.y };
    const ring = cellRing(cell);
    if (!ringMeets(ring, bbox)) continue;
    const key = ctx.keyring.fingerprint(
      'map-cell',
      `${challengeId}:${level}:${stored.x}:${stored.y}:${stored.people}`,
    );
    const count = publishedCount(stored.people, minCount, key);
    if (count === null) continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { count, cell: cellId(cell), level },
    });
  }
  return { answer: { type: 'FeatureCollection', features }, visibility };
}

/** A commune's count as published: null under k. */
function placeCount(ctx: ServiceContext, challengeId: string, code: string, people: number) {
  const key = ctx.keyring.fingerprint('map-place', `${challengeId}:${code}:${people}`);
  return publishedCount(people, ctx.config.mapMinCount, key);
}

/**
 * `GET /api/challenges/{id}/places`: communes with at least k confirmed
 * pledges, with their published counts, biggest first.
 */
export async function getPlaces(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
): Promise<{
  answer: { places: { code: string; name: string; count: number }[] };
  visibility: Visibility;
}> {
  const read = await readPlaces(ctx.db, challengeId, ctx.config.mapMinCount);
  const visibility = assertVisible(viewer, challengeId, read?.access);
  const places = (read?.places ?? []).flatMap(({ code, people }) => {
    const count = placeCount(ctx, challengeId, code, people);
    const commune = communeByCode(code);
    return count === null || !commune ? [] : [{ code, name: commune.name, count }];
  });
  return { answer: { places }, visibility };
}

/**
 * `GET /api/challenges/{id}/places/{postcode}`: "N people near you" — the
 * commune of a postcode and its published count, null under k.
 *
 * @throws TandemError `TANDEM_REQUEST_INVALID` on `postcode` when no commune has it
 */
export async function getPlace(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  postcode: string,
): Promise<{
  answer: { code: string; name: string; count: number | null };
  visibility: Visibility;
}> {
  const commune = /^\d{5}$/.test(postcode) ? communeOfPostcode(postcode) : null;
  // Checked after the challenge: whoever may not see it learns nothing of postcodes either.
  const read = await readPlaces(ctx.db, challengeId, ctx.config.mapMinCount, commune?.code ?? '');
  const visibility = assertVisible(viewer, challengeId, read?.access);
  if (!commune) throw invalid('params/postcode', 'is no French postcode we know');
  const people = read?.places[0]?.people ?? 0;
  return {
    answer: {
      code: commune.code,
      name: commune.name,
      count: placeCount(ctx, challengeId, commune.code, people),
    },
    visibility,
  };
}

/** An item of the feed as the API gives it. */
export interface FeedItem {
  type: 'pledge' | 'contribution' | 'milestone' | 'unlocked';
  at: string;
  who?: string;
  person?: { name: string | null; place: string | null };
  quantity?: number;
  unit?: string;
  tierId?: string;
}

const FEED_TYPES: Record<string, FeedItem['type']> = {
  'pledge.confirmed': 'pledge',
  'contribution.recorded': 'contribution',
  'challenge.milestone': 'milestone',
  'challenge.unlocked': 'unlocked',
};

const HOUR_MS = 3_600_000;

/** "de Clichy", "d'Aubervilliers", "du Havre", "des Lilas". */
function frenchFrom(place: string): string {
  if (/^Le /.test(place)) return `du ${place.slice(3)}`;
  if (/^Les /.test(place)) return `des ${place.slice(4)}`;
  if (/^[AEIOUYÂÉÈÊÎÏÔH]/i.test(place)) return `d'${place}`;
  return `de ${place}`;
}

/**
 * How the feed names a person, as they chose: their name with their
 * commune, or "someone from" it, or their name alone; nothing when neither
 * is known.
 */
export function describePerson(
  person: { name: string | null; place: string | null },
  locale: 'fr' | 'en',
): string | undefined {
  const { name, place } = person;
  if (locale === 'en') {
    if (name && place) return `${name} from ${place}`;
    if (place) return `someone from ${place}`;
    return name ?? undefined;
  }
  if (name && place) return `${name}, ${frenchFrom(place)}`;
  if (place) return `quelqu'un ${frenchFrom(place)}`;
  return name ?? undefined;
}

function feedItem(row: FeedRow, unit: string | null, locale: 'fr' | 'en') {
  const type = FEED_TYPES[row.type];
  if (!type) return [];
  const at = new Date(Math.floor(row.createdAt.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const item: FeedItem = { type, at };
  if (type === 'pledge' || type === 'contribution') {
    const place = row.communeCode === null ? null : (communeByCode(row.communeCode)?.name ?? null);
    const person = { name: row.name, place };
    const who = describePerson(person, locale);
    if (who !== undefined) {
      item.who = who;
      item.person = person;
    }
  }
  if (type === 'contribution' && row.quantity !== null) {
    item.quantity = row.quantity;
    if (unit !== null) item.unit = unit;
  }
  if ((type === 'milestone' || type === 'unlocked') && row.tierId !== null)
    item.tierId = row.tierId;
  return [item];
}

/**
 * `GET /api/challenges/{id}/feed`: the newest pledges, contributions,
 * milestones and unlocks, the hour they happened (never the minute), with
 * people shown only as they chose and as they are now (a withdrawn pledge
 * leaves, an erased person is nobody).
 */
export async function getFeed(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  options: { limit?: number; locale?: 'fr' | 'en' },
): Promise<{ answer: { items: FeedItem[] }; visibility: Visibility }> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
    throw invalid('querystring/limit', 'must be an integer from 1 to 50');
  }
  const read = await readFeed(ctx.db, challengeId, limit, ctx.config.mapMinCount);
  const visibility = assertVisible(viewer, challengeId, read?.access);
  const unit = read ? (ctx.registry.findActionType(read.actionType)?.unit ?? null) : null;
  const items = (read?.items ?? []).flatMap((row) => feedItem(row, unit, options.locale ?? 'fr'));
  return { answer: { items }, visibility };
}
