import { redirect, error } from '@sveltejs/kit';
import { cookieName, isLocale } from '$lib/paraglide/runtime';
import type { RequestHandler } from './$types';

/** Only a path of this site: never an absolute or protocol-relative URL (no open redirect). */
function safePath(value: FormDataEntryValue | null): string {
  const path = typeof value === 'string' ? value : '/';
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/';
}

/**
 * The language switch, a plain form POST so it works without JavaScript:
 * remembers the choice for a year and goes back to the page it came from.
 */
export const POST: RequestHandler = async ({ request, cookies }) => {
  const form = await request.formData();
  const locale = form.get('locale');
  if (typeof locale !== 'string' || !isLocale(locale)) error(400, 'locale must be fr or en');
  cookies.set(cookieName, locale, {
    path: '/',
    httpOnly: false,
    sameSite: 'lax',
    maxAge: 365 * 24 * 3600,
  });
  redirect(303, safePath(form.get('redirectTo')));
};
