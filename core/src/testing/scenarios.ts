/* eslint-disable @typescript-eslint/no-explicit-any -- the created challenge is returned as the API answered it, for tests to read field by field. */
import { parseEmailField } from '../domain/email.js';
import { upsertParticipant } from '../store/participants.js';
import { confirmPledgeRow } from '../services/pledges.js';
import { loadChallenge } from '../store/challenges.js';
import type { Tx } from '../store/unit-of-work.js';
import type { TestClient } from './client.js';
import type { TestPlatform } from './platform.js';

/**
 * A short string no other test run will pick: for slugs, addresses and
 * names, so tests sharing a database never collide. With a prefix, the
 * prefix and a dash come first.
 *
 * @example
 * const email = `ann-${unique()}@example.org`;
 * const slug = unique('clichy'); // 'clichy-m4x2k9ab12'
 */
export function unique(prefix?: string): string {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return prefix === undefined ? id : `${prefix}-${id}`;
}

/** Throws with the answer when a setup call did not get the status it needs. */
function must<T>(response: { status: number; body: T }, status: number, what: string): T {
  if (response.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

/**
 * A new campaign of organization `slug`, created as `token` (the platform
 * admin, or an admin of the organization); answers its id. `body` defaults
 * to a public campaign titled "Campaign".
 */
export async function newCampaign(
  client: TestClient,
  token: string,
  slug: string,
  body: Record<string, unknown> = { title: 'Campaign' },
): Promise<string> {
  const campaign = must(
    await client.post(`/api/organizations/${slug}/campaigns`, body, { token }),
    201,
    'create campaign',
  ) as { id: string };
  return campaign.id;
}

/** A new organization with a random slug, created by the platform admin. */
export async function newOrganization(
  client: TestClient,
  adminToken: string,
  options: { kind?: string; name?: string; slugPrefix?: string } = {},
): Promise<{ id: string; slug: string }> {
  const slug = `${options.slugPrefix ?? 'org'}-${unique()}`;
  return must(
    await client.post(
      '/api/organizations',
      { slug, name: options.name ?? 'Org', kind: options.kind ?? 'city' },
      { token: adminToken },
    ),
    201,
    'create organization',
  ) as { id: string; slug: string };
}

/**
 * Accepts every `proposed` sponsorship of a challenge, as `token` (the
 * platform admin by default, standing for the named sponsors; pass a
 * sponsor admin's session to act as the sponsor would). Answers the tier
 * ids accepted. A test that names another organization as sponsor calls it
 * before opening the challenge, which is refused until then.
 */
export async function acceptSponsorships(
  client: TestClient,
  token: string,
  challengeId: string,
): Promise<string[]> {
  const challenge = must(
    await client.get(`/api/challenges/${challengeId}`, { token }),
    200,
    'read challenge',
  ) as { tiers: { id: string; sponsorship: string }[] };
  const accepted: string[] = [];
  for (const tier of challenge.tiers) {
    if (tier.sponsorship !== 'proposed') continue;
    must(
      await client.post(
        `/api/challenges/${challengeId}/tiers/${tier.id}/sponsorship`,
        { decision: 'accept' },
        { token },
      ),
      200,
      'accept sponsorship',
    );
    accepted.push(tier.id);
  }
  return accepted;
}

export interface OpenedChallenge {
  slug: string;
  campaignId: string;
  challengeId: string;
  /** The challenge as `POST /api/campaigns/{id}/challenges` answered it. */
  challenge: any;
}

/**
 * A campaign and a challenge created by the platform admin, opened unless
 * `open: false` — in `organization` when given, in a new one otherwise;
 * in the existing campaign `campaignId` when given.
 * Sponsorships proposed to other organizations are accepted (by the
 * platform admin) before opening, unless `acceptSponsorships: false`.
 *
 * @example
 * const { challengeId } = await openChallenge(client, platform.adminToken, {
 *   title: 'Bike', actionType: 'pledge-only', goal: { participants: 3 },
 * });
 */
export async function openChallenge(
  client: TestClient,
  adminToken: string,
  challenge: Record<string, unknown>,
  options: {
    organization?: string;
    kind?: string;
    campaign?: Record<string, unknown>;
    /** An existing campaign to add the challenge to (its organization's slug is then `organization`, or ''). */
    campaignId?: string;
    open?: boolean;
    acceptSponsorships?: boolean;
  } = {},
): Promise<OpenedChallenge> {
  const auth = { token: adminToken };
  const slug =
    options.organization ??
    (options.campaignId !== undefined
      ? ''
      : (await newOrganization(client, adminToken, options.kind ? { kind: options.kind } : {}))
          .slug);
  const campaignId =
    options.campaignId ??
    (await newCampaign(client, adminToken, slug, options.campaign ?? { title: 'Campaign' }));
  const created = must(
    await client.post(`/api/campaigns/${campaignId}/challenges`, challenge, auth),
    201,
    'create challenge',
  ) as { id: string };
  if (options.open !== false) {
    if (options.acceptSponsorships !== false) {
      await acceptSponsorships(client, adminToken, created.id);
    }
    must(
      await client.post(`/api/challenges/${created.id}/open`, undefined, auth),
      200,
      'open challenge',
    );
  }
  return { slug, campaignId, challengeId: created.id, challenge: created };
}

/**
 * `count` new people whose pledges are confirmed straight through the
 * engine's write path (no mail round trip); returns their addresses and ids.
 */
export async function confirmPledges(
  platform: TestPlatform,
  challengeId: string,
  count: number,
  options: {
    verified?: boolean;
    /** All in one transaction: the platform sees one jump, never the steps between. */
    together?: boolean;
  } = {},
): Promise<{ email: string; id: string }[]> {
  const challenge = await loadChallenge(platform.db, challengeId);
  if (!challenge) throw new Error(`no challenge ${challengeId}`);
  const people: { email: string; id: string }[] = [];
  const confirmOne = async (tx: Tx) => {
    const email = `p-${unique()}@example.org`;
    const person = await upsertParticipant(tx, platform.ctx.keyring, {
      email: parseEmailField(email, 'email'),
      ...(options.verified ? { verified: true } : {}),
    });
    await confirmPledgeRow(tx, challenge, person.id, {
      details: {},
      displayName: null,
      mapCell: null,
      communeCode: null,
      showAs: 'anonymous',
      teamId: null,
    });
    people.push({ email, id: person.id });
  };
  if (options.together) {
    await platform.db.transaction(async (tx) => {
      for (let i = 0; i < count; i++) await confirmOne(tx);
    });
  } else {
    for (let i = 0; i < count; i++) await platform.db.transaction(confirmOne);
  }
  return people;
}

export interface ClichySetup {
  organization: { id: string; slug: string };
  beneficiaryId: string;
  campaignId: string;
  challengeId: string;
}

/**
 * Step 1 of API.md's Clichy scenario: a city, the beneficiary Solicycle, a
 * public campaign and an opened challenge "IF `participants` residents
 * pledge to cycle, THEN the city gives €5,000 to Solicycle".
 */
export async function setUpClichy(
  client: TestClient,
  adminToken: string,
  options: { participants?: number; actionType?: string } = {},
): Promise<ClichySetup> {
  const organization = await newOrganization(client, adminToken, {
    kind: 'city',
    name: 'Ville de Clichy',
    slugPrefix: 'clichy',
  });
  const beneficiary = must(
    await client.post(
      `/api/organizations/${organization.slug}/beneficiaries`,
      { name: 'Solicycle', description: 'Atelier vélo solidaire', url: 'https://solicycle.org' },
      { token: adminToken },
    ),
    201,
    'create beneficiary',
  ) as { id: string };
  const { campaignId, challengeId } = await openChallenge(
    client,
    adminToken,
    {
      title: 'Je vais au travail à vélo',
      actionType: options.actionType ?? 'pledge-only',
      goal: { participants: options.participants ?? 200 },
      counterpart: {
        kind: 'donation',
        amount: { value: 5000, currency: 'EUR' },
        beneficiaryId: beneficiary.id,
      },
    },
    {
      organization: organization.slug,
      campaign: { title: 'Clichy à vélo', audience: { type: 'public' } },
    },
  );
  return { organization, beneficiaryId: beneficiary.id, campaignId, challengeId };
}
