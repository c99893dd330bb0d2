import type { Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { resolveSession } from '$lib/server/session';
import { env } from '$env/dynamic/private';

/**
 * The origin of the operator's tile server (`TANDEM_MAP_TILES`, an XYZ
 * template such as `https://tiles.example/{z}/{x}/{y}.png`), which pages
 * must be allowed to load images from; null when tiles are same-site or
 * unset. A template with a `{a-c}` host is refused rather than widening
 * the policy to a wildcard.
 */
function tileOrigin(): string | null {
  const template = env['TANDEM_MAP_TILES']?.trim();
  if (!template) return null;
  if (template.startsWith('/')) return null;
  const host = template.split('/')[2] ?? '';
  if (!/^https?:\/\//.test(template) || /[{}]/.test(host)) {
    throw new Error(
      'TANDEM_MAP_TILES must be an http(s) XYZ template with a fixed host, e.g. https://tiles.example/{z}/{x}/{y}.png',
    );
  }
  return new URL(template).origin;
}
let tiles: { origin: string | null } | null = null;

/** The visitor's language (cookie, browser, else French), written into `<html lang>`. */
const i18n: Handle = ({ event, resolve }) =>
  paraglideMiddleware(event.request, ({ request, locale }) => {
    event.request = request;
    return resolve(event, {
      transformPageChunk: ({ html }) => html.replace('%lang%', locale),
    });
  });

/**
 * The session, verified server-side on every page request: pages read
 * `locals.me`, and each page's own server `load` or action guards what it
 * shows (never only a layout).
 */
const session: Handle = async ({ event, resolve }) => {
  const { me, session } = await resolveSession(event);
  event.locals.me = me;
  event.locals.session = session;
  return resolve(event);
};

/**
 * Headers SvelteKit does not set: no page (some carry a one-time token in
 * their URL) leaks its address to another site through a Referer, no
 * sniffing, and the browser's location only for this site's "use my
 * location". `same-origin` rather than `no-referrer`: under `no-referrer`
 * Chromium sends `Origin: null` with form posts, which SvelteKit's CSRF
 * check (rightly) refuses.
 */
const headers: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('permissions-policy', 'geolocation=(self), camera=(), microphone=()');
  const policy = response.headers.get('content-security-policy');
  tiles ??= { origin: tileOrigin() };
  if (tiles.origin && policy) {
    // SvelteKit writes the nonce-based policy; the basemap's origin joins it here.
    response.headers.set(
      'content-security-policy',
      policy
        .replace(/img-src ([^;]*)/, `img-src $1 ${tiles.origin}`)
        .replace(/connect-src ([^;]*)/, `connect-src $1 ${tiles.origin}`),
    );
  }
  return response;
};

export const handle = sequence(headers, i18n, session);
