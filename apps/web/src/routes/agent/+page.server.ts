import { consoleMemberships, requireSession } from '$lib/server/admin';
import type { PageServerLoad } from './$types';

/** Where the installed app starts: the organizations the visitor is an agent (or more) of. */
export const load: PageServerLoad = (event) => {
  requireSession(event);
  return {
    organizations: consoleMemberships(event).map(({ organization, name }) => ({
      slug: organization,
      name,
    })),
  };
};
