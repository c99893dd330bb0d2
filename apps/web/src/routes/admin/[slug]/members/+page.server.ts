import { fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import { roleOf, type Role } from '$lib/admin/roles';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The members page: admins and owners (the API checks every change again). */
export const load: PageServerLoad = async (event) => {
  const { session, membership } = requireRole(event, event.params.slug, 'admin');
  const api = apiFor(event, session);
  const slug = event.params.slug;
  const [members, organization] = await Promise.all([
    api.GET('/api/organizations/{slug}/members', { params: { path: { slug } } }),
    api.GET('/api/organizations/{slug}', { params: { path: { slug } } }),
  ]);
  const campaigns = organization.data?.campaigns ?? [];
  return {
    viewerRole: membership.role,
    members: members.data?.members ?? [],
    invitations: members.data?.invitations ?? [],
    membersOnly: campaigns.filter((c) => c.audience.type === 'members').map((c) => c.title),
    byDomain: campaigns.filter((c) => c.audience.type === 'email-domain').map((c) => c.title),
    confirmRemove: event.url.searchParams.get('remove'),
  };
};

/** The form's text field, trimmed. */
const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

/** The form's role, or null for anything the site does not know. */
const roleField = (form: FormData, name = 'role'): Role | null => roleOf(text(form, name));

/** Reads the form after checking, for every action, that the visitor is an admin or owner. */
async function guarded(event: RequestEvent) {
  const access = requireRole(event, event.params.slug, 'admin');
  return { ...access, form: await event.request.formData(), api: apiFor(event, access.session) };
}

export const actions: Actions = {
  /** Changes one member's role. */
  role: async (event) => {
    const { form, api } = await guarded(event);
    const participantId = text(form, 'participantId');
    const role = roleField(form);
    if (!participantId || !role) return fail(400, { rowError: { participantId, message: '' } });
    const { error } = await api.PATCH('/api/organizations/{slug}/members/{participantId}', {
      params: { path: { slug: event.params.slug, participantId } },
      body: { role },
    });
    if (error) return fail(400, { rowError: { participantId, message: apiError(error).message } });
    return { done: m.mem_role_saved() };
  },

  /** Removes a member, once the confirmation step said yes. */
  remove: async (event) => {
    const { form, api } = await guarded(event);
    const participantId = text(form, 'participantId');
    if (!participantId) return fail(400, { rowError: { participantId, message: '' } });
    const { error } = await api.DELETE('/api/organizations/{slug}/members/{participantId}', {
      params: { path: { slug: event.params.slug, participantId } },
    });
    if (error) return fail(400, { rowError: { participantId, message: apiError(error).message } });
    return { done: m.mem_removed() };
  },

  /** Mails an invitation. */
  invite: async (event) => {
    const { form, api } = await guarded(event);
    const email = text(form, 'email');
    const role = roleField(form) ?? 'member';
    const values = { email, role };
    if (!email) return fail(400, { invite: { values, error: m.mem_email_required() } });
    const { error, response } = await api.POST('/api/organizations/{slug}/invitations', {
      params: { path: { slug: event.params.slug } },
      body: { email, role, locale: getLocale() },
    });
    if (error) {
      const message = response.status === 429 ? m.mem_too_many() : apiError(error).message;
      return fail(response.status === 429 ? 429 : 400, { invite: { values, error: message } });
    }
    return { done: m.mem_invited({ email }) };
  },

  /** Adds a member without an invitation. */
  add: async (event) => {
    const { form, api } = await guarded(event);
    const email = text(form, 'email');
    const role = roleField(form) ?? 'member';
    const values = { email, role };
    if (!email) return fail(400, { add: { values, error: m.mem_email_required() } });
    const { error } = await api.POST('/api/organizations/{slug}/members', {
      params: { path: { slug: event.params.slug } },
      body: { email, role },
    });
    if (error) return fail(400, { add: { values, error: apiError(error).message } });
    return { done: m.mem_added({ email }) };
  },

  /** Revokes a pending invitation. */
  revoke: async (event) => {
    const { form, api } = await guarded(event);
    const id = text(form, 'id');
    const { error } = await api.DELETE('/api/organizations/{slug}/invitations/{id}', {
      params: { path: { slug: event.params.slug, id } },
    });
    if (error) return fail(400, { revokeError: apiError(error).message });
    return { done: m.mem_revoked() };
  },
};
