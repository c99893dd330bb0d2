import { contactEmail, mapMinCount } from '$lib/server/site-facts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({ contact: contactEmail(), k: mapMinCount() });
