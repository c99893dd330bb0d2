import { error, type RequestEvent } from '@sveltejs/kit';
import {
  apiProblems,
  fieldsFromSchema,
  type FieldDescriptor,
  type FieldProblem,
  type JsonSchema,
} from '$lib/forms/schema-form';
import { apiError, apiFor } from '$lib/server/api';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';

/**
 * What the console's campaign and challenge pages read from the API, in
 * one place: the action types with their settings forms, the campaign or
 * challenge checked to belong to the organization in the address, and the
 * API's refusals as problems next to fields.
 */

/** An installed action type as the console offers it. */
export interface ConsoleActionType {
  id: string;
  title: string;
  unit: string | null;
  settingsSchema: JsonSchema | null;
}

/** The installed action types, titled in the page's language. */
export async function loadActionTypes(event: RequestEvent): Promise<ConsoleActionType[]> {
  const { data } = await apiFor(event).GET('/api/action-types');
  const locale = getLocale() === 'en' ? 'en' : 'fr';
  return (data?.actionTypes ?? []).map((type) => ({
    id: type.id,
    title: type.title[locale],
    unit: type.unit,
    settingsSchema: (type.settingsSchema as JsonSchema | undefined) ?? null,
  }));
}

/** The settings form of an action type: its fields named under `actionSettings/`. */
export function settingsFields(type: ConsoleActionType | undefined): FieldDescriptor[] {
  return fieldsFromSchema(type?.settingsSchema, { prefix: 'actionSettings' });
}

/**
 * The action type a page shows: the one asked in the address (`?type=`)
 * when it is installed, else `current`, else `commute`, else the first.
 */
export function pickActionType(
  types: ConsoleActionType[],
  asked: string | null,
  current?: string,
): ConsoleActionType {
  const chosen =
    types.find((t) => t.id === asked) ??
    types.find((t) => t.id === current) ??
    types.find((t) => t.id === 'commute') ??
    types[0];
  if (!chosen) error(500, { message: m.con_no_action_type() });
  return chosen;
}

/** A campaign of the organization `slug` as its admins read it (drafts included), or 404. */
export async function loadOwnCampaign(event: RequestEvent, session: string, id: string) {
  const { data } = await apiFor(event, session).GET('/api/campaigns/{id}', {
    params: { path: { id } },
  });
  // Another organization's campaign is no page of this console.
  if (!data || data.organization !== event.params['slug']) {
    error(404, { message: m.con_not_found() });
  }
  return data;
}

/** A challenge of the organization `slug` (drafts included), with its campaign, or 404. */
export async function loadOwnChallenge(event: RequestEvent, session: string, id: string) {
  const { data } = await apiFor(event, session).GET('/api/challenges/{id}', {
    params: { path: { id } },
  });
  if (!data) error(404, { message: m.con_not_found() });
  const campaign = await loadOwnCampaign(event, session, data.campaignId);
  return { challenge: data, campaign };
}

/** The organization's beneficiaries, by name. */
export async function loadBeneficiaries(event: RequestEvent, session: string, slug: string) {
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}/beneficiaries', {
    params: { path: { slug } },
  });
  return (data?.beneficiaries ?? []).map((b) => ({
    id: b.id,
    name: b.name,
    description: b.description,
    url: b.url,
    email: b.email,
  }));
}

/**
 * An API refusal as problems per field: a 400's details next to the fields
 * they name (`known`), anything else (a 409…) at the top of the form, with
 * `conflict` as the words for a 409 when given.
 */
export function refusalProblems(
  refused: unknown,
  status: number,
  known: ReadonlySet<string>,
  conflict?: string,
): Record<string, FieldProblem> {
  const problem = apiError(refused);
  if (status === 400) {
    return apiProblems(problem.details ?? [{ path: '', message: problem.message }], known);
  }
  const message = status === 409 && conflict ? conflict : problem.message;
  return { form: { code: 'api', message } };
}
