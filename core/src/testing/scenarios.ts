import type { TestClient } from './client.js';

export interface ClichySetup {
  organization: { id: string; slug: string };
  beneficiaryId: string;
  campaignId: string;
  challengeId: string;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

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
  const slug = `clichy-${unique()}`;
  const auth = { token: adminToken };
  const must = <T>(response: { status: number; body: T }, status: number, what: string): T => {
    if (response.status !== status) {
      throw new Error(
        `${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  };
  const organization = must(
    await client.post('/api/organizations', { slug, name: 'Ville de Clichy', kind: 'city' }, auth),
    201,
    'create organization',
  ) as { id: string; slug: string };
  const beneficiary = must(
    await client.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: 'Solicycle', description: 'Atelier vélo solidaire', url: 'https://solicycle.org' },
      auth,
    ),
    201,
    'create beneficiary',
  ) as { id: string };
  const campaign = must(
    await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Clichy à vélo', audience: { type: 'public' } },
      auth,
    ),
    201,
    'create campaign',
  ) as { id: string };
  const challenge = must(
    await client.post(
      `/api/campaigns/${campaign.id}/challenges`,
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
      auth,
    ),
    201,
    'create challenge',
  ) as { id: string };
  must(
    await client.post(`/api/challenges/${challenge.id}/open`, undefined, auth),
    200,
    'open challenge',
  );
  return {
    organization,
    beneficiaryId: beneficiary.id,
    campaignId: campaign.id,
    challengeId: challenge.id,
  };
}
