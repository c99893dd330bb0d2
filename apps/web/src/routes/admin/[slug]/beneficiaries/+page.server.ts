import { fail } from '@sveltejs/kit';
import { formValues, type FieldProblem } from '$lib/forms/schema-form';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { loadBeneficiaries, refusalProblems } from '$lib/server/console';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The fields of a beneficiary, as the API names them. */
const FIELDS: ReadonlySet<string> = new Set(['name', 'description', 'url', 'email']);

/** Who receives what sponsors give: listed, added and edited by the organization's admins. */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  return { beneficiaries: await loadBeneficiaries(event, session, event.params.slug) };
};

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** The posted fields: a blank name is refused, blank words and link are cleared. */
function read(form: FormData) {
  const errors: Record<string, FieldProblem> = {};
  const name = text(form, 'name');
  if (!name) errors['name'] = { code: 'required' };
  const description = text(form, 'description') || null;
  const url = text(form, 'url') || null;
  const email = text(form, 'email') || null;
  return { errors, body: { name, description, url, email } };
}

async function save(event: RequestEvent, target: string) {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const form = await event.request.formData();
  const values = formValues(form);
  const { errors, body } = read(form);
  if (Object.keys(errors).length > 0) return fail(400, { target, errors, values });
  const api = apiFor(event, session);
  const slug = event.params.slug;
  const { error: refused, response } =
    target === 'new'
      ? await api.POST('/api/organizations/{slug}/beneficiaries', {
          params: { path: { slug } },
          body: {
            name: body.name,
            ...(body.description ? { description: body.description } : {}),
            ...(body.url ? { url: body.url } : {}),
            ...(body.email ? { email: body.email } : {}),
          },
        })
      : await api.PATCH('/api/organizations/{slug}/beneficiaries/{id}', {
          params: { path: { slug, id: target } },
          body,
        });
  if (!response.ok) {
    return fail(response.status, {
      target,
      errors: refusalProblems(refused, response.status, FIELDS),
      values,
    });
  }
  return { target, done: true };
}

export const actions: Actions = {
  create: (event) => save(event, 'new'),
  update: async (event) => {
    const form = await event.request.clone().formData();
    return save(event, text(form, 'id'));
  },
};
