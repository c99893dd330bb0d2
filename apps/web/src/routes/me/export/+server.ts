import { error, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { apiFor } from '$lib/server/api';
import type { RequestHandler } from './$types';

/**
 * My data as a JSON download: the engine's export (`GET /api/me/export`)
 * passed through as it comes, never parsed or kept here.
 */
export const GET: RequestHandler = async (event) => {
  if (!event.locals.me || !event.locals.session)
    redirect(303, `/sign-in?next=${encodeURIComponent('/me')}`);
  const { data, response } = await apiFor(event).GET('/api/me/export', { parseAs: 'stream' });
  if (!data || !response.ok) error(response.status === 401 ? 401 : 502, m.error_generic());
  const day = new Date().toISOString().slice(0, 10);
  return new Response(data, {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="tandem-my-data-${day}.json"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
};
