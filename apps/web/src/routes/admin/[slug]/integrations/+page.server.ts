import { requireRole } from '$lib/server/admin';
import type { PageServerLoad } from './$types';

/** The integrations index: admins and owners only; each sub-page checks again. */
export const load: PageServerLoad = (event) => {
  requireRole(event, event.params.slug, 'admin');
  return {};
};
