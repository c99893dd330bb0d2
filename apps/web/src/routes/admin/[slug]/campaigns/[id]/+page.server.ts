import { fail, redirect } from '@sveltejs/kit';
import { CAMPAIGN_FIELDS, campaignFormValues, readCampaignForm } from '$lib/console/campaign-form';
import { formValues, type FieldProblem } from '$lib/forms/schema-form';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { loadOwnCampaign, refusalProblems } from '$lib/server/console';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** A campaign in the console: its settings, its challenges (drafts too) and its teams. */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const campaign = await loadOwnCampaign(event, session, event.params.id);
  const { data: teams } = await apiFor(event, session).GET('/api/campaigns/{id}/teams', {
    params: { path: { id: campaign.id } },
  });
  const challenges = (campaign.challenges ?? []).map((c) => ({
    id: c.id,
    title: c.title,
    status: c.status,
    participants: c.progress.participants,
    goal: (c.goal as { participants?: number } | null)?.participants ?? null,
  }));
  return {
    campaign: { id: campaign.id, title: campaign.title },
    values: campaignFormValues({
      ...campaign,
      audience: campaign.audience as Record<string, unknown>,
    }),
    challenges,
    deletable: challenges.every((c) => c.status === 'draft'),
    teams: teams?.teams ?? [],
    deleted: event.url.searchParams.get('deleted') === '1',
  };
};

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

async function guard(event: RequestEvent) {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const campaign = await loadOwnCampaign(event, session, event.params.id);
  return { session, campaign, api: apiFor(event, session) };
}

export const actions: Actions = {
  /** Saves the campaign; blank dates and words are cleared. */
  update: async (event) => {
    const { campaign, api } = await guard(event);
    const form = await event.request.formData();
    const values = formValues(form);
    const read = readCampaignForm(form);
    if (!read.ok) return fail(400, { step: 'update', errors: read.errors, values });
    const {
      data,
      error: refused,
      response,
    } = await api.PATCH('/api/campaigns/{id}', {
      params: { path: { id: campaign.id } },
      body: read.value,
    });
    if (!data) {
      const errors = refusalProblems(refused, response.status, CAMPAIGN_FIELDS);
      return fail(response.status, { step: 'update', errors, values });
    }
    return { step: 'update', done: true };
  },

  /** Deletes the campaign (only while all its challenges are drafts), once confirmed. */
  delete: async (event) => {
    const { campaign, api } = await guard(event);
    const form = await event.request.formData();
    if (form.get('confirm') !== 'yes') {
      const errors: Record<string, FieldProblem> = {
        confirm: { code: 'api', message: m.con_confirm_required() },
      };
      return fail(400, { step: 'delete', errors });
    }
    const { error: refused, response } = await api.DELETE('/api/campaigns/{id}', {
      params: { path: { id: campaign.id } },
    });
    if (!response.ok) {
      const errors = refusalProblems(
        refused,
        response.status,
        new Set(),
        m.con_campaign_not_draft(),
      );
      return fail(response.status, { step: 'delete', errors });
    }
    redirect(303, `/admin/${event.params.slug}/campaigns`);
  },

  /** Adds a team. */
  team: async (event) => {
    const { campaign, api } = await guard(event);
    const form = await event.request.formData();
    const name = text(form, 'name');
    const values = formValues(form);
    if (!name) {
      const errors: Record<string, FieldProblem> = { name: { code: 'required' } };
      return fail(400, { step: 'team', errors, values });
    }
    const {
      data,
      error: refused,
      response,
    } = await api.POST('/api/campaigns/{id}/teams', {
      params: { path: { id: campaign.id } },
      body: { name },
    });
    if (!data) {
      const errors = refusalProblems(
        refused,
        response.status,
        new Set(['name']),
        m.con_team_taken(),
      );
      return fail(response.status, { step: 'team', errors, values });
    }
    return { step: 'team', done: true };
  },

  /** Renames a team. */
  renameTeam: async (event) => {
    const { campaign, api } = await guard(event);
    const form = await event.request.formData();
    const teamId = text(form, 'teamId');
    const name = text(form, 'name');
    if (!name) {
      const errors: Record<string, FieldProblem> = { name: { code: 'required' } };
      return fail(400, { step: 'renameTeam', teamId, errors });
    }
    const {
      data,
      error: refused,
      response,
    } = await api.PATCH('/api/campaigns/{id}/teams/{teamId}', {
      params: { path: { id: campaign.id, teamId } },
      body: { name },
    });
    if (!data) {
      const errors = refusalProblems(
        refused,
        response.status,
        new Set(['name']),
        m.con_team_taken(),
      );
      return fail(response.status, { step: 'renameTeam', teamId, errors });
    }
    return { step: 'renameTeam', teamId, done: true };
  },

  /** Deletes a team nobody joined. */
  deleteTeam: async (event) => {
    const { campaign, api } = await guard(event);
    const form = await event.request.formData();
    const teamId = text(form, 'teamId');
    const { error: refused, response } = await api.DELETE('/api/campaigns/{id}/teams/{teamId}', {
      params: { path: { id: campaign.id, teamId } },
    });
    if (!response.ok) {
      const errors = refusalProblems(refused, response.status, new Set(), m.con_team_not_empty());
      return fail(response.status, { step: 'renameTeam', teamId, errors });
    }
    return { step: 'deleteTeam', done: true };
  },
};
