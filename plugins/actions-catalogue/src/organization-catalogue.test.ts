import {
  createTestClient,
  newOrganization,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsCatalogue, defaultCatalogue } from './index.js';

/**
 * The default catalogue served by the API, an organization's own catalogue
 * (defaults picked, actions of its own), and challenges that take it by
 * reference instead of a catalogue pasted into their settings.
 */

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [actionsCatalogue] });
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(() => platform?.stop());

const OWN_ACTION = {
  id: 'repair-cafe',
  category: 'waste',
  title: { fr: 'Réparer au repair café', en: 'Repair at the repair café' },
  co2eKgPerYear: 36.5,
  source: 'Our own estimate from the 2025 repair café log',
};

async function organizationWithCampaign() {
  const organization = await newOrganization(client, admin.token, { kind: 'association' });
  const campaign = await client.post(
    `/api/organizations/${organization.slug}/campaigns`,
    { title: 'Gestes' },
    admin,
  );
  expect(campaign.status).toBe(201);
  return { ...organization, campaignId: campaign.body.id as string };
}

const catalogueUrl = (slug: string) => `/api/organizations/${slug}/actions-catalogue`;

/** PUT, which the test client has no shorthand for. */
async function put(url: string, body: unknown, options: { token?: string } = {}) {
  const response = await platform.app.inject({
    method: 'PUT',
    url,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    payload: body as object,
  });
  return {
    status: response.statusCode,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: (response.body === '' ? undefined : JSON.parse(response.body)) as any,
  };
}

function createChallenge(campaignId: string, actionSettings: unknown) {
  return client.post(
    `/api/campaigns/${campaignId}/challenges`,
    {
      title: `Nos gestes ${unique()}`,
      actionType: 'actions-catalogue',
      actionSettings,
      goal: { participants: 10 },
    },
    admin,
  );
}

describe('the default catalogue', () => {
  it('is served to anyone, as the package holds it', async () => {
    const answer = await client.get('/api/actions-catalogue/default');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ actions: defaultCatalogue.actions });
    expect(answer.body.actions).toHaveLength(15);
  });

  it('is taken whole by a challenge with catalogue "default"', async () => {
    const { campaignId } = await organizationWithCampaign();
    const created = await createChallenge(campaignId, { catalogue: 'default' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.actionSettings).toEqual({
      catalogue: 'default',
      actions: defaultCatalogue.actions,
    });
  });
});

describe("an organization's own catalogue", () => {
  it('starts empty, and saves default actions picked and actions of its own', async () => {
    const { slug, id } = await organizationWithCampaign();
    const empty = await client.get(catalogueUrl(slug), admin);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      organizationId: id,
      defaults: [],
      actions: [],
      catalogue: [],
      updatedAt: null,
    });

    const saved = await put(
      catalogueUrl(slug),
      { defaults: ['tap-water', 'cycle-short-trips', 'stop-pub'], actions: [OWN_ACTION] },
      admin,
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.defaults).toEqual(['tap-water', 'cycle-short-trips', 'stop-pub']);
    expect(saved.body.actions).toEqual([OWN_ACTION]);
    // Defaults in the default catalogue's order, then the organization's own.
    expect(saved.body.catalogue.map((a: { id: string }) => a.id)).toEqual([
      'cycle-short-trips',
      'tap-water',
      'stop-pub',
      'repair-cafe',
    ]);
    expect(Date.parse(saved.body.updatedAt)).not.toBeNaN();
    expect((await client.get(catalogueUrl(slug), admin)).body).toEqual(saved.body);
  });

  it('refuses what a catalogue may not hold, naming the field, and keeps what was saved', async () => {
    const { slug } = await organizationWithCampaign();
    const good = { defaults: ['tap-water'], actions: [OWN_ACTION] };
    expect((await put(catalogueUrl(slug), good, admin)).status).toBe(200);
    const cases: Array<[unknown, string]> = [
      [{ ...good, defaults: ['no-such-action'] }, 'defaults/0'],
      [{ ...good, defaults: ['tap-water', 'tap-water'] }, 'defaults'],
      [{ ...good, actions: [{ ...OWN_ACTION, id: 'tap-water' }] }, 'actions/0/id'],
      [{ ...good, actions: [OWN_ACTION, { ...OWN_ACTION }] }, 'actions/1/id'],
      [{ ...good, actions: [{ ...OWN_ACTION, id: 'Repair Café' }] }, 'actions/0/id'],
      [{ ...good, actions: [{ ...OWN_ACTION, title: { fr: 'Réparer' } }] }, 'actions/0/title/en'],
      [{ ...good, actions: [{ ...OWN_ACTION, co2eKgPerYear: -1 }] }, 'actions/0/co2eKgPerYear'],
      [{ ...good, actions: [{ ...OWN_ACTION, category: 'leisure' }] }, 'actions/0/category'],
      [{ ...good, actions: [{ ...OWN_ACTION, unit: 'kg' }] }, 'actions/0/unit'],
      [{ ...good, extra: true }, 'extra'],
      [{ defaults: ['tap-water'] }, 'actions'],
    ];
    for (const [body, path] of cases) {
      const refused = await put(catalogueUrl(slug), body, admin);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.details[0].path, JSON.stringify(refused.body)).toBe(path);
    }
    // An estimate without its source is refused too.
    const { source: _source, ...unsourced } = OWN_ACTION;
    const noSource = await put(catalogueUrl(slug), { ...good, actions: [unsourced] }, admin);
    expect(noSource.status).toBe(400);
    expect(noSource.body.details[0].path).toMatch(/^actions\/0/);
    expect(noSource.body.details[0].message).toMatch(/source/);

    const kept = await client.get(catalogueUrl(slug), admin);
    expect(kept.body.defaults).toEqual(['tap-water']);
    expect(kept.body.actions).toEqual([OWN_ACTION]);
  });

  it('is read and written by the organization’s admins only', async () => {
    const { slug } = await organizationWithCampaign();
    const body = { defaults: ['tap-water'], actions: [] };
    expect((await client.get(catalogueUrl(slug))).status).toBe(401);
    expect((await put(catalogueUrl(slug), body)).status).toBe(401);
    const agentEmail = `agent-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: agentEmail, role: 'agent' },
      admin,
    );
    const agent = await client.signIn(agentEmail);
    expect((await client.get(catalogueUrl(slug), { token: agent })).status).toBe(403);
    expect((await put(catalogueUrl(slug), body, { token: agent })).status).toBe(403);
    const other = await newOrganization(client, admin.token);
    const otherEmail = `admin-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${other.slug}/members`,
      { email: otherEmail, role: 'admin' },
      admin,
    );
    const otherAdmin = await client.signIn(otherEmail);
    expect((await put(catalogueUrl(slug), body, { token: otherAdmin })).status).toBe(403);
    expect((await client.get(catalogueUrl('no-such-org'), admin)).status).toBe(404);

    const adminEmail = `admin-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: adminEmail, role: 'admin' },
      admin,
    );
    const orgAdmin = await client.signIn(adminEmail);
    expect((await put(catalogueUrl(slug), body, { token: orgAdmin })).status).toBe(200);
    expect((await client.get(catalogueUrl(slug), { token: agent })).status).toBe(403);
    expect((await client.get(catalogueUrl(slug), { token: orgAdmin })).body.defaults).toEqual([
      'tap-water',
    ]);
  });
});

