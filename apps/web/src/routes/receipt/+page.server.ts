import { fail } from '@sveltejs/kit';
import { apiFor } from '$lib/server/api';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

/** A mailed token: printable, bounded (the API checks it; this only keeps junk out of the page). */
const TOKEN = /^[A-Za-z0-9_-]{10,200}$/;

/**
 * The link mailed to a beneficiary (`/receipt?token=…`) only shows a
 * button: opening a link (a mail scanner, a preview) must not confirm a
 * receipt; the POST does (ADR 0035).
 */
export const load: PageServerLoad = ({ url }) => {
  const token = url.searchParams.get('token') ?? '';
  return { token: TOKEN.test(token) ? token : null };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const token = form.get('token');
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      return fail(400, {
        confirmed: false as const,
        challenge: null,
        message: m.led_receipt_invalid(),
      });
    }
    const { data, response } = await apiFor(event, null).POST('/api/receipts/confirm', {
      body: { token },
    });
    if (data) return { confirmed: true as const, challenge: data.challengeId, message: null };
    const expired = response.status === 404;
    return fail(expired ? 404 : 400, {
      confirmed: false as const,
      challenge: null,
      message: expired ? m.led_receipt_expired() : m.led_receipt_failed(),
    });
  },
};
