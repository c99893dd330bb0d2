import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import type { PageServerLoad } from './$types';

/** The overview: the organization's campaigns and their challenges (drafts too, for its agents and admins). */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'agent');
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}', {
    params: { path: { slug: event.params.slug } },
  });
  return { campaigns: data?.campaigns ?? [] };
};
