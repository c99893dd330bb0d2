import { unique } from '@tandem/core/testing';
import { mailedToken, must, type Site } from './browser.js';

/** A public organization with one open challenge, made through the API as the platform admin. */
export interface World {
  slug: string;
  orgName: string;
  beneficiary: string;
  campaignId: string;
  challengeId: string;
}

/** A role a person holds in an organization (owner > admin > agent > member). */
export type Role = 'owner' | 'admin' | 'agent' | 'member';

/** Makes people members of an organization through the API, as the platform admin. */
export async function addMembers(
  site: Site,
  slug: string,
  members: readonly { email: string; role: Role }[],
): Promise<void> {
  for (const { email, role } of members) {
    must(
      await site.api.post(`/api/organizations/${slug}/members`, { email, role }, site.adminToken),
      201,
      `${role} ${email}`,
    );
  }
}

/**
 * An organization and its members, made through the API as the platform
 * admin; gives its slug (a fresh one unless told).
 */
export async function organizationWithMembers(
  site: Site,
  options: {
    slug?: string;
    name: string;
    kind: 'company' | 'city' | 'association' | 'network';
    members?: readonly { email: string; role: Role }[];
  },
): Promise<string> {
  const slug = options.slug ?? unique('org');
  must(
    await site.api.post(
      '/api/organizations',
      { slug, name: options.name, kind: options.kind },
      site.adminToken,
    ),
    201,
    `organization ${slug}`,
  );
  await addMembers(site, slug, options.members ?? []);
  return slug;
}

/**
 * A city, a beneficiary, a public campaign and an open challenge: IF
 * `participants` people pledge, THEN the city gives `amount` EUR (names
 * without French words, so the English test can look for leftovers).
 */
export async function createWorld(
  site: Site,
  options: { participants: number; amount: number; title?: string },
): Promise<World> {
  const { api, adminToken } = site;
  const slug = unique('town');
  const orgName = `Oakbridge ${slug.slice(-6)}`;
  await organizationWithMembers(site, { slug, name: orgName, kind: 'city' });
  const beneficiary = `Wheelwrights ${slug.slice(-4)}`;
  const ben = must<{ id: string }>(
    await api.post(`/api/organizations/${slug}/beneficiaries`, { name: beneficiary }, adminToken),
    201,
    'beneficiary',
  );
  const campaign = must<{ id: string }>(
    await api.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Spring 2026', audience: { type: 'public' } },
      adminToken,
    ),
    201,
    'campaign',
  );
  const challenge = must<{ id: string }>(
    await api.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title: options.title ?? 'Bike2Work',
        actionType: 'pledge-only',
        deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        goal: { participants: options.participants },
        counterpart: {
          kind: 'donation',
          amount: { value: options.amount, currency: 'EUR' },
          beneficiaryId: ben.id,
        },
      },
      adminToken,
    ),
    201,
    'challenge',
  );
  must(await api.post(`/api/challenges/${challenge.id}/open`, {}, adminToken), 200, 'open');
  return { slug, orgName, beneficiary, campaignId: campaign.id, challengeId: challenge.id };
}

/** What a pledge may say besides the address: where, which team, the action's details. */
export interface PledgeExtras {
  location?: { lat: number; lon: number } | { postcode: string };
  team?: string;
  details?: Record<string, unknown>;
}

/** Pledges and confirms through the API and the dev mailbox, as a person with a mailbox would. */
export async function pledgeThroughApi(
  site: Site,
  challengeId: string,
  email: string,
  extras: PledgeExtras = {},
): Promise<void> {
  must(
    await site.api.post(`/api/challenges/${challengeId}/pledges`, { email, ...extras }),
    202,
    `pledge ${email}`,
  );
  const token = await mailedToken(site, email, 'pledge-confirmation');
  must(await site.api.post('/api/pledges/confirm', { token }), 200, `confirm ${email}`);
}

/** A trip to work by bike, `km` long, that the organization records for a participant. */
export async function bikeTripRecorded(
  site: Site,
  challengeId: string,
  email: string,
  km: number,
): Promise<void> {
  must(
    await site.api.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { trips: [{ mode: 'bike', km }] }, participant: { email } },
      site.adminToken,
    ),
    201,
    `contribution of ${email}`,
  );
}
