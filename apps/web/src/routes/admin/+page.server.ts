import { redirect } from '@sveltejs/kit';
import { consoleMemberships, requireSession } from '$lib/server/admin';
import type { PageServerLoad } from './$types';

/** One organization: straight to it. Several: the list. None: the page says so. */
export const load: PageServerLoad = (event) => {
  requireSession(event);
  const memberships = consoleMemberships(event);
  const only = memberships.length === 1 ? memberships[0] : undefined;
  if (only) redirect(303, `/admin/${encodeURIComponent(only.organization)}`);
  return {};
};
