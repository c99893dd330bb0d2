import { fail, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { hasRole, roleOf } from '$lib/admin/roles';
import { apiError, apiFor } from '$lib/server/api';
import { setSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

/** What a mailed link may carry: the API's tokens are url-safe and at most 200 characters. */
function tokenOf(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{10,200}$/.test(value) ? value : null;
}

/**
 * The page a mailed invitation opens: it says which organization and role
 * the link is for, without using it — a GET must never make anyone a
 * member (mail scanners follow links) — and offers the button that does.
 */
export const load: PageServerLoad = async (event) => {
  event.setHeaders({ 'cache-control': 'no-store' });
  const token = tokenOf(event.url.searchParams.get('token'));
  const signedInAs = event.locals.me?.email ?? null;
  if (!token) return { token: null, invitation: null, signedInAs };
  const { data } = await apiFor(event, null).POST('/api/invitations/preview', {
    body: { token },
  });
  return { token, invitation: data ?? null, signedInAs };
};

export const actions: Actions = {
  /**
   * Accepts as the visitor: signed in, the API checks the address is the
   * invited one; signed out, it answers a session, stored as sign-in does.
   */
  default: async (event) => {
    const form = await event.request.formData();
    const token = tokenOf(form.get('token'));
    if (!token) return fail(400, { error: m.mem_invitation_invalid() });
    const { data, error } = await apiFor(event).POST('/api/invitations/accept', {
      body: { token },
    });
    if (error || !data) {
      const refusal = apiError(error);
      return fail(refusal.error === 'TANDEM_INVITATION_OTHER_ACCOUNT' ? 403 : 400, {
        error:
          refusal.error === 'TANDEM_INVITATION_OTHER_ACCOUNT'
            ? m.mem_invitation_other_account()
            : m.mem_invitation_invalid(),
      });
    }
    if (data.session) {
      const seconds = Math.floor((Date.parse(data.session.expiresAt) - Date.now()) / 1000);
      setSessionCookie(event.cookies, event.url, data.session.sessionToken, Math.max(seconds, 60));
    }
    const role = roleOf(data.role);
    const slug = encodeURIComponent(data.organization.slug);
    redirect(303, role && hasRole(role, 'agent') ? `/admin/${slug}` : `/o/${slug}`);
  },
};
