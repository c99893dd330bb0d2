import { env } from '$env/dynamic/private';

/** Whom people write to about their data or accessibility; set by the operator (`TANDEM_CONTACT_EMAIL`). */
export function contactEmail(): string | null {
  const value = env['TANDEM_CONTACT_EMAIL']?.trim();
  return value && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(value) ? value : null;
}

/**
 * The fewest distinct people a map cell must hold to be shown: the same
 * setting the API's map reads (`TANDEM_MAP_MIN_COUNT`, default 11, as INSEE).
 */
export function mapMinCount(): number {
  const value = Number(env['TANDEM_MAP_MIN_COUNT'] ?? '11');
  return Number.isInteger(value) && value >= 1 ? value : 11;
}
