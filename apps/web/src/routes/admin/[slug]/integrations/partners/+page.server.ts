import { randomUUID } from 'node:crypto';
import { error, fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { formId, formText, noStore, refused } from '$lib/server/integrations';
import type { Actions, PageServerLoad } from './$types';

/**
 * E-learning partners: register one, give it a new key, revoke it. A key
 * is shown once, in the answer of the action that made it, and kept
 * nowhere by the site: reloading the page (a GET) no longer shows it.
 */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  noStore(event);
  const { data, response } = await apiFor(event, session).GET(
    '/api/organizations/{slug}/elearning/partners',
    { params: { path: { slug: event.params.slug } } },
  );
  if (!data) error(response.status === 404 ? 404 : 502, { message: m.error_generic() });
  const revoking = event.url.searchParams.get('revoke');
  return {
    partners: data.partners,
    // The partner whose revocation is being confirmed (a GET, so it works without JavaScript).
    revoking:
      data.partners.find((partner) => partner.id === revoking && !partner.revokedAt) ?? null,
    // Sent back as the registration's Idempotency-Key: a form posted twice registers once.
    nonce: randomUUID(),
  };
};

/** What the page shows once after a key was made: never stored. */
function issued(
  answer: {
    id: string;
    name: string;
    key: string;
    xapi: { endpoint: string; username: string; password: string };
  },
  rotated: boolean,
) {
  return {
    issued: {
      partnerId: answer.id,
      name: answer.name,
      key: answer.key,
      endpoint: answer.xapi.endpoint,
      username: answer.xapi.username,
      rotated,
    },
  };
}

export const actions: Actions = {
  register: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const name = formText(form, 'name');
    const nonce = formId(form, 'nonce');
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST('/api/organizations/{slug}/elearning/partners', {
      params: { path: { slug: event.params.slug } },
      body: { name },
      ...(nonce ? { headers: { 'Idempotency-Key': `partner-${nonce}` } } : {}),
    });
    if (!data) return refused(response, problem, { name });
    return issued(data, false);
  },

  rotate: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const id = formId(await event.request.formData(), 'partnerId');
    if (!id) return fail(400, { errors: { form: m.error_generic() } });
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST('/api/organizations/{slug}/elearning/partners/{id}/key', {
      params: { path: { slug: event.params.slug, id } },
    });
    if (!data) return refused(response, problem);
    return issued(data, true);
  },

  revoke: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const id = formId(await event.request.formData(), 'partnerId');
    if (!id) return fail(400, { errors: { form: m.error_generic() } });
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST(
      '/api/organizations/{slug}/elearning/partners/{id}/revoke',
      { params: { path: { slug: event.params.slug, id } } },
    );
    if (!data) return refused(response, problem);
    return { revoked: data.name };
  },
};
