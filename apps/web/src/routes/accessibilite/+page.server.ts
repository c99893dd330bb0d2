import { contactEmail } from '$lib/server/site-facts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({ contact: contactEmail() });
