import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { hasRole } from '$lib/admin/roles';
import { loadPartnerships } from '$lib/server/federation';
import type { PageServerLoad } from './$types';

/**
 * The overview: every campaign with its challenges (drafts too — agents and
 * admins see them), their status and progress, and what waits for an
 * admin (drafts to open; where invitations to shared challenges are answered).
 */
export const load: PageServerLoad = async (event) => {
  const { session, membership } = requireRole(event, event.params.slug, 'agent');
  const api = apiFor(event, session);
  const { data } = await api.GET('/api/organizations/{slug}', {
    params: { path: { slug: event.params.slug } },
  });
  const campaigns = await Promise.all(
    (data?.campaigns ?? []).map(async (summary) => {
      const { data: campaign } = await api.GET('/api/campaigns/{id}', {
        params: { path: { id: summary.id } },
      });
      return {
        id: summary.id,
        title: summary.title,
        startsAt: summary.startsAt,
        endsAt: summary.endsAt,
        audience: String((summary.audience as { type?: unknown }).type ?? 'public'),
        challenges: (campaign?.challenges ?? []).map((c) => {
          const goal = (c.goal ?? {}) as { participants?: number; quantity?: number };
          return {
            id: c.id,
            title: c.title,
            status: c.status,
            unit: c.unit,
            deadline: c.deadline,
            participants: c.progress.participants,
            quantity: c.progress.quantity,
            goalParticipants: goal.participants ?? null,
            goalQuantity: goal.quantity ?? null,
            pendingSponsors: c.tiers.filter((t) => t.sponsorship === 'proposed').length,
          };
        }),
      };
    }),
  );
  const drafts = campaigns.flatMap((campaign) =>
    campaign.challenges
      .filter((c) => c.status === 'draft')
      .map((c) => ({ ...c, campaign: campaign.title })),
  );
  // Invitations to feed another organization's challenge wait for an admin (ADR 0043).
  const invitations = hasRole(membership.role, 'admin')
    ? (await loadPartnerships(event, session, event.params.slug, null, 'invited')).map((p) => ({
        challengeId: p.challengeId,
        title: p.title,
        owner: p.owner?.name ?? null,
      }))
    : [];
  return { campaigns, drafts, invitations };
};
