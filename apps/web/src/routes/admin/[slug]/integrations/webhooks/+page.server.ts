import { error, fail } from '@sveltejs/kit';
import { GRACE_HOURS, WEBHOOK_EVENTS } from '$lib/integrations/events';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { formId, formText, noStore, refused } from '$lib/server/integrations';
import type { Actions, PageServerLoad } from './$types';

/** Deliveries shown per endpoint: the latest, enough to see what failed. */
const DELIVERIES_SHOWN = 20;

/**
 * Webhook endpoints with their latest deliveries and attempts: add one,
 * send a test, replay a delivery, rotate the secret, delete. A secret is
 * shown once, in the answer of the action that made it.
 */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  noStore(event);
  const api = apiFor(event, session);
  const slug = event.params.slug;
  const { data, response } = await api.GET('/api/organizations/{slug}/webhooks', {
    params: { path: { slug } },
  });
  if (!data) error(response.status === 404 ? 404 : 502, { message: m.error_generic() });
  const endpoints = await Promise.all(
    data.endpoints.map(async (endpoint) => {
      const listed = await api.GET('/api/organizations/{slug}/webhooks/{id}/deliveries', {
        params: { path: { slug, id: endpoint.id }, query: { limit: DELIVERIES_SHOWN } },
      });
      return { ...endpoint, deliveries: listed.data?.deliveries ?? [] };
    }),
  );
  const deleting = event.url.searchParams.get('delete');
  return {
    endpoints,
    deleting: endpoints.find((endpoint) => endpoint.id === deleting) ?? null,
    events: [...WEBHOOK_EVENTS],
    graceHours: [...GRACE_HOURS],
  };
};

export const actions: Actions = {
  add: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const url = formText(form, 'url');
    const description = formText(form, 'description');
    const events = form
      .getAll('events')
      .filter((value): value is string => typeof value === 'string');
    const values = { url, description, events };
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST('/api/organizations/{slug}/webhooks', {
      params: { path: { slug: event.params.slug } },
      body: { url, events, ...(description ? { description } : {}) },
    });
    if (!data) return refused(response, problem, values);
    return { secret: { url: data.url, secret: data.secret, graceUntil: null, rotated: false } };
  },

  test: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const id = formId(await event.request.formData(), 'endpointId');
    if (!id) return fail(400, { errors: { form: m.error_generic() } });
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST('/api/organizations/{slug}/webhooks/{id}/test', {
      params: { path: { slug: event.params.slug, id } },
    });
    if (!data) return refused(response, problem);
    return { tested: data.id };
  },

  replay: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const id = formId(await event.request.formData(), 'deliveryId');
    if (!id) return fail(400, { errors: { form: m.error_generic() } });
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST('/api/webhooks/deliveries/{id}/replay', {
      params: { path: { id } },
    });
    if (!data) return refused(response, problem);
    return { replayed: data.id };
  },

  rotate: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const id = formId(form, 'endpointId');
    const hours = Number(formText(form, 'graceHours'));
    if (!id || !(GRACE_HOURS as readonly number[]).includes(hours)) {
      return fail(400, { errors: { form: m.error_generic() } });
    }
    const {
      data,
      error: problem,
      response,
    } = await apiFor(event, session).POST('/api/organizations/{slug}/webhooks/{id}/secret/rotate', {
      params: { path: { slug: event.params.slug, id } },
      body: { graceSeconds: hours * 3600 },
    });
    if (!data) return refused(response, problem);
    return {
      secret: {
        url: data.url,
        secret: data.secret,
        graceUntil: data.previousSecretExpiresAt,
        rotated: true,
      },
    };
  },

  delete: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const id = formId(await event.request.formData(), 'endpointId');
    if (!id) return fail(400, { errors: { form: m.error_generic() } });
    const { error: problem, response } = await apiFor(event, session).DELETE(
      '/api/organizations/{slug}/webhooks/{id}',
      { params: { path: { slug: event.params.slug, id } } },
    );
    if (response.status !== 204) return refused(response, problem);
    return { deleted: true };
  },
};
