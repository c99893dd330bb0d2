import { error, fail, type RequestEvent } from '@sveltejs/kit';
import { apiError, apiFor } from '$lib/server/api';
import { requireRole } from '$lib/server/admin';
import { ledgerRows } from '$lib/ledger/entries';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

/** Ids as the API issues them (the API checks them again). */
const ID = /^[A-Za-z0-9_-]{1,100}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HTTP_URL = /^https?:\/\/[^/?#\s]+/i;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const FILE_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg']);

/**
 * The organization's counterparts (ADR 0035): every tier it organizes or
 * sponsors, as its ledger shows it, with the forms to move a delivery
 * date (tiers it sponsors) and to declare a delivery with its proof.
 * Admins and owners only.
 */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}/ledger', {
    params: { path: { slug: event.params.slug } },
  });
  if (!data) error(404, m.adm_not_found());
  return { rows: ledgerRows(data.entries) };
};

/** A posted text field, trimmed. */
function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** The tier a form posts about, or a 400. */
function tierOf(form: FormData) {
  const challengeId = field(form, 'challengeId');
  const tierId = field(form, 'tierId');
  if (!ID.test(challengeId) || !ID.test(tierId)) error(400, m.led_error_failed({ message: '' }));
  return { challengeId, tierId };
}

/** Uploads a proof file for the organization; its id, or the field's error. */
async function uploadProof(
  event: RequestEvent,
  session: string,
  slug: string,
  file: File,
): Promise<{ fileId: string } | { error: string }> {
  const body = new FormData();
  body.append('file', file, file.name || 'proof');
  const {
    data,
    error: refused,
    response,
  } = await apiFor(event, session).POST('/api/organizations/{slug}/files', {
    params: { path: { slug } },
    // A multipart body: openapi-fetch sends FormData as it is, with its boundary.
    body: body as unknown as { file: string },
    bodySerializer: (value) => value as unknown as FormData,
  });
  if (data) return { fileId: data.fileId };
  if (response.status === 413) return { error: m.led_error_file_size() };
  if (response.status === 415) return { error: m.led_error_file_type() };
  return { error: m.led_error_failed({ message: apiError(refused).message }) };
}

export const actions: Actions = {
  /** Declares a tier delivered, with words, a link and an uploaded receipt. */
  fulfil: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const { challengeId, tierId } = tierOf(form);
    const text = field(form, 'text');
    const url = field(form, 'url');
    const upload = form.get('file');
    const file = upload instanceof File && upload.size > 0 ? upload : null;
    const values = { text, url };
    const errors: Record<string, string> = {};
    if (url && !HTTP_URL.test(url)) errors['url'] = m.led_error_url();
    if (file && file.size > MAX_FILE_BYTES) errors['file'] = m.led_error_file_size();
    else if (file && file.type && !FILE_TYPES.has(file.type))
      errors['file'] = m.led_error_file_type();
    if (!text && !url && !file) errors['text'] = m.led_error_empty();
    if (Object.keys(errors).length > 0) return fail(400, { fulfil: { tierId, errors, values } });

    let fileId: string | undefined;
    if (file) {
      const uploaded = await uploadProof(event, session, event.params.slug, file);
      if ('error' in uploaded) {
        const refused: Record<string, string> = { file: uploaded.error };
        return fail(400, { fulfil: { tierId, errors: refused, values } });
      }
      fileId = uploaded.fileId;
    }
    const proof = {
      ...(text ? { text } : {}),
      ...(url ? { url } : {}),
      ...(fileId ? { fileId } : {}),
    };
    const {
      data,
      error: refused,
      response,
    } = await apiFor(event, session).POST('/api/challenges/{id}/tiers/{tierId}/fulfill', {
      params: { path: { id: challengeId, tierId } },
      body: { proof },
    });
    if (data) return { fulfilled: tierId };
    const problem = apiError(refused);
    const failed: Record<string, string> = {};
    if (problem.error === 'TANDEM_TIER_ALREADY_FULFILLED') failed['form'] = m.led_error_already();
    else if (response.status === 400) {
      for (const detail of problem.details ?? []) {
        const name = detail.path.replace(/^\/?(body\/)?proof\//, '');
        if (name === 'text' || name === 'url') failed[name] = detail.message;
        else if (name === 'fileId') failed['file'] = m.led_error_file_type();
      }
    }
    if (Object.keys(failed).length === 0) {
      failed['form'] = m.led_error_failed({ message: problem.message });
    }
    return fail(response.status === 409 ? 409 : 400, {
      fulfil: { tierId, errors: failed, values },
    });
  },

  /** Moves the date a tier this organization sponsors is due. */
  deliverBy: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const { challengeId, tierId } = tierOf(form);
    const day = field(form, 'deliverBy');
    if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      return fail(400, { deliverBy: { tierId, error: m.led_error_date(), value: day } });
    }
    // Due by the end of that day.
    const {
      data,
      error: refused,
      response,
    } = await apiFor(event, session).PATCH('/api/challenges/{id}/tiers/{tierId}', {
      params: { path: { id: challengeId, tierId } },
      body: { deliverBy: `${day}T23:59:59.000Z` },
    });
    if (data) return { deliverBySaved: tierId };
    const problem = apiError(refused);
    const message =
      response.status === 400
        ? m.led_error_date()
        : problem.error === 'TANDEM_TIER_ALREADY_FULFILLED'
          ? m.led_error_already()
          : m.led_error_failed({ message: problem.message });
    return fail(response.status === 409 ? 409 : 400, {
      deliverBy: { tierId, error: message, value: day },
    });
  },
};
