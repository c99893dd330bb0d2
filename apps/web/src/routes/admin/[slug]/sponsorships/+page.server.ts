import { fail } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

/** The sponsorships page: admins and owners of the organization asked to sponsor. */
export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}/sponsorships', {
    params: { path: { slug: event.params.slug }, query: {} },
  });
  const all = data?.sponsorships ?? [];
  const decision = event.url.searchParams.get('decision');
  return {
    proposed: all.filter((s) => s.sponsorship === 'proposed'),
    accepted: all.filter((s) => s.sponsorship === 'accepted'),
    declined: all.filter((s) => s.sponsorship === 'declined'),
    // The confirmation step: `?decision=accept&challenge=…&tier=…` from a row's button.
    confirm:
      decision === 'accept' || decision === 'decline'
        ? {
            decision: decision as 'accept' | 'decline',
            challengeId: event.url.searchParams.get('challenge') ?? '',
            tierId: event.url.searchParams.get('tier') ?? '',
          }
        : null,
  };
};

export const actions: Actions = {
  /** Accepts or declines a proposed tier, once confirmed. */
  decide: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const decision = form.get('decision');
    const challengeId = String(form.get('challengeId') ?? '');
    const tierId = String(form.get('tierId') ?? '');
    if ((decision !== 'accept' && decision !== 'decline') || !challengeId || !tierId) {
      return fail(400, { error: m.mem_proposed_none() });
    }
    const { error } = await apiFor(event, session).POST(
      '/api/challenges/{id}/tiers/{tierId}/sponsorship',
      { params: { path: { id: challengeId, tierId } }, body: { decision } },
    );
    if (error) return fail(400, { error: apiError(error).message });
    return { done: decision === 'accept' ? m.mem_decided_accept() : m.mem_decided_decline() };
  },
};
