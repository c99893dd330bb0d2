import { error, fail } from '@sveltejs/kit';
import {
  actionBody,
  fieldsOf,
  formFieldOf,
  readCatalogueForm,
} from '$lib/integrations/catalogue-form';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import { noStore } from '$lib/server/integrations';
import type { Actions, PageServerLoad } from './$types';

/**
 * The organization's catalogue of actions: default actions ticked, its own
 * actions added, edited or removed, saved at once (the API replaces the
 * whole catalogue).
 */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  noStore(event);
  const api = apiFor(event, session);
  const [defaults, own] = await Promise.all([
    api.GET('/api/actions-catalogue/default'),
    api.GET('/api/organizations/{slug}/actions-catalogue', {
      params: { path: { slug: event.params.slug } },
    }),
  ]);
  if (!defaults.data || !own.data) {
    error(own.response.status === 404 ? 404 : 502, { message: m.error_generic() });
  }
  return {
    defaults: defaults.data.actions,
    picked: own.data.defaults,
    actions: own.data.actions.map(fieldsOf),
    total: own.data.catalogue.length,
  };
};

export const actions: Actions = {
  save: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const read = readCatalogueForm(form, m.itg_not_a_number());
    const values = { picked: read.defaults, actions: read.actions.map((a) => a.fields) };
    if (Object.keys(read.errors).length > 0) {
      return fail(400, { values, keys: read.actions.map((a) => a.key), errors: read.errors });
    }
    const api = apiFor(event, session);
    const slug = event.params.slug;
    // Descriptions are not edited here: keep those the API holds, by id.
    const current = await api.GET('/api/organizations/{slug}/actions-catalogue', {
      params: { path: { slug } },
    });
    const descriptions = new Map(
      (current.data?.actions ?? []).map((action) => [action.id, action.description]),
    );
    const {
      data,
      error: problem,
      response,
    } = await api.PUT('/api/organizations/{slug}/actions-catalogue', {
      params: { path: { slug } },
      body: {
        defaults: read.defaults,
        actions: read.actions.map(({ fields }) => actionBody(fields, descriptions.get(fields.id))),
      },
    });
    if (!data) {
      if (response.status >= 500) error(502, { message: m.error_generic() });
      const refusal = apiError(problem);
      const keys = read.actions.map((a) => a.key);
      const errors: Record<string, string> = {};
      for (const detail of refusal.details ?? [{ path: '', message: refusal.message }]) {
        errors[formFieldOf(detail.path, keys)] ??= detail.message;
      }
      return fail(400, { values, keys, errors });
    }
    return { saved: data.catalogue.length };
  },
};
