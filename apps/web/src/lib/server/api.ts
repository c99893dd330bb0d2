import { createTandemClient, type TandemClient } from '@tandem/client';
import type { RequestEvent } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { getLocale } from '$lib/paraglide/runtime';

/** The cookie that holds a participant's session token (ADR 0028). */
export const SESSION_COOKIE = 'tandem_session';

/** The base URL of the in-process API: never dialled, only a label for inject. */
const IN_PROCESS = 'http://tandem.internal';

/**
 * The API, as this visitor: the typed client (`@tandem/client`) over the
 * server's in-process bridge, carrying the visitor's session as a bearer
 * token (so no Origin rule applies between the site and its own API) and
 * the page's language. Outside the Tandem server (`vite dev`), it calls
 * `TANDEM_API_URL` over HTTP.
 *
 * @param session the session token, when the page acts as the signed-in visitor.
 */
export function apiFor(
  event: RequestEvent,
  session: string | null = event.locals.session,
): TandemClient {
  const headers: Record<string, string> = { 'accept-language': getLocale() };
  if (session) headers['authorization'] = `Bearer ${session}`;
  const bridge = event.platform?.req?.tandemApi;
  if (bridge) return createTandemClient({ baseUrl: IN_PROCESS, fetch: bridge, headers });
  const baseUrl = env['TANDEM_API_URL'];
  if (!baseUrl)
    throw new Error('TANDEM_API_URL is not set and the site runs outside the Tandem server');
  return createTandemClient({ baseUrl, headers });
}

/** The error body every API error carries (API.md, "Errors"). */
export interface ApiError {
  error: string;
  message: string;
  details?: { path: string; message: string }[];
}

/** Reads an API error from an openapi-fetch `error`, whatever its declared type. */
export function apiError(error: unknown): ApiError {
  if (error && typeof error === 'object' && 'error' in error && 'message' in error) {
    return error as ApiError;
  }
  return { error: 'TANDEM_UNKNOWN', message: String(error) };
}
