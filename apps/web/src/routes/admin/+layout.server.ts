import { consoleMemberships, requireSession } from '$lib/server/admin';
import type { LayoutServerLoad } from './$types';

/** The console needs a session; which organizations it opens comes from the visitor's roles. */
export const load: LayoutServerLoad = (event) => {
  requireSession(event);
  return { memberships: consoleMemberships(event) };
};
