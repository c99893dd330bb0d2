import { redirect } from '@sveltejs/kit';
import { apiFor } from '$lib/server/api';
import { clearSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => ({ signedIn: locals.me !== null });

export const actions: Actions = {
  /** Ends the session at the API (so the token is dead everywhere) and forgets the cookie. */
  default: async (event) => {
    if (event.locals.session) await apiFor(event).DELETE('/api/auth/session');
    clearSessionCookie(event.cookies);
    redirect(303, '/sign-out');
  },
};
