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

/** Why company sign-in sent the browser back here (the API's `sso` parameter). */
const SSO_REASONS = ['refused', 'invalid', 'unavailable', 'unknown'] as const;
type SsoReason = (typeof SSO_REASONS)[number];

/** An organization's identifier as typed: its slug, or nothing usable. */
function slugOf(value: string | null): string | null {
  const slug = value?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9-]{1,62}$/.test(slug) ? slug : null;
}

/**
 * Company sign-in (ADR 0044): the organization asked for with the GET form
 * (`?organization=`), and where its sign-in starts when it has one. The
 * page then shows a link, not a redirect: the provider is another site,
 * which a form's redirect may not reach (the site's `form-action` policy).
 */
async function companySignIn(event: Parameters<PageServerLoad>[0], next: string) {
  const asked = event.url.searchParams.get('organization');
  const reason = event.url.searchParams.get('sso');
  const ssoError = SSO_REASONS.includes(reason as SsoReason) ? (reason as SsoReason) : null;
  if (asked === null || ssoError !== null) return { asked, ssoError, target: null };
  const slug = slugOf(asked);
  if (slug === null) return { asked, ssoError: 'unknown' as const, target: null };
  const { data } = await apiFor(event, null).GET('/api/organizations/{slug}', {
    params: { path: { slug } },
  });
  if (!data?.companySignIn) return { asked, ssoError: 'unknown' as const, target: null };
  return {
    asked,
    ssoError: null,
    target: {
      name: data.name,
      href: `/api/auth/sso/${encodeURIComponent(slug)}?next=${encodeURIComponent(next)}`,
    },
  };
}

export const load: PageServerLoad = async (event) => {
  const { url, locals, setHeaders } = event;
  const token = url.searchParams.get('token');
  // A page reached through a one-time link is never kept by a cache.
  if (token !== null) setHeaders({ 'cache-control': 'no-store' });
  const next = safeNext(url.searchParams.get('next'));
  return {
    sso: await companySignIn(event, next ?? '/me'),
    // Opening the link only shows a button: mail scanners follow links, and
    // a GET must never sign anyone in.
    token: token === null ? null : tokenOf(token),
    linkGiven: token !== null,
    next,
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
        // As the session cookie: Secure everywhere but loopback (local development and tests).
        secure: !['localhost', '127.0.0.1', '[::1]'].includes(event.url.hostname),
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
