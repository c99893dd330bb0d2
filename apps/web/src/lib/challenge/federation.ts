/**
 * A federated challenge as the pages read it: each organization's share of
 * the shared counter, and the partners the owner invited. Parsed once from
 * the API's answers (and from the live stream, which the browser does not
 * trust more than the server does). Pure functions: the server loads, the
 * live updates and tests share them.
 */

/** One organization's share of a federated challenge. */
export interface Share {
  /** The organization's slug. */
  organization: string;
  name: string;
  participants: number;
  quantity: number;
  co2eKg: number;
}

/** Where a partner's pledges may come from: everyone, its members, or some e-mail domains. */
export type Audience =
  { type: 'public' } | { type: 'members' } | { type: 'email-domain'; domains: string[] };

/** Where a partner stands with a challenge. */
export type PartnerStatus = 'invited' | 'accepted' | 'declined' | 'left';

/** A partner of a federated challenge, as its owner and the partner's admins read it. */
export interface Partner {
  organization: string;
  name: string;
  status: PartnerStatus;
  audience: Audience | null;
  invitedAt: string | null;
  decidedAt: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * The shares of a challenge answer or a `progress` event, ranked by
 * participants then name (as the API ranks them; sorted again here so a
 * live update never shows a stale order). Anything malformed is left out.
 */
export function parseShares(value: unknown): Share[] {
  if (!Array.isArray(value)) return [];
  const shares: Share[] = [];
  for (const item of value) {
    if (!isRecord(item)) continue;
    const organization = text(item['organization']);
    if (!organization) continue;
    shares.push({
      organization,
      name: text(item['name']) ?? organization,
      participants: count(item['participants']),
      quantity: count(item['quantity']),
      co2eKg: count(item['co2eKg']),
    });
  }
  return rankShares(shares);
}

/** Shares by participants (most first), then quantity, then name. */
export function rankShares(shares: readonly Share[]): Share[] {
  return [...shares].sort(
    (a, b) =>
      b.participants - a.participants ||
      b.quantity - a.quantity ||
      a.name.localeCompare(b.name) ||
      a.organization.localeCompare(b.organization),
  );
}

/** An audience as the API writes it, or null when it says none or something unknown. */
export function parseAudience(value: unknown): Audience | null {
  if (!isRecord(value)) return null;
  switch (value['type']) {
    case 'public':
      return { type: 'public' };
    case 'members':
      return { type: 'members' };
    case 'email-domain': {
      const domains = Array.isArray(value['domains'])
        ? value['domains'].filter((d): d is string => typeof d === 'string' && d !== '')
        : [];
      return { type: 'email-domain', domains };
    }
    default:
      return null;
  }
}

const STATUSES: readonly PartnerStatus[] = ['invited', 'accepted', 'declined', 'left'];

/** One partner from `GET /api/challenges/{id}/partners`, or null when malformed. */
export function parsePartner(value: unknown): Partner | null {
  if (!isRecord(value)) return null;
  const organization = text(value['organization']);
  const status = STATUSES.find((s) => s === value['status']);
  if (!organization || !status) return null;
  return {
    organization,
    name: text(value['name']) ?? organization,
    status,
    audience: parseAudience(value['audience']),
    invitedAt: text(value['invitedAt']),
    decidedAt: text(value['decidedAt']),
  };
}

/** The partners of a `{items}` answer (or a bare list), malformed ones left out. */
export function parsePartners(value: unknown): Partner[] {
  const items = isRecord(value) ? value['items'] : value;
  if (!Array.isArray(items)) return [];
  return items.map(parsePartner).filter((p): p is Partner => p !== null);
}

/**
 * The audience an admin chose in the decision form: `public`, `members`, or
 * `email-domain` with domains separated by commas, spaces or new lines.
 * Gives the problem to show when the domains are missing or malformed.
 */
export function readAudience(
  type: unknown,
  domains: unknown,
): { ok: true; value: Audience } | { ok: false; problem: 'domains-missing' | 'domain-invalid' } {
  if (type === 'members') return { ok: true, value: { type: 'members' } };
  if (type !== 'email-domain') return { ok: true, value: { type: 'public' } };
  const list = (typeof domains === 'string' ? domains : '')
    .split(/[\s,;]+/)
    .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
    .filter((d) => d !== '');
  if (list.length === 0) return { ok: false, problem: 'domains-missing' };
  const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
  if (!list.every((d) => DOMAIN.test(d))) return { ok: false, problem: 'domain-invalid' };
  return { ok: true, value: { type: 'email-domain', domains: [...new Set(list)] } };
}

/**
 * The challenge id in what an admin pasted: the id itself, a challenge's
 * public address (`…/c/{id}`), or an invitation link (`…?challenge={id}`).
 */
export function challengeIdIn(pasted: string | null): string | null {
  const value = (pasted ?? '').trim();
  if (!value) return null;
  const found =
    /[?&]challenge=([\w-]{1,64})(?:[&#]|$)/.exec(value)?.[1] ??
    /\/c\/([\w-]{1,64})(?:[/?#]|$)/.exec(value)?.[1] ??
    (/^[\w-]{1,64}$/.test(value) ? value : null);
  return found ?? null;
}
