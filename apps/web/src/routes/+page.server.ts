import { loadOrganizations } from '$lib/server/contract';
import type { PageServerLoad } from './$types';

/** The platform's home: public organizations and their open challenges. */
export const load: PageServerLoad = async (event) => ({
  organizations: await loadOrganizations(event),
});
