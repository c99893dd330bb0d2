import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import {
  apiProblems,
  type Choice,
  fieldNames,
  formValues,
  readSchemaForm,
  type FieldProblem,
} from '$lib/forms/schema-form';
import { readingFields } from '$lib/me/contribution-form';
import { m } from '$lib/paraglide/messages';
import { cookieName, getLocale, isLocale } from '$lib/paraglide/runtime';
import { apiError, apiFor, type ApiError } from '$lib/server/api';
import { fieldErrors } from '$lib/server/form-errors';
import { clearSessionCookie } from '$lib/server/session';
import type { Actions, PageServerLoad } from './$types';

/** Ids the API hands out: short and plain; anything else never reaches it. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

function idOf(form: FormData, name: string): string | null {
  const value = form.get(name);
  return typeof value === 'string' && ID.test(value) ? value : null;
}

/** Every action needs the session; a lost one goes back to signing in, then here. */
function signedIn(event: RequestEvent): string {
  if (!event.locals.me || !event.locals.session)
    redirect(303, `/sign-in?next=${encodeURIComponent('/me')}`);
  return event.locals.session;
}

/** What went wrong at the API, as a sentence for the top of a form. */
function problem(response: Response, body: unknown): string {
  if (response.status === 409 && apiError(body).error === 'TANDEM_CONTRIBUTION_LOCKED')
    return m.me_contribution_locked();
  if (apiError(body).error === 'TANDEM_ORGANIZATION_LAST_OWNER') return m.me_erase_last_owner();
  if (response.status === 429) return m.account_too_many();
  if (response.status >= 500) return m.error_generic();
  return apiError(body).message;
}

export const load: PageServerLoad = async (event) => {
  const me = event.locals.me;
  if (!me || !event.locals.session) redirect(303, `/sign-in?next=${encodeURIComponent('/me')}`);
  // What this page shows is this person's alone: never stored by a shared cache.
  event.setHeaders({ 'cache-control': 'private, no-store' });
  const api = apiFor(event);
  const [mine, types] = await Promise.all([
    api.GET('/api/me/pledges'),
    api.GET('/api/action-types'),
  ]);
  if (!mine.data) error(mine.response.status === 401 ? 401 : 502, m.error_generic());
  const used = new Set(mine.data.pledges.map((pledge) => pledge.challenge.actionType));
  const locale = getLocale();
  const actionTypes = Object.fromEntries(
    (types.data?.actionTypes ?? [])
      .filter((type) => used.has(type.id))
      .map((type) => [
        type.id,
        {
          title: type.title[locale],
          unit: type.unit,
          contributionSchema: type.contributionSchema,
        },
      ]),
  );
  // A catalogue challenge's own actions are the options of "which action".
  const choices = Object.fromEntries(
    await Promise.all(
      mine.data.pledges
        .filter((pledge) => pledge.status === 'confirmed')
        .map(
          async (pledge) =>
            [
              pledge.id,
              await choicesFor(event, pledge.challenge.id, pledge.challenge.actionType),
            ] as const,
        ),
    ),
  );
  const search = event.url.searchParams;
  return {
    me: {
      email: me.email ?? null,
      displayName: me.displayName ?? null,
      showAs: me.showAs ?? 'anonymous',
      locale: me.locale ?? locale,
      mailOptOut: me.mailOptOut ?? false,
      place: me.place ?? null,
      memberships: me.memberships,
    },
    pledges: mine.data.pledges,
    totals: mine.data.totals,
    actionTypes,
    choices,
    /** The pledge whose withdrawal waits for a confirmation (a link, so it works without JS). */
    confirmWithdraw: search.get('withdraw'),
    /** The contribution being corrected. */
    editing: search.get('edit'),
    /** Erasure asked: the explicit confirmation form shows. */
    confirmErase: search.has('erase'),
    saved: search.get('saved'),
  };
};

type ProfileErrors = Partial<
  Record<'displayName' | 'showAs' | 'postcode' | 'locale' | 'mailOptOut' | 'form', string>
>;

