import { invalid } from '../errors.js';

/**
 * An organization's branding as its pages show it (ADR 0030): a logo (an
 * https URL, or an uploaded file), a primary colour and a short text.
 */

/** The contrast WCAG 2.1 asks of normal text (success criterion 1.4.3, level AA). */
export const MIN_CONTRAST_WITH_WHITE = 4.5;

/** The longest logo URL taken. */
export const MAX_LOGO_URL_LENGTH = 2000;

/** The longest short text taken, in characters. */
export const MAX_SHORT_TEXT_LENGTH = 280;

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** A channel of sRGB (0–255) in linear light, as WCAG's relative luminance defines it. */
function linear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/**
 * The relative luminance of a `#rrggbb` colour (0 black … 1 white), per WCAG 2.1.
 *
 * @example relativeLuminance('#ffffff') // 1
 */
export function relativeLuminance(hex: string): number {
  const value = Number.parseInt(hex.slice(1), 16);
  const r = (value >> 16) & 0xff;
  const g = (value >> 8) & 0xff;
  const b = value & 0xff;
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/**
 * The contrast ratio of white text on a `#rrggbb` background, from 1 (white
 * on white) to 21 (white on black).
 *
 * @example contrastWithWhite('#000000') // 21
 */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (relativeLuminance(hex) + 0.05);
}

/**
 * Checks a primary colour before it is stored and answers it lower-cased.
 * The site writes white text on it (buttons, the progress bar's label), so
 * a colour under {@link MIN_CONTRAST_WITH_WHITE} would make those
 * unreadable — a failure the admin choosing it cannot see on their own
 * screen. Throws `TANDEM_REQUEST_INVALID` naming `path`.
 *
 * @example parsePrimaryColor('#1D4ED8', 'branding/primaryColor') // '#1d4ed8'
 */
export function parsePrimaryColor(raw: string, path: string): string {
  if (!HEX_COLOR.test(raw)) throw invalid(path, 'must be a colour written #rrggbb');
  const color = raw.toLowerCase();
  const ratio = contrastWithWhite(color);
  if (ratio < MIN_CONTRAST_WITH_WHITE) {
    throw invalid(
      path,
      `white text on ${color} has a contrast of ${(Math.floor(ratio * 100) / 100).toFixed(2)}:1, under the ${MIN_CONTRAST_WITH_WHITE}:1 WCAG asks for; choose a darker colour`,
    );
  }
  return color;
}

/**
 * Checks a logo URL and answers it as the URL parser writes it: https only
 * (a logo is loaded by every visitor's browser; plain http would be mixed
 * content, and `javascript:` or `data:` are not images anywhere), no
 * credentials in it, at most {@link MAX_LOGO_URL_LENGTH} characters.
 * Throws `TANDEM_REQUEST_INVALID` naming `path`.
 *
 * @example parseLogoUrl('https://example.org/logo.png', 'branding/logoUrl')
 */
export function parseLogoUrl(raw: string, path: string): string {
  if (raw.length > MAX_LOGO_URL_LENGTH) {
    throw invalid(path, `must be at most ${MAX_LOGO_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(path, 'must be an absolute https:// URL');
  }
  if (url.protocol !== 'https:') throw invalid(path, 'must be an https:// URL');
  if (url.username !== '' || url.password !== '') {
    throw invalid(path, 'must not carry a user name or password');
  }
  if (url.hostname === '') throw invalid(path, 'must name a host');
  const written = url.href;
  if (written.length > MAX_LOGO_URL_LENGTH) {
    throw invalid(path, `must be at most ${MAX_LOGO_URL_LENGTH} characters`);
  }
  return written;
}

/**
 * Trims a short text; empty after trimming means none. Throws
 * `TANDEM_REQUEST_INVALID` naming `path` beyond {@link MAX_SHORT_TEXT_LENGTH}
 * characters (code points, as a reader counts them).
 */
export function parseShortText(raw: string, path: string): string | null {
  const text = raw.trim();
  if ([...text].length > MAX_SHORT_TEXT_LENGTH) {
    throw invalid(path, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`);
  }
  return text === '' ? null : text;
}
