import { fail, redirect } from '@sveltejs/kit';
import type { paths } from '@tandem/client';
import {
  challengeFieldNames,
  postedRows,
  readChallengeForm,
  rowsFor,
} from '$lib/console/challenge-form';
import { formValues } from '$lib/forms/schema-form';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import {
  loadActionTypes,
  loadBeneficiaries,
  loadOwnCampaign,
  pickActionType,
  refusalProblems,
  settingsFields,
} from '$lib/server/console';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

type ChallengeBody =
  paths['/api/campaigns/{id}/challenges']['post']['requestBody']['content']['application/json'];

async function context(event: RequestEvent, asked: string | null) {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const [campaign, types, beneficiaries] = await Promise.all([
    loadOwnCampaign(event, session, event.params.id),
    loadActionTypes(event),
    loadBeneficiaries(event, session, event.params.slug),
  ]);
  const type = pickActionType(types, asked);
  return { session, campaign, types, type, beneficiaries, fields: settingsFields(type) };
}

/** A new challenge of the campaign: the action type is chosen first (`?type=`), its settings follow. */
export const load: PageServerLoad = async (event) => {
  const { campaign, types, type, beneficiaries, fields } = await context(
    event,
    event.url.searchParams.get('type'),
  );
  return {
    campaign: { id: campaign.id, title: campaign.title },
    types: types.map((t) => ({ id: t.id, title: t.title })),
    type: { id: type.id, title: type.title, unit: type.unit },
    fields,
    beneficiaries: beneficiaries.map((b) => ({ id: b.id, name: b.name })),
    rows: rowsFor(0),
  };
};

export const actions: Actions = {
  /** "Add a tier": the same form again, as typed, with one more row. */
  rows: async (event) => {
    requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    return { values: formValues(form), rows: rowsFor(0, postedRows(form) + 1) };
  },

  /** Creates the challenge as a draft, then opens its console page. */
  create: async (event) => {
    const form = await event.request.formData();
    const asked =
      typeof form.get('actionType') === 'string' ? String(form.get('actionType')) : null;
    const { session, campaign, type, fields } = await context(event, asked);
    const values = formValues(form);
    const rows = postedRows(form);
    const read = readChallengeForm(form, fields);
    if (!read.ok) return fail(400, { errors: read.errors, values, rows });
    const { description, deadline, ...rest } = read.value;
    const body = {
      ...rest,
      actionType: type.id,
      ...(description ? { description } : {}),
      ...(deadline ? { deadline } : {}),
    };
    const {
      data,
      error: refused,
      response,
    } = await apiFor(event, session).POST('/api/campaigns/{id}/challenges', {
      params: { path: { id: campaign.id } },
      body: body as unknown as ChallengeBody,
    });
    if (!data) {
      const errors = refusalProblems(refused, response.status, challengeFieldNames(fields, rows));
      return fail(response.status, { errors, values, rows });
    }
    redirect(303, `/admin/${event.params.slug}/challenges/${data.id}`);
  },
};
