/* eslint-disable @typescript-eslint/no-explicit-any -- setup reads answers field by field. */
import { defineIntegration, type AccessCaller, type Plugin } from '@tandem/core';
import {
  createTestClient,
  multipartBody,
  startTestPlatform,
  tinyPdf,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { plugins as configured } from '../../src/tandem.config.js';

/**
 * A populated Tandem for the fuzz and access-matrix suites: every plugin of
 * `tandem.config.ts` registered, two organizations (A and B) each with a
 * members-only campaign, one open challenge per action type, a draft, a
 * public campaign, a beneficiary, a collection point, an e-learning
 * partner, a webhook endpoint with a delivery, and people with every role,
 * signed in.
 */

/** Throws with the answer when a setup call did not get the status it needs. */
export function must<T = any>(
  response: { status: number; body: T },
  status: number,
  what: string,
): T {
  if (response.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

/** Action types with the settings and one valid contribution each. */
export const ACTION_TYPES: Record<
  string,
  {
    settings: Record<string, unknown>;
    pledge?: Record<string, unknown>;
    contribution?: Record<string, unknown>;
  }
> = {
  'pledge-only': { settings: {} },
  commute: {
    settings: { modes: ['bike', 'walking'] },
    pledge: { modes: ['bike'] },
    contribution: {
      // Today where the organizations are (Europe/Paris, their default zone):
      // the UTC date is yesterday there from 23:00 UTC in winter.
      date: new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date()),
      trips: [{ mode: 'bike', km: 5 }],
    },
  },
  collection: {
    settings: { material: 'coffee-grounds', selfReport: true },
    contribution: { kg: 1.5 },
  },
  sorting: { settings: { streams: ['glass'] }, pledge: { streams: ['glass'] } },
  'eco-driving': {
    settings: { courseId: 'https://lms.tandem.test/courses/eco-driving' },
    contribution: { courseId: 'https://lms.tandem.test/courses/eco-driving' },
  },
  'actions-catalogue': {
    settings: {
      actions: [
        { id: 'tap-water', title: { fr: 'Eau du robinet', en: 'Tap water' } },
        { id: 'fly-less', title: { fr: 'Moins d’avion', en: 'Fly less' } },
      ],
    },
    pledge: { actions: ['tap-water'] },
    contribution: { action: 'tap-water' },
  },
};

export interface OrganizationFixture {
  id: string;
  slug: string;
  beneficiaryId: string;
  /** Members-only campaign, where every challenge below lives. */
  campaignId: string;
  publicCampaignId: string;
  publicChallengeId: string;
  /** An actions-catalogue challenge of the public campaign. */
  publicCatalogueId: string;
  teamId: string;
  /** Open challenge per action type. */
  challenges: Record<string, string>;
  draftChallengeId: string;
  /** A tier of the pledge-only challenge. */
  tierId: string;
  pointId: string;
  partnerId: string;
  partnerKey: string;
  webhookId: string;
  deliveryId: string;
  /** A private file (a PDF) the organization uploaded. */
  fileId: string;
  /** A pledge of `selfEmail` on the pledge-only challenge. */
  pledgeId: string;
  emails: Record<'member' | 'agent' | 'admin' | 'owner' | 'self', string>;
  /** The participant id of the plain member. */
  memberParticipantId: string;
  tokens: Record<'member' | 'agent' | 'admin' | 'owner' | 'self', string>;
}

export interface World {
  platform: TestPlatform;
  client: TestClient;
  a: OrganizationFixture;
  b: OrganizationFixture;
  citizen: { email: string; token: string };
  /** The bearer token of each caller of the matrix, relative to organization A. */
  tokens: Record<AccessCaller, string | undefined>;
  /** Every id the world holds, for fuzzed path parameters. */
  ids: string[];
}

/**
 * The configured plugins, except that webhook deliveries are not sent: the
 * fuzz registers endpoints with arbitrary public URLs, and no test may call
 * outside this machine. Deliveries are still created and logged (pending).
 */
export function pluginsWithoutOutboundCalls(): Plugin[] {
  return configured.map((plugin) => {
    if (plugin.kind !== 'integration' || plugin.id !== 'webhooks') return plugin;
    const { kind: _kind, ...manifest } = plugin;
    return defineIntegration({
      ...manifest,
      personalData: manifest.personalData ?? 'none',
      jobs: Object.fromEntries(Object.keys(plugin.jobs).map((name) => [name, async () => {}])),
    });
  });
}

async function seedOrganization(
  client: TestClient,
  platform: TestPlatform,
  label: string,
): Promise<OrganizationFixture> {
  const admin = { token: platform.adminToken };
  const slug = `${label}-${unique()}`;
  const organization = must(
    await client.post(
      '/api/organizations',
      { slug, name: `Organization ${label}`, kind: 'company' },
      admin,
    ),
    201,
    'organization',
  );
  const emails = {
    member: `member-${unique()}@${label}.example.org`,
    agent: `agent-${unique()}@${label}.example.org`,
    admin: `admin-${unique()}@${label}.example.org`,
    owner: `owner-${unique()}@${label}.example.org`,
    self: `self-${unique()}@${label}.example.org`,
  };
  let memberParticipantId = '';
  for (const [key, email] of Object.entries(emails)) {
    const role = key === 'self' ? 'member' : key;
    const added = must(
      await client.post(`/api/organizations/${slug}/members`, { email, role }, admin),
      201,
      `member ${key}`,
    );
    if (key === 'member') memberParticipantId = added.participantId;
  }
  const tokens = Object.fromEntries(
    await Promise.all(
      Object.entries(emails).map(async ([key, email]) => [key, await client.signIn(email)]),
    ),
  ) as OrganizationFixture['tokens'];

  const beneficiary = must(
    await client.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: `Beneficiary ${label}` },
      admin,
    ),
    201,
    'beneficiary',
  );
  const campaign = must(
    await client.post(
      `/api/organizations/${slug}/campaigns`,
      { title: `Members ${label}`, audience: { type: 'members' }, teams: [{ name: 'North' }] },
      admin,
    ),
    201,
    'campaign',
  );
  const publicCampaign = must(
    await client.post(`/api/organizations/${slug}/campaigns`, { title: `Public ${label}` }, admin),
    201,
    'public campaign',
  );
  const challenges: Record<string, string> = {};
  let tierId = '';
  for (const [actionType, spec] of Object.entries(ACTION_TYPES)) {
    const created = must(
      await client.post(
        `/api/campaigns/${campaign.id}/challenges`,
        {
          title: `${actionType} ${label}`,
          actionType,
          actionSettings: spec.settings,
          goal: { participants: 1000 },
          counterpart: {
            kind: 'donation',
            amount: { value: 500, currency: 'EUR' },
            beneficiaryId: beneficiary.id,
          },
        },
        admin,
      ),
      201,
      `challenge ${actionType}`,
    );
    must(
      await client.post(`/api/challenges/${created.id}/open`, undefined, admin),
      200,
      `open ${actionType}`,
    );
    challenges[actionType] = created.id;
    if (actionType === 'pledge-only') tierId = created.tiers[0].id;
  }
  const draft = must(
    await client.post(
      `/api/campaigns/${campaign.id}/challenges`,
      { title: `Draft ${label}`, actionType: 'pledge-only', goal: { participants: 5 } },
      admin,
    ),
    201,
    'draft',
  );
  const publicChallenge = must(
    await client.post(
      `/api/campaigns/${publicCampaign.id}/challenges`,
      { title: `Open to all ${label}`, actionType: 'pledge-only', goal: { participants: 1000 } },
      admin,
    ),
    201,
    'public challenge',
  );
  must(
    await client.post(`/api/challenges/${publicChallenge.id}/open`, undefined, admin),
    200,
    'open public',
  );
  const publicCatalogue = must(
    await client.post(
      `/api/campaigns/${publicCampaign.id}/challenges`,
      {
        title: `Catalogue for all ${label}`,
        actionType: 'actions-catalogue',
        actionSettings: ACTION_TYPES['actions-catalogue']?.settings,
        goal: { participants: 1000 },
      },
      admin,
    ),
    201,
    'public catalogue',
  );
  must(
    await client.post(`/api/challenges/${publicCatalogue.id}/open`, undefined, admin),
    200,
    'open public catalogue',
  );

  const point = must(
    await client.post(
      `/api/organizations/${slug}/collection-points`,
      { name: `Point ${label}`, location: { lat: 48.9, lon: 2.3 } },
      admin,
    ),
    201,
    'collection point',
  );
  const partner = must(
    await client.post(
      `/api/organizations/${slug}/elearning/partners`,
      { name: `LMS ${label}` },
      admin,
    ),
    201,
    'partner',
  );
  const webhook = must(
    await client.post(
      `/api/organizations/${slug}/webhooks`,
      { url: `https://hooks.${label}.example.org/tandem`, events: ['*'] },
      admin,
    ),
    201,
    'webhook',
  );
  // The self member pledges: an event, so a delivery for the endpoint.
  const pledged = must(
    await client.post(
      `/api/challenges/${challenges['pledge-only']}/pledges`,
      {},
      { token: tokens.self },
    ),
    201,
    'pledge',
  );
  const form = multipartBody([{ name: 'file', content: tinyPdf(label), filename: 'proof.pdf' }]);
  const uploaded = await platform.app.inject({
    method: 'POST',
    url: `/api/organizations/${slug}/files`,
    headers: { 'content-type': form.contentType, authorization: `Bearer ${admin.token}` },
    payload: form.payload,
  });
  const file = must(
    { status: uploaded.statusCode, body: uploaded.json() as { fileId: string } },
    201,
    'file',
  );
  await platform.settle();
  const [delivery] = await platform.db.query<{ id: string }>(
    'select id from webhooks_delivery where endpoint_id = ? order by created_at limit 1',
    [webhook.id],
  );
  if (!delivery) throw new Error(`no webhook delivery for ${label}`);

  return {
    id: organization.id,
    slug,
    beneficiaryId: beneficiary.id,
    campaignId: campaign.id,
    publicCampaignId: publicCampaign.id,
    publicChallengeId: publicChallenge.id,
    publicCatalogueId: publicCatalogue.id,
    teamId: campaign.teams[0].id,
    challenges,
    draftChallengeId: draft.id,
    tierId,
    pointId: point.id,
    partnerId: partner.id,
    partnerKey: partner.key,
    webhookId: webhook.id,
    deliveryId: delivery.id,
    fileId: file.fileId,
    pledgeId: pledged.id,
    emails,
    memberParticipantId,
    tokens,
  };
}

