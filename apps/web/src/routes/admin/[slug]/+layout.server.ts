import { requireRole } from '$lib/server/admin';
import { sectionsFor } from '$lib/admin/sections';
import type { LayoutServerLoad } from './$types';

/**
 * The organization's console: agents and up. Each page below checks its
 * own role again in its load and its actions.
 */
export const load: LayoutServerLoad = (event) => {
  const { membership } = requireRole(event, event.params.slug, 'agent');
  return {
    organization: { slug: membership.organization, name: membership.name },
    role: membership.role,
    sections: sectionsFor(membership.role).map((section) => section.path),
  };
};
