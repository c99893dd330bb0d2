import { requireRole } from '$lib/server/admin';
import type { LayoutServerLoad } from './$types';

/**
 * The agent mode of an organization: its agents and up. The page below
 * checks the role again in its load and in each of its actions.
 */
export const load: LayoutServerLoad = (event) => {
  const { membership } = requireRole(event, event.params.slug, 'agent');
  return {
    organization: { slug: membership.organization, name: membership.name },
    role: membership.role,
  };
};
