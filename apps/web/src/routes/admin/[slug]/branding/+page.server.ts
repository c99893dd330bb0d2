import { error as httpError, fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import { fieldErrors } from '$lib/server/form-errors';
import { formatNumber } from '$lib/format';
import type { Actions, PageServerLoad } from './$types';

/** The branding page: admins and owners. */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}', {
    params: { path: { slug: event.params.slug } },
  });
  if (!data) httpError(404, { message: m.adm_not_found() });
  return { branding: data.branding, name: data.name };
};

/**
 * The API's reason a colour was refused, in the page's language: too little
 * contrast with white text (with the ratio it computed), or not #rrggbb.
 */
function colourProblem(reason: string): string {
  if (!/contrast/i.test(reason)) return m.mem_colour_format();
  const ratio = /(\d+(?:\.\d+)?):1/.exec(reason)?.[1];
  return ratio
    ? m.mem_colour_contrast({ ratio: `${formatNumber(Number(ratio), 2)}:1` })
    : m.mem_colour_contrast_unknown();
}

export const actions: Actions = {
  /**
   * Uploads the logo when a file was chosen, then changes the branding in
   * one PATCH: an empty colour or text clears it.
   */
  save: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const api = apiFor(event, session);
    const slug = event.params.slug;
    const form = await event.request.formData();
    const primaryColor = String(form.get('primaryColor') ?? '').trim();
    const shortText = String(form.get('shortText') ?? '').trim();
    const values = { primaryColor, shortText };
    const logo = form.get('logo');
    const branding: {
      primaryColor: string | null;
      shortText: string | null;
      logoFileId?: string | null;
    } = {
      primaryColor: primaryColor === '' ? null : primaryColor,
      shortText: shortText === '' ? null : shortText,
    };
    if (logo instanceof File && logo.size > 0) {
      const upload = new FormData();
      upload.set('file', logo, logo.name || 'logo');
      const uploaded = await api.POST('/api/organizations/{slug}/files', {
        params: { path: { slug } },
        // The form goes as it is: multipart, with the boundary fetch writes.
        body: upload as never,
        bodySerializer: (body: unknown) => body as FormData,
      });
      if (uploaded.error || !uploaded.data) {
        const refusal = uploaded.error ? apiError(uploaded.error).message : '';
        return fail(400, { values, errors: { logo: refusal } });
      }
      branding.logoFileId = uploaded.data.fileId;
    } else if (form.get('removeLogo') === 'yes') {
      branding.logoFileId = null;
      Object.assign(branding, { logoUrl: null });
    }
    const { error } = await api.PATCH('/api/organizations/{slug}', {
      params: { path: { slug } },
      body: { branding },
    });
    if (error) {
      const errors = fieldErrors(apiError(error), 'branding');
      if (errors['primaryColor']) errors['primaryColor'] = colourProblem(errors['primaryColor']);
      return fail(400, { values, errors });
    }
    return { saved: true };
  },
};
