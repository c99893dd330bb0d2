/**
 * The participant session carried by a cookie, for browsers (ADR 0028).
 *
 * `/api` takes the `tandem_session` cookie when a request has no
 * `Authorization` header. A browser sends cookies with requests other sites
 * make it send, so a write (POST, PUT, PATCH, DELETE) that relies on the
 * cookie must prove it comes from a page of this server: its `Origin`
 * header must be this server's own origin. A bearer token is never sent by
 * a browser on its own, so it needs no such proof.
 */
import { TandemError } from '../errors.js';

/** The cookie's name, shared with the web app that sets it. */
export const SESSION_COOKIE = 'tandem_session';

// Session tokens are 32 random bytes in base64url (ids.ts `newSecret`);
// anything else is no session of ours, refused before a database read.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,200}$/;

const invalidCookie = (message: string) => new TandemError('TANDEM_AUTH_INVALID', message);

/**
 * The session token in a `Cookie` header, or `undefined` when it holds no
 * `tandem_session`. Two different values (a cookie tossed in by a sibling
 * subdomain beside ours) are refused rather than one picked: the browser's
 * order would otherwise decide whose session acts.
 *
 * @throws TandemError `TANDEM_AUTH_INVALID` for a malformed or ambiguous cookie
 */
export function sessionCookieOf(header: string | undefined): string | undefined {
  if (header === undefined || !header.includes(SESSION_COOKIE)) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (!TOKEN_PATTERN.test(value)) {
      throw invalidCookie(`The ${SESSION_COOKIE} cookie is not a session token; sign in again.`);
    }
    if (found !== undefined && found !== value) {
      throw invalidCookie(`Several ${SESSION_COOKIE} cookies were sent; sign in again.`);
    }
    found = value;
  }
  return found;
}

/** What the origin check reads of a request (Fastify's, with `trustProxy` applied). */
export interface OriginRequest {
  headers: { origin?: string | string[] | undefined };
  /** `http` or `https`; from `X-Forwarded-Proto` when the proxy is trusted. */
  protocol: string;
  /** The `Host` (with port); from `X-Forwarded-Host` when the proxy is trusted. */
  host: string;
}

/** The origin a URL names, or `undefined` when it is not an http(s) URL. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This server's own origin for a request: `TANDEM_PUBLIC_URL`'s when it is
 * configured, else the request's host with its protocol (default ports
 * dropped, as browsers write `Origin`).
 */
export function ownOrigin(request: OriginRequest, publicOrigin: string | undefined): string {
  return publicOrigin ?? originOf(`${request.protocol}://${request.host}`) ?? '';
}

/**
 * Refuses a cookie-authenticated write whose `Origin` is missing, `null`
 * (sandboxed frames, some redirects) or another site's.
 *
 * @throws TandemError `TANDEM_AUTH_ORIGIN_REFUSED` (403)
 */
export function assertSameOrigin(request: OriginRequest, publicOrigin: string | undefined): void {
  const header = request.headers.origin;
  const given = typeof header === 'string' ? originOf(header) : undefined;
  const own = ownOrigin(request, publicOrigin);
  if (given !== undefined && own !== '' && given === own) return;
  throw new TandemError(
    'TANDEM_AUTH_ORIGIN_REFUSED',
    given === undefined
      ? 'A change sent with the session cookie needs an Origin header of this site; send Authorization: Bearer from other clients.'
      : `A change sent with the session cookie must come from this site (${own}), not ${given}.`,
  );
}

/**
 * A `Set-Cookie` value that removes the session cookie, with the attributes
 * the web app sets it with (`Secure` except on a loopback host, where
 * browsers would drop a secure cookie sent over plain http).
 */
export function clearedSessionCookie(hostname: string): string {
  const local = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  return `${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${local ? '' : '; Secure'}`;
}
