import { unique } from '@tandem/core/testing';
import type { Site } from './browser.js';

/** A public organization with one open challenge, made through the API as the platform admin. */
export interface World {
  slug: string;
  orgName: string;
  beneficiary: string;
  campaignId: string;
  challengeId: string;
}

function must<T>(answer: { status: number; body: T }, status: number, what: string): T {
  if (answer.status !== status) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
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
  must(
    await api.post('/api/organizations', { slug, name: orgName, kind: 'city' }, adminToken),
    201,
    'organization',
  );
  const beneficiary = `Wheelwrights ${slug.slice(-4)}`;
  const ben = must(
    await api.post(`/api/organizations/${slug}/beneficiaries`, { name: beneficiary }, adminToken),
    201,
    'beneficiary',
  ) as { id: string };
  const campaign = must(
    await api.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Spring 2026', audience: { type: 'public' } },
      adminToken,
    ),
    201,
    'campaign',
  ) as { id: string };
  const challenge = must(
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
  ) as { id: string };
  must(await api.post(`/api/challenges/${challenge.id}/open`, {}, adminToken), 200, 'open');
  return { slug, orgName, beneficiary, campaignId: campaign.id, challengeId: challenge.id };
}

/** Pledges and confirms through the API and the dev mailbox, with an optional location. */
export async function pledgeThroughApi(
  site: Site,
  challengeId: string,
  email: string,
  location?: { lat: number; lon: number } | { postcode: string },
): Promise<void> {
  const pledged = await site.api.post(`/api/challenges/${challengeId}/pledges`, {
    email,
    ...(location ? { location } : {}),
  });
  if (pledged.status !== 202) {
    throw new Error(`pledge ${email}: ${pledged.status} ${JSON.stringify(pledged.body)}`);
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const box = await site.api.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
    const token = (box.body as { messages: { purpose: string; token?: string }[] }).messages.find(
      (message) => message.purpose === 'pledge-confirmation',
    )?.token;
    if (token) {
      const confirmed = await site.api.post('/api/pledges/confirm', { token });
      if (confirmed.status !== 200) throw new Error(`confirm ${email}: ${confirmed.status}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`no confirmation mail for ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
