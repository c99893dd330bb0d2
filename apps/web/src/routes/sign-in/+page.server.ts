import { fail, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import { apiError, apiFor } from '$lib/server/api';
import { safeNext } from '$lib/server/paths';
import { setSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

/**
 * Where to go once signed in, kept between asking for the link and opening
 * it (the API's link carries only the token): a short-lived, HttpOnly
 * cookie holding a same-site path, read once.
 */
const NEXT_COOKIE = 'tandem_sign_in_next';
/** As long as the mailed link works (10 minutes), with a margin. */
const NEXT_MAX_AGE = 30 * 60;

/** What a mailed link may carry: the API's tokens are url-safe and at most 200 characters. */
function tokenOf(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{10,200}$/.test(value) ? value : null;
}

export const load: PageServerLoad = ({ url, locals, setHeaders }) => {
  const token = url.searchParams.get('token');
  // A page reached through a one-time link is never kept by a cache.
  if (token !== null) setHeaders({ 'cache-control': 'no-store' });
  return {
    // Opening the link only shows a button: mail scanners follow links, and
    // a GET must never sign anyone in.
    token: token === null ? null : tokenOf(token),
    linkGiven: token !== null,
    next: safeNext(url.searchParams.get('next')),
    sent: url.searchParams.has('sent'),
    signedInAs: locals.me?.email ?? null,
  };
};

export const actions: Actions = {
  /** Mails a sign-in link; the answer is the same for known and unknown addresses. */
  request: async (event) => {
    const form = await event.request.formData();
    const email = String(form.get('email') ?? '').trim();
    const next = safeNext(form.get('next'));
    if (email === '') return fail(400, { email, errors: { email: m.signin_email_required() } });
    const { error, response } = await apiFor(event, null).POST('/api/auth/magic-link', {
      body: { email, locale: getLocale() },
    });
    if (error) {
      if (response.status === 429)
        return fail(429, { email, errors: { email: m.signin_too_many() } });
      return fail(400, { email, errors: { email: apiError(error).message } });
    }
    if (next) {
      event.cookies.set(NEXT_COOKIE, next, {
        path: '/sign-in',
        httpOnly: true,
        sameSite: 'lax',
        secure: event.url.protocol === 'https:',
        maxAge: NEXT_MAX_AGE,
      });
    }
    redirect(303, '/sign-in?sent');
  },

  /** The button on the mailed link's page: trades the token for a session and stores it. */
  signin: async (event) => {
    const form = await event.request.formData();
    const token = tokenOf(form.get('token'));
    if (!token) return fail(400, { linkError: m.signin_link_invalid() });
    const { data, error } = await apiFor(event, null).POST('/api/auth/session', {
      body: { token },
    });
    if (error || !data) return fail(400, { linkError: m.signin_link_invalid() });
    const seconds = Math.floor((Date.parse(data.expiresAt) - Date.now()) / 1000);
    setSessionCookie(event.cookies, event.url, data.sessionToken, Math.max(seconds, 60));
    const next = safeNext(form.get('next')) ?? safeNext(event.cookies.get(NEXT_COOKIE)) ?? '/me';
    event.cookies.delete(NEXT_COOKIE, { path: '/sign-in' });
    redirect(303, next);
  },
};
