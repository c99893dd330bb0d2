import { error } from '@sveltejs/kit';
import { apiFor } from '$lib/server/api';
import { parseBranding } from '$lib/server/contract';
import { ledgerRows } from '$lib/ledger/entries';
import { m } from '$lib/paraglide/messages';
import type { PageServerLoad } from './$types';

/**
 * An organization's white-label home: its branding, campaigns and their
 * challenges. A campaign the visitor may not see yet (members only) stays
 * listed with an invitation to sign in.
 */
export const load: PageServerLoad = async (event) => {
  const api = apiFor(event);
  const { data: org } = await api.GET('/api/organizations/{slug}', {
    params: { path: { slug: event.params.slug } },
  });
  if (!org) error(404, m.error_not_found());
  // What the organization promised and delivered (ADR 0035); the page stands without it.
  const ledger = api
    .GET('/api/organizations/{slug}/ledger', { params: { path: { slug: org.slug } } })
    .then(({ data }) => ledgerRows(data?.entries ?? []));
  const campaigns = await Promise.all(
    org.campaigns.map(async (campaign) => {
      const { data, response } = await api.GET('/api/campaigns/{id}', {
        params: { path: { id: campaign.id } },
      });
      const audience = (campaign.audience as { type?: unknown }).type;
      return {
        id: campaign.id,
        title: campaign.title,
        description: campaign.description,
        membersOnly: audience === 'members' || audience === 'email-domain',
        locked: !data && (response.status === 401 || response.status === 403),
        challenges: (data?.challenges ?? [])
          .filter((c) => c.status !== 'draft')
          .map((c) => ({
            id: c.id,
            title: c.title,
            status: c.status,
            participants: c.progress.participants,
          })),
      };
    }),
  );
  return {
    org: {
      slug: org.slug,
      name: org.name,
      branding: parseBranding((org as { branding?: unknown }).branding),
    },
    campaigns,
    // Challenges of other organizations it feeds (ADR 0043): each on its own page here.
    shared: org.sharedChallenges.map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      organizationName: c.organizationName,
    })),
    ledger: await ledger,
    signedIn: event.locals.me !== null,
    next: `/sign-in?next=${encodeURIComponent(event.url.pathname)}`,
    // Company sign-in (ADR 0044): straight to the organization's provider.
    companySignIn: org.companySignIn
      ? `/api/auth/sso/${encodeURIComponent(org.slug)}?next=${encodeURIComponent(event.url.pathname)}`
      : null,
  };
};