describe('a challenge that takes the organization’s catalogue', () => {
  it('copies it when created: pledges, reports and CO2e use it; later edits do not move it', async () => {
    const { slug, campaignId } = await organizationWithCampaign();
    await put(
      catalogueUrl(slug),
      { defaults: ['tap-water', 'standby-off', 'stop-pub'], actions: [OWN_ACTION] },
      admin,
    );
    const created = await createChallenge(campaignId, { catalogue: 'organization' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.actionSettings.catalogue).toBe('organization');
    expect(created.body.actionSettings.actions.map((a: { id: string }) => a.id)).toEqual([
      'tap-water',
      'standby-off',
      'stop-pub',
      'repair-cafe',
    ]);
    const challengeId = created.body.id as string;
    expect(
      (await client.post(`/api/challenges/${challengeId}/open`, undefined, admin)).status,
    ).toBe(200);

    const email = `p-${unique()}@example.org`;
    const token = await client.signIn(email);
    const pledged = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      { details: { actions: ['repair-cafe', 'tap-water'] } },
      { token },
    );
    expect(pledged.status, JSON.stringify(pledged.body)).toBe(201);
    const done = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { action: 'repair-cafe' } },
      { token },
    );
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body.impact.co2eKg).toBeCloseTo(36.5 / 365, 6);
    expect(done.body.impact.source).toBe(OWN_ACTION.source);
    const outside = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      { details: { actions: ['led-bulbs'] } },
      { token: await client.signIn(`q-${unique()}@example.org`) },
    );
    expect(outside.status).toBe(400);

    // The organization edits its catalogue: the running challenge keeps its own.
    await put(catalogueUrl(slug), { defaults: ['led-bulbs'], actions: [] }, admin);
    await platform.settle();
    const listed = await client.get(`/api/challenges/${challengeId}/actions`);
    expect(listed.body.actions.map((a: { id: string; picks: number }) => [a.id, a.picks])).toEqual([
      ['tap-water', 1],
      ['standby-off', 0],
      ['stop-pub', 0],
      ['repair-cafe', 1],
    ]);
    // A new challenge takes the catalogue as it is now.
    const later = await createChallenge(campaignId, { catalogue: 'organization' });
    expect(later.body.actionSettings.actions.map((a: { id: string }) => a.id)).toEqual([
      'led-bulbs',
    ]);
  });

  it('refuses an empty catalogue or an unknown source; pasted catalogues still work', async () => {
    const { campaignId } = await organizationWithCampaign();
    const empty = await createChallenge(campaignId, { catalogue: 'organization' });
    expect(empty.status).toBe(400);
    expect(empty.body.details[0].path).toBe('actionSettings/catalogue');
    const unknown = await createChallenge(campaignId, { catalogue: 'elsewhere' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0].path).toBe('actionSettings/catalogue');
    const extra = await createChallenge(campaignId, { catalogue: 'default', extra: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.details[0].path).toBe('actionSettings/extra');

    const pasted = await createChallenge(campaignId, defaultCatalogue);
    expect(pasted.status).toBe(201);
    expect(pasted.body.actionSettings).toEqual(defaultCatalogue);
  });
});
