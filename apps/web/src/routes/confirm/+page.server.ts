import { fail } from '@sveltejs/kit';
import { apiFor } from '$lib/server/api';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

/** A mailed token: printable, bounded (the API checks it; this only keeps junk out of the page). */
const TOKEN = /^[A-Za-z0-9_-]{10,200}$/;
/** A challenge id as the API issues them. */
const CHALLENGE = /^[A-Za-z0-9_-]{1,100}$/;

const challengeOf = (value: string | null | FormDataEntryValue) =>
  typeof value === 'string' && CHALLENGE.test(value) ? value : null;

/**
 * The mailed pledge link (`/confirm?token=…&challenge=…`) only shows a
 * button: opening a link (a mail scanner, a preview) must not confirm;
 * the POST does.
 */
export const load: PageServerLoad = ({ url }) => {
  const token = url.searchParams.get('token') ?? '';
  return {
    token: TOKEN.test(token) ? token : null,
    challenge: challengeOf(url.searchParams.get('challenge')),
  };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const token = form.get('token');
    const challenge = challengeOf(form.get('challenge'));
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      return fail(400, { confirmed: false as const, challenge, message: m.confirm_invalid() });
    }
    const { data, response } = await apiFor(event, null).POST('/api/pledges/confirm', {
      body: { token },
    });
    if (data) return { confirmed: true as const, challenge, message: null };
    const message =
      response.status === 404
        ? m.confirm_expired()
        : response.status === 429
          ? m.pledge_too_many()
          : m.confirm_failed();
    return fail(response.status === 404 ? 404 : 400, {
      confirmed: false as const,
      challenge,
      message,
    });
  },
};
