import { fail, redirect } from '@sveltejs/kit';
import { CAMPAIGN_FIELDS, readCampaignForm } from '$lib/console/campaign-form';
import { formValues } from '$lib/forms/schema-form';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { refusalProblems } from '$lib/server/console';
import type { Actions, PageServerLoad } from './$types';

/** The organization's campaigns, each with how many of its challenges are in each state. */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const api = apiFor(event, session);
  const { data } = await api.GET('/api/organizations/{slug}', {
    params: { path: { slug: event.params.slug } },
  });
  const campaigns = await Promise.all(
    (data?.campaigns ?? []).map(async (summary) => {
      const { data: campaign } = await api.GET('/api/campaigns/{id}', {
        params: { path: { id: summary.id } },
      });
      const challenges = campaign?.challenges ?? [];
      return {
        id: summary.id,
        title: summary.title,
        startsAt: summary.startsAt,
        endsAt: summary.endsAt,
        audience: String((summary.audience as { type?: unknown }).type ?? 'public'),
        drafts: challenges.filter((c) => c.status === 'draft').length,
        open: challenges.filter((c) => c.status === 'open').length,
        ended: challenges.filter((c) => c.status !== 'draft' && c.status !== 'open').length,
      };
    }),
  );
  return { campaigns };
};

export const actions: Actions = {
  /** Creates a campaign, then opens its page (to add challenges and teams). */
  create: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const values = formValues(form);
    const read = readCampaignForm(form);
    if (!read.ok) return fail(400, { errors: read.errors, values });
    const { description, startsAt, endsAt, ...rest } = read.value;
    const {
      data,
      error: refused,
      response,
    } = await apiFor(event, session).POST('/api/organizations/{slug}/campaigns', {
      params: { path: { slug: event.params.slug } },
      body: {
        ...rest,
        ...(description ? { description } : {}),
        ...(startsAt ? { startsAt } : {}),
        ...(endsAt ? { endsAt } : {}),
      },
    });
    if (!data) {
      return fail(response.status, {
        errors: refusalProblems(refused, response.status, CAMPAIGN_FIELDS),
        values,
      });
    }
    redirect(303, `/admin/${event.params.slug}/campaigns/${data.id}`);
  },
};
