import { fail, redirect } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import type { paths } from '@tandem/client';
import { parseTiers } from '$lib/challenge/progress';
import {
  challengeFieldNames,
  challengeFormValues,
  postedRows,
  readChallengeForm,
  rowsFor,
} from '$lib/console/challenge-form';
import { formValues, type FieldProblem } from '$lib/forms/schema-form';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import {
  invitePartner,
  loadPartners,
  partnerReportPath,
  removePartner,
  sharesOf,
  SLUG,
} from '$lib/server/federation';
import {
  loadActionTypes,
  loadBeneficiaries,
  loadOwnChallenge,
  pickActionType,
  refusalProblems,
  settingsFields,
} from '$lib/server/console';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

type ChallengePatch =
  paths['/api/challenges/{id}']['patch']['requestBody']['content']['application/json'];

async function context(event: RequestEvent, asked: string | null) {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const [{ challenge, campaign }, types, beneficiaries] = await Promise.all([
    loadOwnChallenge(event, session, event.params.id),
    loadActionTypes(event),
    loadBeneficiaries(event, session, event.params.slug),
  ]);
  const type = pickActionType(
    types,
    challenge.status === 'draft' ? asked : null,
    challenge.actionType,
  );
  return {
    session,
    challenge,
    campaign,
    types,
    type,
    beneficiaries,
    fields: settingsFields(type),
  };
}

/**
 * A challenge in the console: its public IF/THEN card as a preview, the
 * edit form while it is a draft (another action type through `?type=`),
 * opening, closing early and deleting a draft, each with a confirmation;
 * and its partners (ADR 0043): invite another organization, follow each
 * one's answer and figures, withdraw one while the challenge is a draft.
 */
export const load: PageServerLoad = async (event) => {
  const { session, challenge, campaign, types, type, beneficiaries, fields } = await context(
    event,
    event.url.searchParams.get('type'),
  );
  const api = apiFor(event, session);
  const partners = (await loadPartners(event, session, challenge.id)) ?? [];
  const shares = sharesOf(challenge);
  const withdrawing = event.url.searchParams.get('withdraw');
  const tiers = parseTiers(challenge.tiers as unknown as Record<string, unknown>[]);
  // Names for the preview: the organizer and any other sponsor, with their beneficiaries.
  const slugs = new Set<string>([event.params.slug]);
  for (const tier of tiers) if (tier.sponsor) slugs.add(tier.sponsor);
  const organizations = await Promise.all(
    [...slugs].map(async (slug) => {
      const { data } = await api.GET('/api/organizations/{slug}', { params: { path: { slug } } });
      return data ?? null;
    }),
  );
  const names: Record<string, string> = {};
  const beneficiaryNames: Record<string, string> = {};
  for (const org of organizations) {
    if (!org) continue;
    names[org.slug] = org.name;
    for (const b of org.beneficiaries) beneficiaryNames[b.id] = b.name;
  }
  const organizer = organizations.find((o) => o?.slug === event.params.slug);
  const values = challengeFormValues({
    ...challenge,
    actionSettings: type.id === challenge.actionType ? challenge.actionSettings : {},
    tiers: challenge.tiers,
  });
  if (type.id !== challenge.actionType) values['actionType'] = [type.id];
  // A tier the organization keeps itself names it as sponsor: the form leaves that blank.
  for (const [name, value] of Object.entries(values)) {
    if (name.endsWith('/sponsor') && value[0] === event.params.slug) delete values[name];
  }
  return {
    challenge: {
      id: challenge.id,
      title: challenge.title,
      description: challenge.description,
      status: challenge.status,
      unit: challenge.unit,
      deadline: challenge.deadline,
      openedAt: challenge.openedAt,
      closedAt: challenge.closedAt,
      progress: {
        participants: challenge.progress.participants,
        quantity: challenge.progress.quantity,
        co2eKg: challenge.progress.co2eKg,
      },
      sponsorships: challenge.tiers.map((t) => t.sponsorship),
    },
    tiers,
    campaign: { id: campaign.id, title: campaign.title },
    names,
    beneficiaryNames,
    organizerKind: organizer?.kind ?? 'city',
    types: types.map((t) => ({ id: t.id, title: t.title })),
    type: { id: type.id, title: type.title, unit: type.unit },
    fields,
    beneficiaries: beneficiaries.map((b) => ({ id: b.id, name: b.name })),
    values,
    rows: rowsFor(challenge.tiers.length),
    partners: partners.map((partner) => ({
      ...partner,
      share: shares.find((s) => s.organization === partner.organization) ?? null,
      report:
        partner.status === 'accepted' || partner.status === 'left'
          ? partnerReportPath(challenge.id, partner.organization)
          : null,
    })),
    shares,
    origin: env['TANDEM_PUBLIC_URL'] || event.url.origin,
    // The confirmation step of a withdrawal: `?withdraw=<slug>` from the partner's row.
    withdrawing:
      challenge.status === 'draft' && partners.some((p) => p.organization === withdrawing)
        ? withdrawing
        : null,
  };
};

/** A confirmation box ticked, or the problem that says to tick it. */
function confirmed(form: FormData): Record<string, FieldProblem> | null {
  return form.get('confirm') === 'yes'
    ? null
    : { confirm: { code: 'api', message: m.con_confirm_required() } };
}