/** Starts the platform and seeds it (a few seconds). */
export async function createWorld(): Promise<World> {
  const platform = await startTestPlatform({ plugins: pluginsWithoutOutboundCalls() });
  try {
    const client = createTestClient(platform.app);
    const a = await seedOrganization(client, platform, 'a');
    const b = await seedOrganization(client, platform, 'b');
    const citizenEmail = `citizen-${unique()}@example.net`;
    const citizen = { email: citizenEmail, token: await client.signIn(citizenEmail) };
    const tokens: Record<AccessCaller, string | undefined> = {
      anonymous: undefined,
      citizen: citizen.token,
      member: a.tokens.member,
      agent: a.tokens.agent,
      admin: a.tokens.admin,
      owner: a.tokens.owner,
      otherAdmin: b.tokens.admin,
      platformAdmin: platform.adminToken,
    };
    const idsOf = (o: OrganizationFixture) => [
      o.id,
      o.slug,
      o.beneficiaryId,
      o.campaignId,
      o.publicCampaignId,
      o.publicChallengeId,
      o.publicCatalogueId,
      o.teamId,
      ...Object.values(o.challenges),
      o.draftChallengeId,
      o.tierId,
      o.pointId,
      o.partnerId,
      o.webhookId,
      o.deliveryId,
      o.fileId,
      o.pledgeId,
    ];
    return { platform, client, a, b, citizen, tokens, ids: [...idsOf(a), ...idsOf(b)] };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

const CHALLENGE_ROUTES: Record<string, string[]> = {
  'weigh-ins': ['collection'],
  enrolments: ['sorting'],
  actions: ['actions-catalogue'],
  contributions: ['commute', 'collection', 'eco-driving', 'actions-catalogue'],
};

/**
 * The ids of `organization` that fit path parameter `name` of `path`: a
 * campaign id where the path speaks of campaigns, a collection challenge
 * for weigh-ins, and so on.
 */
export function fittingIds(o: OrganizationFixture, path: string, name: string): string[] {
  if (name === 'slug') return [o.slug];
  if (name === 'tierId') return [o.tierId];
  if (name === 'participantId') return [o.memberParticipantId];
  if (name === 'postcode') return ['92110'];
  if (name === 'teamId') return [o.teamId];
  if (path.includes('/beneficiaries/')) return [o.beneficiaryId];
  if (path.startsWith('/api/campaigns/')) return [o.campaignId, o.publicCampaignId];
  if (path.startsWith('/api/challenges/')) {
    const action = path.split('/')[4] ?? '';
    const types = CHALLENGE_ROUTES[action];
    if (types) return types.map((type) => o.challenges[type] as string);
    return [...Object.values(o.challenges), o.publicChallengeId, o.draftChallengeId];
  }
  if (path.startsWith('/api/pledges/')) return [o.pledgeId];
  if (path.startsWith('/api/files/')) return [o.fileId];
  if (path.includes('/partners/')) return [o.partnerId];
  if (path.startsWith('/api/webhooks/deliveries/')) return [o.deliveryId];
  if (path.includes('/webhooks/')) return [o.webhookId];
  return [];
}