export const actions: Actions = {
  /** My name, how the feed shows me, my postcode, my language, and the switch that stops all mail. */
  profile: async (event) => {
    signedIn(event);
    const form = await event.request.formData();
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const displayName = text('displayName');
    const postcode = text('postcode');
    const showAs = text('showAs');
    const locale = text('locale');
    const values = {
      displayName,
      postcode,
      showAs,
      locale,
      mailOptOut: form.get('mailOptOut') === 'on',
    };
    const errors: ProfileErrors = {};
    if (showAs !== 'name' && showAs !== 'anonymous') errors.showAs = m.me_problem_choice();
    if (!isLocale(locale)) errors.locale = m.me_problem_choice();
    if (postcode !== '' && !/^[0-9]{5}$/.test(postcode)) errors.postcode = m.me_problem_postcode();
    if (showAs === 'name' && displayName === '') errors.displayName = m.me_problem_name_needed();
    if (Object.keys(errors).length > 0 || !isLocale(locale))
      return fail(400, { profile: { values, errors } });
    const { error: refused, response } = await apiFor(event).PATCH('/api/me', {
      body: {
        displayName: displayName === '' ? null : displayName,
        showAs: showAs as 'name' | 'anonymous',
        locale,
        mailOptOut: values.mailOptOut,
        postcode: postcode === '' ? null : postcode,
      },
    });
    if (refused) {
      const byField = fieldErrors(apiError(refused));
      if (!Object.keys(byField).some((key) => key in values))
        byField.form = problem(response, refused);
      return fail(response.status === 400 ? 400 : response.status, {
        profile: { values, errors: byField as ProfileErrors },
      });
    }
    // The language chosen for mails is the one the site speaks from now on.
    event.cookies.set(cookieName, locale, {
      path: '/',
      httpOnly: false,
      sameSite: 'lax',
      maxAge: 365 * 24 * 3600,
    });
    redirect(303, '/me?saved=profile#profile');
  },

  /** Reports what I did for a challenge, from the action type's contribution form. */
  contribute: async (event) => {
    signedIn(event);
    const form = await event.request.formData();
    const challengeId = idOf(form, 'challengeId');
    const pledgeId = idOf(form, 'pledgeId');
    const actionType = String(form.get('actionType') ?? '');
    const schema = await contributionSchemaOf(event, actionType);
    if (!challengeId || !pledgeId || schema === undefined)
      return fail(400, {
        contribute: {
          pledgeId,
          values: {},
          errors: { form: { code: 'api', message: m.me_problem_form() } },
        },
      });
    const fields = readingFields(schema, await choicesFor(event, challengeId, actionType));
    const values = formValues(form);
    const read = readSchemaForm(fields, form);
    if (!read.ok) return fail(400, { contribute: { pledgeId, values, errors: read.errors } });
    const { error: refused, response } = await apiFor(event).POST(
      '/api/challenges/{id}/contributions',
      { params: { path: { id: challengeId } }, body: { details: read.value } },
    );
    if (refused)
      return fail(statusOf(response), {
        contribute: { pledgeId, values, errors: refusal(refused, response, fields) },
      });
    redirect(303, `/me?saved=contribution#pledge-${pledgeId}`);
  },

  /** Corrects a contribution within its correction window (a typo of 250 for 25). */
  correct: async (event) => {
    signedIn(event);
    const form = await event.request.formData();
    const contributionId = idOf(form, 'contributionId');
    const challengeId = idOf(form, 'challengeId');
    const actionType = String(form.get('actionType') ?? '');
    const schema = await contributionSchemaOf(event, actionType);
    if (!contributionId || schema === undefined)
      return fail(400, {
        correct: {
          contributionId,
          values: {},
          errors: { form: { code: 'api', message: m.me_problem_form() } },
        },
      });
    const fields = readingFields(
      schema,
      challengeId ? await choicesFor(event, challengeId, actionType) : {},
    );
    const values = formValues(form);
    const read = readSchemaForm(fields, form);
    if (!read.ok) return fail(400, { correct: { contributionId, values, errors: read.errors } });
    const { error: refused, response } = await apiFor(event).PATCH('/api/contributions/{id}', {
      params: { path: { id: contributionId } },
      body: { details: read.value },
    });
    if (refused)
      return fail(statusOf(response), {
        correct: { contributionId, values, errors: refusal(refused, response, fields) },
      });
    redirect(303, `/me?saved=corrected#contribution-${contributionId}`);
  },

  /** Deletes a contribution within its correction window. */
  delete: async (event) => {
    signedIn(event);
    const form = await event.request.formData();
    const contributionId = idOf(form, 'contributionId');
    if (!contributionId)
      return fail(400, { remove: { contributionId, message: m.me_problem_form() } });
    const { error: refused, response } = await apiFor(event).DELETE('/api/contributions/{id}', {
      params: { path: { id: contributionId } },
    });
    if (refused)
      return fail(statusOf(response), {
        remove: { contributionId, message: problem(response, refused) },
      });
    redirect(303, '/me?saved=deleted#pledges');
  },

  /** Withdraws a pledge, once the person confirmed it (a second, explicit form). */
  withdraw: async (event) => {
    signedIn(event);
    const form = await event.request.formData();
    const pledgeId = idOf(form, 'pledgeId');
    if (!pledgeId) return fail(400, { withdraw: { pledgeId, message: m.me_problem_form() } });
    if (form.get('confirm') !== 'yes')
      redirect(303, `/me?withdraw=${pledgeId}#withdraw-${pledgeId}`);
    const { error: refused, response } = await apiFor(event).DELETE('/api/pledges/{id}', {
      params: { path: { id: pledgeId } },
    });
    if (refused)
      return fail(statusOf(response), {
        withdraw: { pledgeId, message: problem(response, refused) },
      });
    redirect(303, `/me?saved=withdrawn#pledge-${pledgeId}`);
  },

  /** Erases my account, after an explicit confirmation; then signs me out and says goodbye. */
  erase: async (event) => {
    signedIn(event);
    const form = await event.request.formData();
    if (form.get('understand') !== 'yes')
      return fail(400, { erase: { errors: { understand: m.me_erase_understand_required() } } });
    const { error: refused, response } = await apiFor(event).DELETE('/api/me');
    if (refused)
      return fail(statusOf(response), { erase: { errors: { form: problem(response, refused) } } });
    clearSessionCookie(event.cookies);
    redirect(303, '/goodbye');
  },
};