async function lifecycle(event: RequestEvent, step: 'open' | 'close', confirm: boolean) {
  const form = await event.request.formData();
  const { session, challenge } = await context(event, null);
  if (confirm) {
    const problems = confirmed(form);
    if (problems) return fail(400, { step, errors: problems });
  }
  const {
    data,
    error: refused,
    response,
  } = await apiFor(event, session).POST(
    step === 'open' ? '/api/challenges/{id}/open' : '/api/challenges/{id}/close',
    { params: { path: { id: challenge.id } } },
  );
  if (!data) {
    const conflict = step === 'open' ? m.con_open_refused() : m.con_close_refused();
    const problems = refusalProblems(refused, response.status, new Set(), conflict);
    const detail = problems['form'];
    return fail(response.status, {
      step,
      errors: {
        form: {
          code: 'api',
          message:
            detail?.code === 'api' && detail.message !== conflict
              ? `${conflict} ${detail.message}`
              : conflict,
        },
      } satisfies Record<string, FieldProblem>,
    });
  }
  return { step, done: true };
}

/** The organization slug a partner form names, or the problem to show next to its field. */
function organizationOf(form: FormData): { slug: string } | { problem: FieldProblem } {
  const raw = form.get('organization');
  const slug = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (!slug) return { problem: { code: 'api', message: m.fed_invite_slug_missing() } };
  if (!SLUG.test(slug)) return { problem: { code: 'api', message: m.fed_invite_slug_invalid() } };
  return { slug };
}

export const actions: Actions = {
  /** Invites another organization, by its slug, to feed this challenge. */
  invite: async (event) => {
    const form = await event.request.formData();
    const { session, challenge } = await context(event, null);
    const values = formValues(form);
    const read = organizationOf(form);
    if ('problem' in read) {
      return fail(400, { step: 'invite', errors: { organization: read.problem }, values });
    }
    if (read.slug === event.params.slug) {
      return fail(400, {
        step: 'invite',
        errors: {
          organization: { code: 'api', message: m.fed_invite_self() },
        } satisfies Record<string, FieldProblem>,
        values,
      });
    }
    const outcome = await invitePartner(event, session, challenge.id, read.slug);
    if (!outcome.ok) {
      const { status, problem } = outcome.refusal;
      const message =
        status === 404
          ? m.fed_invite_unknown({ slug: read.slug })
          : status === 409
            ? m.fed_invite_conflict()
            : problem.message;
      const field = status === 404 || status === 400 ? 'organization' : 'form';
      return fail(status, {
        step: 'invite',
        errors: { [field]: { code: 'api', message } } as Record<string, FieldProblem>,
        values,
      });
    }
    return { step: 'invite', done: true, invited: outcome.value?.name ?? read.slug };
  },

  /** Withdraws a partner's invitation or participation, once confirmed, while the challenge is a draft. */
  withdraw: async (event) => {
    const form = await event.request.formData();
    const { session, challenge } = await context(event, null);
    const read = organizationOf(form);
    if ('problem' in read) return fail(400, { step: 'withdraw', errors: { form: read.problem } });
    const problems = confirmed(form);
    if (problems) return fail(400, { step: 'withdraw', errors: problems, organization: read.slug });
    const outcome = await removePartner(event, session, challenge.id, read.slug);
    if (!outcome.ok) {
      const { status, problem } = outcome.refusal;
      const message = status === 409 ? m.fed_withdraw_refused() : problem.message;
      return fail(status, {
        step: 'withdraw',
        errors: { form: { code: 'api', message } } as Record<string, FieldProblem>,
      });
    }
    return { step: 'withdraw', done: true };
  },

  rows: async (event) => {
    requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    return { step: 'edit', values: formValues(form), rows: rowsFor(0, postedRows(form) + 1) };
  },

  /** Saves the draft (the API refuses once it is open: 409). */
  update: async (event) => {
    const form = await event.request.formData();
    const asked =
      typeof form.get('actionType') === 'string' ? String(form.get('actionType')) : null;
    const { session, challenge, type, fields } = await context(event, asked);
    const values = formValues(form);
    const rows = postedRows(form);
    const read = readChallengeForm(form, fields);
    if (!read.ok) return fail(400, { step: 'edit', errors: read.errors, values, rows });
    const body = { ...read.value, actionType: type.id };
    const {
      data,
      error: refused,
      response,
    } = await apiFor(event, session).PATCH('/api/challenges/{id}', {
      params: { path: { id: challenge.id } },
      body: body as unknown as ChallengePatch,
    });
    if (!data) {
      const errors = refusalProblems(
        refused,
        response.status,
        challengeFieldNames(fields, rows),
        m.con_not_draft(),
      );
      return fail(response.status, { step: 'edit', errors, values, rows });
    }
    return { step: 'edit', done: true };
  },

  open: (event) => lifecycle(event, 'open', false),
  close: (event) => lifecycle(event, 'close', true),

  /** Deletes the draft, once confirmed, and goes back to its campaign. */
  delete: async (event) => {
    const form = await event.request.formData();
    const { session, challenge, campaign } = await context(event, null);
    const problems = confirmed(form);
    if (problems) return fail(400, { step: 'delete', errors: problems });
    const { error: refused, response } = await apiFor(event, session).DELETE(
      '/api/challenges/{id}',
      { params: { path: { id: challenge.id } } },
    );
    if (!response.ok) {
      const errors = refusalProblems(refused, response.status, new Set(), m.con_not_draft());
      return fail(response.status, { step: 'delete', errors });
    }
    redirect(303, `/admin/${event.params.slug}/campaigns/${campaign.id}?deleted=1`);
  },
};
