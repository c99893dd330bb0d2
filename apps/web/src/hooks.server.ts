import type { Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { paraglideMiddleware } from '$lib/paraglide/server';
import { resolveSession } from '$lib/server/session';
import { env } from '$env/dynamic/private';
import { tileOrigin, withTileOrigin } from '$lib/server/csp';

/**
 * Read once, from the environment, on the first answer (the dynamic env is
 * only set once the server starts): configuration, not per-visitor state.
 */
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
  tiles ??= { origin: tileOrigin(env['TANDEM_MAP_TILES']) };
  if (tiles.origin && policy) {
    // SvelteKit writes the nonce-based policy; the basemap's origin joins it here.
    response.headers.set('content-security-policy', withTileOrigin(policy, tiles.origin));
  }
  return response;
};

export const handle = sequence(headers, i18n, session);
