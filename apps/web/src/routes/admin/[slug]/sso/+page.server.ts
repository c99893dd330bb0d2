import { error as httpError, fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import { fieldErrors } from '$lib/server/form-errors';
import type { Actions, PageServerLoad } from './$types';

/** Company sign-in (ADR 0044): admins and owners configure their provider. */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}/sso', {
    params: { path: { slug: event.params.slug } },
  });
  if (!data) httpError(404, { message: m.adm_not_found() });
  return { sso: data };
};

/** The accepted values as typed: one per line (commas work too), blanks dropped. */
const valuesOf = (text: string) =>
  text
    .split(/[\n,]/)
    .map((value) => value.trim())
    .filter((value) => value !== '');

export const actions: Actions = {
  /** One PUT: an empty secret keeps the stored one; an empty claim makes every account a member. */
  save: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const values = {
      issuer: text('issuer'),
      clientId: text('clientId'),
      claim: text('claim'),
      claimValues: String(form.get('claimValues') ?? ''),
      enabled: form.get('enabled') === 'on',
    };
    const accepted = valuesOf(values.claimValues);
    if (values.claim !== '' && accepted.length === 0) {
      return fail(400, { values, errors: { claimValues: m.sso_values_required() } });
    }
    const secret = String(form.get('clientSecret') ?? '');
    const { error } = await apiFor(event, session).PUT('/api/organizations/{slug}/sso', {
      params: { path: { slug: event.params.slug } },
      body: {
        issuer: values.issuer,
        clientId: values.clientId,
        ...(secret.trim() === '' ? {} : { clientSecret: secret }),
        memberClaim: values.claim === '' ? null : { name: values.claim, values: accepted },
        enabled: values.enabled,
      },
    });
    if (error) {
      const errors = fieldErrors(apiError(error));
      // The API names the rule's parts; the form has one field for each.
      for (const [key, message] of Object.entries(errors)) {
        if (key.startsWith('memberClaim')) {
          errors[/values/.test(key) ? 'claimValues' : 'claim'] ??= message;
        }
      }
      return fail(400, { values, errors });
    }
    return { saved: true };
  },
};
