import type { RequestEvent } from '@sveltejs/kit';
import { apiFor } from './api';

/** One item of a challenge's feed (`GET /api/challenges/{id}/feed`). */
export interface FeedItem {
  type: 'pledge' | 'contribution' | 'milestone' | 'unlocked';
  at: string;
  who?: string;
  quantity?: number;
  unit?: string;
  tierId?: string;
}

/** A commune with its count (`GET /api/challenges/{id}/places`). */
export interface Place {
  code: string;
  name: string;
  count: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Parses feed items, dropping any of an unknown type. */
export function parseFeed(value: unknown): FeedItem[] {
  const items = isRecord(value) && Array.isArray(value['items']) ? value['items'] : [];
  const types = new Set(['pledge', 'contribution', 'milestone', 'unlocked']);
  return items.filter(
    (item): item is FeedItem =>
      isRecord(item) && types.has(String(item['type'])) && typeof item['at'] === 'string',
  );
}

/** A challenge's recent feed, newest first (empty when the route is not there). */
export async function loadFeed(event: RequestEvent, id: string, limit = 10): Promise<FeedItem[]> {
  const { data } = await apiFor(event).GET('/api/challenges/{id}/feed', {
    params: { path: { id }, query: { limit } },
  });
  return parseFeed(data ?? null);
}

const isPlace = (value: unknown): value is Place =>
  isRecord(value) &&
  typeof value['code'] === 'string' &&
  typeof value['name'] === 'string' &&
  typeof value['count'] === 'number';

/** Communes with at least k people, most first; null when the route is not there. */
export async function loadPlaces(event: RequestEvent, id: string): Promise<Place[] | null> {
  const { data: body } = await apiFor(event).GET('/api/challenges/{id}/places', {
    params: { path: { id } },
  });
  if (!isRecord(body) || !Array.isArray(body['places'])) return null;
  return body['places'].filter(isPlace).sort((a, b) => b.count - a.count);
}

/** "N people near you": the commune of a postcode with its count (null under k). */
export async function loadPlace(
  event: RequestEvent,
  id: string,
  postcode: string,
): Promise<{ name: string; count: number | null } | null> {
  if (!/^\d{5}$/.test(postcode)) return null;
  const { data: body } = await apiFor(event).GET('/api/challenges/{id}/places/{postcode}', {
    params: { path: { id, postcode } },
  });
  if (!isRecord(body) || typeof body['name'] !== 'string') return null;
  return { name: body['name'], count: typeof body['count'] === 'number' ? body['count'] : null };
}

/** The public organizations with their open challenges (`GET /api/organizations`). */
export interface PublicOrganization {
  slug: string;
  name: string;
  kind: string;
  branding: Branding;
  challenges: { id: string; title: string; status: string; progress: unknown }[];
}

/** An organization's look (`branding` on the organization's answer). */
export interface Branding {
  logoUrl: string | null;
  primaryColor: string | null;
  shortText: string | null;
}

/**
 * Branding from an answer, with only a safe colour (`#rrggbb`) and a logo
 * this site serves (`/api/files/…`, an upload). An https logo elsewhere is
 * left out: the pages' CSP loads images from this site only, so no visitor's
 * address goes to a third party (ADR 0031).
 */
export function parseBranding(value: unknown): Branding {
  const branding = isRecord(value) ? value : {};
  const logo = branding['logoUrl'];
  const colour = branding['primaryColor'];
  const text = branding['shortText'];
  return {
    logoUrl: typeof logo === 'string' && /^\/api\/files\/[\w-]+$/.test(logo) ? logo : null,
    primaryColor: typeof colour === 'string' && /^#[0-9a-fA-F]{6}$/.test(colour) ? colour : null,
    shortText: typeof text === 'string' && text.trim() ? text : null,
  };
}

/** The platform's public organizations (empty when the route is not there). */
export async function loadOrganizations(event: RequestEvent): Promise<PublicOrganization[]> {
  const { data: body } = await apiFor(event).GET('/api/organizations');
  const list = isRecord(body) && Array.isArray(body['organizations']) ? body['organizations'] : [];
  return list.filter(isRecord).map((org) => ({
    slug: String(org['slug']),
    name: String(org['name']),
    kind: String(org['kind']),
    branding: parseBranding(org['branding']),
    challenges: (Array.isArray(org['challenges']) ? org['challenges'] : [])
      .filter(isRecord)
      .map((c) => ({
        id: String(c['id']),
        title: String(c['title']),
        status: String(c['status']),
        progress: c['progress'],
      })),
  }));
}
