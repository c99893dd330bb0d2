/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field. */
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import { updateOrganization } from '../services/organizations.js';
import {
  createTestClient,
  newCampaign,
  newOrganization,
  openChallenge,
  startTestPlatform,
  unique,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';

/**
 * What the citizen site's home and organization pages read (issue 9): the
 * public list of organizations, their branding (`PATCH`), and, on a
 * challenge, the forecast and what a matching tier owes so far.
 */

const km = defineActionType({
  id: 'owed-bike-km',
  version: '1.0.0',
  title: { fr: 'Vélo', en: 'Bike' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.2, source: 'test factor', factors: {} }),
});

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };
const statements: string[] = [];
let counting = false;

beforeAll(async () => {
  platform = await startTestPlatform({
    plugins: [km],
    // Only events, local writes and the invalidations under test refresh a view.
    env: { TANDEM_VIEW_CACHE_MS: '60000' },
    onStatement: (statement) => {
      if (counting) statements.push(statement);
    },
  });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(() => platform?.stop());

async function patch(slug: string, body: unknown, token?: string) {
  const response = await platform.app.inject({
    method: 'PATCH',
    url: `/api/organizations/${slug}`,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    payload: JSON.stringify(body),
  });
  return { status: response.statusCode, body: response.json() };
}

async function person(slug: string, role: string): Promise<string> {
  const email = `${role}-${unique()}@example.org`;
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return client.signIn(email);
}

const listed = async () => {
  const answer = await client.get('/api/organizations');
  expect(answer.status).toBe(200);
  return answer;
};

describe('GET /api/organizations', () => {
  it('lists organizations with public open or succeeded challenges, and only those', async () => {
    const open = await openChallenge(client, admin.token, {
      title: `Open ${unique()}`,
      actionType: 'pledge-only',
      goal: { participants: 5 },
    });
    const succeeded = await openChallenge(
      client,
      admin.token,
      { title: `Reached ${unique()}`, actionType: 'pledge-only', goal: { participants: 1 } },
      { campaignId: open.campaignId },
    );
    await client.pledgeAndConfirm(succeeded.challengeId, `p-${unique()}@example.org`);
    await platform.settle();
    const draft = await openChallenge(
      client,
      admin.token,
      { title: 'Draft', actionType: 'pledge-only', goal: { participants: 5 } },
      { campaignId: open.campaignId, open: false },
    );
    const closed = await openChallenge(
      client,
      admin.token,
      { title: 'Closed', actionType: 'pledge-only', goal: { participants: 5 } },
      { campaignId: open.campaignId },
    );
    expect(
      (await client.post(`/api/challenges/${closed.challengeId}/close`, undefined, admin)).status,
    ).toBe(200);
    // The same organization's members-only campaign stays out.
    const secret = await openChallenge(
      client,
      admin.token,
      { title: 'Members only', actionType: 'pledge-only', goal: { participants: 5 } },
      { organization: open.slug, campaign: { title: 'Staff', audience: { type: 'members' } } },
    );
    // An organization with members-only (or e-mail-domain) campaigns alone never shows.
    const hidden = await openChallenge(
      client,
      admin.token,
      { title: 'Hidden', actionType: 'pledge-only', goal: { participants: 5 } },
      { campaign: { title: 'Staff', audience: { type: 'members' } } },
    );
    await openChallenge(
      client,
      admin.token,
      { title: 'Domain', actionType: 'pledge-only', goal: { participants: 5 } },
      {
        organization: hidden.slug,
        campaign: { title: 'Staff', audience: { type: 'email-domain', domains: ['corp.example'] } },
      },
    );

    const answer = await listed();
    expect(answer.headers['cache-control']).toBe('public, max-age=5, stale-while-revalidate=30');
    const slugs = answer.body.organizations.map((o: any) => o.slug);
    expect(slugs).toContain(open.slug);
    expect(slugs).not.toContain(hidden.slug);
    const organization = answer.body.organizations.find((o: any) => o.slug === open.slug);
    expect(organization).toEqual({
      slug: open.slug,
      name: 'Org',
      kind: 'city',
      branding: { logoUrl: null, primaryColor: null, shortText: null },
      challenges: [
        {
          id: open.challengeId,
          title: open.challenge.title,
          status: 'open',
          progress: { participants: 0, quantity: 0, co2eKg: 0 },
        },
        {
          id: succeeded.challengeId,
          title: succeeded.challenge.title,
          status: 'succeeded',
          progress: { participants: 1, quantity: 0, co2eKg: 0 },
        },
      ],
    });
    const ids = answer.body.organizations.flatMap((o: any) => o.challenges.map((c: any) => c.id));
    for (const id of [draft.challengeId, closed.challengeId, secret.challengeId]) {
      expect(ids).not.toContain(id);
    }
  });

  it('reads in two statements whatever the number of organizations', async () => {
    const count = async () => {
      platform.ctx.views?.clear();
      statements.length = 0;
      counting = true;
      try {
        await listed();
      } finally {
        counting = false;
      }
      // The relay and the scheduled work run beside the request: their
      // transactions and tables are not the list's.
      return statements.filter(
        (s) => !/^\[query\] (begin|commit|rollback)\b|outbox_event|scheduled_run/.test(s),
      ).length;
    };
    const before = await count();
    for (let i = 0; i < 4; i++) {
      await openChallenge(client, admin.token, {
        title: `More ${i}`,
        actionType: 'pledge-only',
        goal: { participants: 5 },
      });
    }
    const after = await count();
    expect(before).toBe(2);
    expect(after).toBe(before);
    expect((await listed()).body.organizations.length).toBeGreaterThanOrEqual(5);
  });

  it('is cached, and dropped when an organization’s branding changes', async () => {
    const { slug } = await openChallenge(client, admin.token, {
      title: 'Cached',
      actionType: 'pledge-only',
      goal: { participants: 5 },
    });
    // Its opening's event relayed first, so that only the change below can drop the list.
    await platform.settle();
    await listed();
    const hits = platform.ctx.views!.stats().hits;
    await listed();
    expect(platform.ctx.views!.stats().hits).toBe(hits + 1);
    // Changed outside a request (no write of this process's HTTP layer clears the cache).
    await updateOrganization(platform.ctx, { kind: 'admin' }, slug, {
      branding: { shortText: 'À vélo !' },
    });
    const after = (await listed()).body.organizations.find((o: any) => o.slug === slug);
    expect(after.branding.shortText).toBe('À vélo !');
  });
});

describe('PATCH /api/organizations/{slug}', () => {
  it('renames and brands an organization; GET shows it; null clears', async () => {
    const org = await newOrganization(client, admin.token);
    const token = await person(org.slug, 'admin');
    const changed = await patch(
      org.slug,
      {
        name: '  Ville de Clichy  ',
        branding: {
          logoUrl: 'https://clichy.example.org/logo.png',
          primaryColor: '#1D4ED8',
          shortText: '  Clichy à vélo  ',
        },
      },
      token,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      slug: org.slug,
      name: 'Ville de Clichy',
      branding: {
        logoUrl: 'https://clichy.example.org/logo.png',
        primaryColor: '#1d4ed8',
        shortText: 'Clichy à vélo',
      },
    });
    const page = await client.get(`/api/organizations/${org.slug}`);
    expect(page.body.name).toBe('Ville de Clichy');
    expect(page.body.branding).toEqual(changed.body.branding);

    const partial = await patch(org.slug, { branding: { shortText: null } }, token);
    expect(partial.body.branding).toEqual({
      logoUrl: 'https://clichy.example.org/logo.png',
      primaryColor: '#1d4ed8',
      shortText: null,
    });
    const cleared = await patch(
      org.slug,
      { branding: { logoUrl: null, primaryColor: null } },
      token,
    );
    expect(cleared.body.branding).toEqual({ logoUrl: null, primaryColor: null, shortText: null });
    expect((await patch(org.slug, {}, token)).status).toBe(200);
  });

  it('refuses a primary colour white text cannot be read on, naming branding/primaryColor', async () => {
    const org = await newOrganization(client, admin.token);
    for (const color of ['#ffff00', '#ffffff', '#22c55e', '#777777']) {
      const answer = await patch(org.slug, { branding: { primaryColor: color } }, admin.token);
      expect(answer.status, color).toBe(400);
      expect(answer.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(answer.body.details[0].path).toBe('branding/primaryColor');
    }
    for (const color of ['blue', '#12345', '#1d4ed8aa']) {
      const answer = await patch(org.slug, { branding: { primaryColor: color } }, admin.token);
      expect(answer.status, color).toBe(400);
    }
    const page = await client.get(`/api/organizations/${org.slug}`);
    expect(page.body.branding.primaryColor).toBeNull();
  });

  it('refuses logo URLs that are not plain https, and a URL with a file', async () => {
    const org = await newOrganization(client, admin.token);
    for (const logoUrl of [
      'http://example.org/logo.png',
      'javascript:alert(1)',
      'data:image/svg+xml,<svg/>',
      'https://user:pass@example.org/logo.png',
      `https://example.org/${'a'.repeat(2000)}`,
      '/relative.png',
    ]) {
      const answer = await patch(org.slug, { branding: { logoUrl } }, admin.token);
      expect(answer.status, logoUrl.slice(0, 40)).toBe(400);
      expect(answer.body.details[0].path).toMatch(/^branding\/logoUrl/);
    }
    const both = await patch(
      org.slug,
      { branding: { logoUrl: 'https://example.org/a.png', logoFileId: 'file_x' } },
      admin.token,
    );
    expect(both.status).toBe(400);
    expect(both.body.details[0].path).toBe('branding/logoFileId');
  });

  it('refuses bad names, unknown fields and long texts', async () => {
    const org = await newOrganization(client, admin.token);
    for (const body of [
      { name: '   ' },
      { name: 'x'.repeat(121) },
      { color: '#000000' },
      { branding: { accent: '#000000' } },
      { branding: { shortText: 'x'.repeat(281) } },
    ]) {
      const answer = await patch(org.slug, body, admin.token);
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
  });

  it('is for the organization’s admins and owners, and the platform admin', async () => {
    const org = await newOrganization(client, admin.token);
    const other = await newOrganization(client, admin.token);
    const body = { branding: { shortText: 'Hello' } };
    expect((await patch(org.slug, body)).status).toBe(401);
    for (const role of ['member', 'agent']) {
      expect((await patch(org.slug, body, await person(org.slug, role))).status, role).toBe(403);
    }
    expect((await patch(org.slug, body, await person(other.slug, 'admin'))).status).toBe(403);
    expect((await patch(org.slug, body, await person(org.slug, 'owner'))).status).toBe(200);
    expect((await patch(`nope-${unique()}`, body, admin.token)).status).toBe(404);
  });

  it('drops the cached campaign view that shows the old name', async () => {
    const org = await newOrganization(client, admin.token);
    const campaignId = await newCampaign(client, admin.token, org.slug);
    expect((await client.get(`/api/campaigns/${campaignId}`)).body.organizationName).toBe('Org');
    const hits = platform.ctx.views!.stats().hits;
    await client.get(`/api/campaigns/${campaignId}`);
    expect(platform.ctx.views!.stats().hits).toBe(hits + 1);
    await updateOrganization(platform.ctx, { kind: 'admin' }, org.slug, { name: 'Renamed' });
    expect((await client.get(`/api/campaigns/${campaignId}`)).body.organizationName).toBe(
      'Renamed',
    );
  });
});

describe('a challenge’s forecast and what its matching tiers owe', () => {
  it('shows the forecast at the top and each tier’s owed amount, capped', async () => {
    const org = await newOrganization(client, admin.token);
    const beneficiary = await client.post(
      `/api/organizations/${org.slug}/beneficiaries`,
      { name: 'Solicycle' },
      admin,
    );
    const { challengeId } = await openChallenge(
      client,
      admin.token,
      {
        title: 'Matching',
        actionType: 'owed-bike-km',
        tiers: [
          {
            goal: { quantity: 100 },
            counterpart: {
              kind: 'matching',
              perUnit: { value: 0.15, currency: 'EUR' },
              cap: { value: 10, currency: 'EUR' },
              beneficiaryId: beneficiary.body.id,
            },
          },
          {
            goal: { quantity: 500 },
            counterpart: { kind: 'act', description: 'A bike shelter' },
          },
        ],
        deadline: new Date(Date.now() + 10 * 86_400_000).toISOString(),
      },
      { organization: org.slug },
    );
    const before = await client.get(`/api/challenges/${challengeId}`);
    expect(before.body.tiers.map((t: any) => t.owed)).toEqual([
      { value: 0, currency: 'EUR' },
      null,
    ]);
    expect(before.body.forecast).toMatchObject({
      tierId: before.body.tiers[0].id,
      expectedAtDeadline: { participants: 0, quantity: 0 },
      onTrack: false,
      method: 'linear-since-opening',
    });
    expect(before.body.progress.forecast).toEqual(before.body.forecast);

    const email = `rider-${unique()}@example.org`;
    await client.pledgeAndConfirm(challengeId, email);
    const token = await client.signIn(email);
    const contributed = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { km: 33.3 } },
      { token },
    );
    expect(contributed.status).toBe(201);
    await platform.settle();
    const after = await client.get(`/api/challenges/${challengeId}`);
    expect(after.body.progress.quantity).toBeCloseTo(33.3, 6);
    // 0.15 € × 33.3 km = 4.995 €: whole cents, never more than owed.
    expect(after.body.tiers[0].owed).toEqual({ value: 4.99, currency: 'EUR' });
    expect(after.body.tiers[1].owed).toBeNull();

    await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { km: 100 } },
      { token },
    );
    await platform.settle();
    const capped = await client.get(`/api/challenges/${challengeId}`);
    expect(capped.body.tiers[0].owed).toEqual({ value: 10, currency: 'EUR' });
    // The campaign view holds the same fields.
    const campaign = await client.get(`/api/campaigns/${capped.body.campaignId}`);
    expect(campaign.body.challenges[0].tiers[0].owed).toEqual({ value: 10, currency: 'EUR' });
    expect(campaign.body.challenges[0].forecast).not.toBeNull();
  });

  it('has no forecast without a deadline', async () => {
    const { challengeId } = await openChallenge(client, admin.token, {
      title: 'Open-ended',
      actionType: 'pledge-only',
      goal: { participants: 5 },
    });
    const answer = await client.get(`/api/challenges/${challengeId}`);
    expect(answer.body.forecast).toBeNull();
    expect(answer.body.tiers[0].owed).toBeNull();
  });
});
