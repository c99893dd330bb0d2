/**
 * Partners' API keys: made once, shown once, stored only as a hash, and
 * checked from the `Authorization: Basic base64(partnerId:key)` header that
 * LRS clients send.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new partner key: 32 random bytes, base64url, with a readable prefix. */
export function generatePartnerKey(): string {
  return `elk_${randomBytes(32).toString('base64url')}`;
}

/** Characters of a key the console shows, to tell keys apart: `elk_` and eight of its own. */
const PREFIX_LENGTH = 12;

/**
 * The start of a key, kept in clear so an admin can tell which key a
 * partner holds; eight base64url characters leave 2^208 guesses for the rest.
 *
 * @example
 * keyPrefix('elk_AbCdEfGh…'); // 'elk_AbCdEfGh'
 */
export function keyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** What is stored of a key: its SHA-256, so a database leak leaks no usable key. */
export function hashPartnerKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether `key` is the one whose hash is stored, in constant time. */
export function keyMatches(key: string, storedHash: string): boolean {
  const given = Buffer.from(hashPartnerKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** The user name and password of a Basic `Authorization` header; `null` when it is not one. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The `Authorization` header a partner's client sends, as `@xapi/xapi`'s
 * `toBasicAuth(partnerId, key)` makes it.
 *
 * @example
 * basicAuth('elp_…', 'elk_…'); // 'Basic ZWxwX…'
 */
export function basicAuth(partnerId: string, key: string): string {
  return `Basic ${Buffer.from(`${partnerId}:${key}`, 'utf8').toString('base64')}`;
}
