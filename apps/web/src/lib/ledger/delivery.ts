/**
 * What pages show of a tier's delivery (ADR 0035): the same few fields,
 * whether they come from a challenge's tier or from a line of an
 * organization's ledger. Pure functions, shared by the public pages and the
 * console.
 */
import { getLocale } from '$lib/paraglide/runtime';
import { formatNumber } from '$lib/format';

/** A proof as the pages link to it. */
export interface DeliveryProof {
  text: string | null;
  url: string | null;
  file: { url: string; contentType: string; size: number; sha256: string } | null;
}

/** One tier's delivery, as the API tells it. */
export interface Delivery {
  unlockedAt: string | null;
  deliverBy: string | null;
  overdue: boolean;
  fulfilledAt: string | null;
  /** The organization that declared it, by name. */
  fulfilledBy: string | null;
  /** Who declared it: only in the console, for that organization's admins. */
  person: string | null;
  receivedAt: string | null;
  proof: DeliveryProof | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A proof from the API's answer; a file link only to the API's own file route. */
export function parseProof(value: unknown): DeliveryProof | null {
  if (!isRecord(value)) return null;
  const file = isRecord(value['file']) ? value['file'] : null;
  const fileUrl = file ? text(file['url']) : null;
  return {
    text: text(value['text']),
    url: text(value['url']),
    file:
      file && fileUrl && fileUrl.startsWith('/api/files/')
        ? {
            url: fileUrl,
            contentType: text(file['contentType']) ?? '',
            size: typeof file['size'] === 'number' ? file['size'] : 0,
            sha256: text(file['sha256']) ?? '',
          }
        : null,
  };
}

/**
 * A delivery from a challenge's tier (`fulfilledByName`) or a ledger line
 * (`fulfilledBy: {name, person?}`).
 */
export function parseDelivery(tier: Record<string, unknown>): Delivery {
  const by = tier['fulfilledBy'];
  return {
    unlockedAt: text(tier['unlockedAt']),
    deliverBy: text(tier['deliverBy']),
    overdue: tier['overdue'] === true,
    fulfilledAt: text(tier['fulfilledAt']),
    fulfilledBy: isRecord(by) ? text(by['name']) : text(tier['fulfilledByName']),
    person: isRecord(by) ? text(by['person']) : null,
    receivedAt: text(tier['receivedAt']),
    proof: parseProof(tier['proof']),
  };
}

/** A day in the page's language ("3 mars 2027"). */
export function formatDay(at: string): string {
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(at),
  );
}

/** A file's size in the page's language ("12 ko", "1,2 Mo"). */
export function formatSize(bytes: number): string {
  const french = getLocale() === 'fr';
  if (bytes < 1024 * 1024) {
    return `${formatNumber(Math.max(1, Math.round(bytes / 1024)), 0)} ${french ? 'ko' : 'kB'}`;
  }
  return `${formatNumber(bytes / (1024 * 1024), 1)} ${french ? 'Mo' : 'MB'}`;
}

/** A media type as people name it. */
export function fileKind(contentType: string): string {
  if (contentType === 'application/pdf') return 'PDF';
  if (contentType === 'image/png') return 'PNG';
  if (contentType === 'image/jpeg') return 'JPEG';
  return contentType;
}