/** A 4xx as the API answered it; anything else is shown as the page's own 400. */
function statusOf(response: Response): number {
  return response.status >= 400 && response.status < 500 ? response.status : 400;
}

/** The API's refusal of a contribution form, next to the fields it names. */
function refusal(
  body: unknown,
  response: Response,
  fields: ReturnType<typeof readingFields>,
): Record<string, FieldProblem> {
  const refused: ApiError = apiError(body);
  if (response.status === 400 && refused.details?.length)
    return apiProblems(refused.details, fieldNames(fields));
  return { form: { code: 'api', message: problem(response, body) } };
}

/** The contribution schema of an installed action type; undefined when it has none or is unknown. */
async function contributionSchemaOf(event: RequestEvent, actionType: string) {
  const { data } = await apiFor(event).GET('/api/action-types');
  const schema = data?.actionTypes.find((type) => type.id === actionType)?.contributionSchema;
  return schema ?? undefined;
}

/**
 * Options the contribution schema cannot know: a catalogue challenge's own
 * actions (`GET /api/challenges/{id}/actions`, served by the catalogue
 * plugin), in the page's language. Other action types need none.
 */
async function choicesFor(
  event: RequestEvent,
  challengeId: string,
  actionType: string,
): Promise<Record<string, Choice[]>> {
  if (actionType !== 'actions-catalogue') return {};
  const { data } = await apiFor(event).GET('/api/challenges/{id}/actions', {
    params: { path: { id: challengeId } },
  });
  if (!data) return {};
  const locale = getLocale();
  return {
    action: data.actions.map((action) => ({ value: action.id, label: action.title[locale] })),
  };
}
