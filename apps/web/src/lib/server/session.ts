import type { paths } from '@tandem/client';
import type { Cookies, RequestEvent } from '@sveltejs/kit';
import { apiFor, SESSION_COOKIE } from './api';

/** The signed-in participant, as `GET /api/me` describes them. */
export type Me = paths['/api/me']['get']['responses'][200]['content']['application/json'];

/** Local development and tests run over plain http on loopback; everything else is https. */
function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

/**
 * Stores a session token in the `tandem_session` cookie: HttpOnly (no script
 * reads it), SameSite=Lax (not sent on cross-site POSTs), Secure outside
 * loopback, for the whole site (the API accepts it too, ADR 0028).
 */
export function setSessionCookie(
  cookies: Cookies,
  url: URL,
  token: string,
  maxAgeSeconds: number,
): void {
  cookies.set(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: !isLoopback(url),
    maxAge: maxAgeSeconds,
  });
}

/** Forgets the session cookie. */
export function clearSessionCookie(cookies: Cookies): void {
  cookies.delete(SESSION_COOKIE, { path: '/' });
}

/**
 * Who the cookie says is signing in, verified by the API: a session the API
 * no longer knows (expired, signed out elsewhere, erased) drops the cookie.
 */
export async function resolveSession(
  event: RequestEvent,
): Promise<{ me: Me | null; session: string | null }> {
  const token = event.cookies.get(SESSION_COOKIE);
  if (!token) return { me: null, session: null };
  const { data, response } = await apiFor(event, token).GET('/api/me');
  if (data && data.kind === 'participant') return { me: data, session: token };
  if (response.status === 401) clearSessionCookie(event.cookies);
  return { me: null, session: null };
}
