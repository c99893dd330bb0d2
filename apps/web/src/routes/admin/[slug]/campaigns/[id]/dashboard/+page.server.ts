import { error } from '@sveltejs/kit';
import { hasRole } from '$lib/admin/roles';
import { parseTiers } from '$lib/challenge/progress';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiFor } from '$lib/server/api';
import { loadFeed } from '$lib/server/contract';
import type { PageServerLoad } from './$types';

/**
 * The campaign dashboard (ADR 0038): for the organization's agents and up.
 * One challenge at a time (`?challenge=`, the first open one by default),
 * optionally one team (`?team=`), both chosen by a plain GET form: its
 * counters, its daily series, the teams' ranking over the campaign, the
 * forecast, what each tier owes and the recent activity.
 */
export const load: PageServerLoad = async (event) => {
  const { slug, id } = event.params;
  const { session, membership } = requireRole(event, slug, 'agent');
  const api = apiFor(event, session);
  const [campaignAnswer, organizationAnswer] = await Promise.all([
    api.GET('/api/campaigns/{id}', { params: { path: { id } } }),
    api.GET('/api/organizations/{slug}', { params: { path: { slug } } }),
  ]);
  const campaign = campaignAnswer.data;
  // Another organization's campaign is not this console's to show.
  if (!campaign || campaign.organization !== slug) error(404, { message: m.dash_not_found() });

  const challenges = (campaign.challenges ?? []).filter(
    (challenge) => challenge.status !== 'draft',
  );
  const wanted = event.url.searchParams.get('challenge');
  const challenge = challenges.find((one) => one.id === wanted) ?? challenges[0] ?? null;
  const teamParam = event.url.searchParams.get('team')?.trim() || null;
  const team = (campaign.teams ?? []).find((one) => one.slug === teamParam) ?? null;

  const admin = hasRole(membership.role, 'admin');
  const [series, ranking, feed, integrity] = await Promise.all([
    challenge
      ? api
          .GET('/api/challenges/{id}/series', {
            params: {
              path: { id: challenge.id },
              query: team ? { team: team.slug } : {},
            },
          })
          .then((answer) => answer.data ?? null)
      : Promise.resolve(null),
    api
      .GET('/api/campaigns/{id}/ranking', { params: { path: { id } } })
      .then((answer) => answer.data ?? null),
    challenge ? loadFeed(event, challenge.id, 10) : Promise.resolve([]),
    // Concentration alerts are the admins' to read (ADR 0039).
    challenge && admin
      ? api
          .GET('/api/challenges/{id}/integrity', { params: { path: { id: challenge.id } } })
          .then((answer) => answer.data ?? null)
      : Promise.resolve(null),
  ]);

  // A co-sponsored tier names its sponsor, whose beneficiary it may fund.
  const tiers = challenge ? parseTiers(challenge.tiers as Record<string, unknown>[]) : [];
  const sponsorSlugs = [
    ...new Set(
      tiers.flatMap((tier) => (tier.sponsor && tier.sponsor !== slug ? [tier.sponsor] : [])),
    ),
  ];
  const sponsors = await Promise.all(
    sponsorSlugs.map((sponsor) =>
      api
        .GET('/api/organizations/{slug}', { params: { path: { slug: sponsor } } })
        .then((answer) => answer.data ?? null),
    ),
  );
  const organization = organizationAnswer.data;
  const known = [organization, ...sponsors].filter((one) => one !== null && one !== undefined);
  return {
    campaign: { id: campaign.id, title: campaign.title },
    organizer: {
      name: organization?.name ?? membership.name,
      kind: organization?.kind ?? 'company',
    },
    organizations: Object.fromEntries(known.map((one) => [one.slug, one.name])),
    beneficiaries: Object.fromEntries(
      known.flatMap((one) =>
        (one.beneficiaries ?? []).map((beneficiary) => [beneficiary.id, beneficiary.name]),
      ),
    ),
    challenges: challenges.map((one) => ({ id: one.id, title: one.title })),
    challenge: challenge
      ? {
          id: challenge.id,
          title: challenge.title,
          status: challenge.status,
          unit: challenge.unit,
          progress: {
            participants: challenge.progress.participants,
            quantity: challenge.progress.quantity,
            co2eKg: challenge.progress.co2eKg,
          },
          forecast: challenge.forecast ?? null,
          tiers,
        }
      : null,
    teams: (campaign.teams ?? []).map((one) => ({ slug: one.slug, name: one.name })),
    team: team ? { slug: team.slug, name: team.name } : null,
    unknownTeam: teamParam !== null && team === null ? teamParam : null,
    series: series?.days ?? [],
    ranking,
    feed,
    alerts: integrity?.alerts ?? null,
    // The reports and the attestation are the admins' (the API says so too).
    downloads: admin,
  };
};
