import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import {
  createTestClient,
  newCampaign,
  newOrganization,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * What the organization console edits after creation (ADR 0036): a draft
 * challenge (checked as a creation is, refused once opened), campaigns,
 * beneficiaries and teams — by the organization's admins only, and every
 * cached answer shows the change at once.
 */

// A measured action type with settings, so settings and quantity goals are checked.
const walking = defineActionType({
  id: 'test-console-walk',
  version: '1.0.0',
  title: { fr: 'Marche (test)', en: 'Walking (test)' },
  unit: 'km',
  settingsSchema: Type.Object(
    { stepsPerKm: Type.Optional(Type.Integer({ minimum: 500, maximum: 3000 })) },
    { additionalProperties: false },
  ),
  contributionSchema: Type.Object({ km: Type.Number({ minimum: 0 }) }),
  quantify: ({ details }) => details.km,
  impact: () => ({ co2eKg: 0, source: 'test' }),
});

let platform: TestPlatform;
let client: TestClient;

interface Org {
  id: string;
  slug: string;
  admin: string;
  agent: string;
  member: string;
}

let org: Org;
let other: Org;

async function organization(): Promise<Org> {
  const created = await newOrganization(client, platform.adminToken, { name: 'Console' });
  const tokens: Record<string, string> = {};
  for (const role of ['admin', 'agent', 'member'] as const) {
    const email = `${role}-${unique()}@example.org`;
    const added = await client.post(
      `/api/organizations/${created.slug}/members`,
      { email, role },
      { token: platform.adminToken },
    );
    expect(added.status).toBe(201);
    tokens[role] = await client.signIn(email);
  }
  return {
    ...created,
    admin: tokens['admin'] as string,
    agent: tokens['agent'] as string,
    member: tokens['member'] as string,
  };
}

async function beneficiary(o: Org, name = 'Atelier vélo'): Promise<string> {
  const created = await client.post(
    `/api/organizations/${o.slug}/beneficiaries`,
    { name },
    { token: o.admin },
  );
  expect(created.status).toBe(201);
  return created.body.id;
}

async function draft(o: Org, body: Record<string, unknown> = {}, campaignId?: string) {
  const campaign = campaignId ?? (await newCampaign(client, o.admin, o.slug, { title: 'C' }));
  const created = await client.post(
    `/api/campaigns/${campaign}/challenges`,
    {
      title: 'Walk to work',
      actionType: 'test-console-walk',
      goal: { participants: 5 },
      ...body,
    },
    { token: o.admin },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { campaignId: campaign, challenge: created.body };
}

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [walking] });
  client = createTestClient(platform.app);
  [org, other] = await Promise.all([organization(), organization()]);
});
afterAll(async () => {
  await platform?.stop();
});

describe('PATCH /api/challenges/{id}', () => {
  it('edits a draft field by field, and a read after it shows the change', async () => {
    const { campaignId, challenge } = await draft(org, { description: 'Old' });
    // Read once as an outsider-free admin and as the campaign, to fill the caches.
    expect((await client.get(`/api/challenges/${challenge.id}`, { token: org.admin })).status).toBe(
      200,
    );
    await client.get(`/api/campaigns/${campaignId}`, { token: org.admin });
    const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const edited = await client.patch(
      `/api/challenges/${challenge.id}`,
      {
        title: 'Walk more',
        description: null,
        actionSettings: { stepsPerKm: 1300 },
        deadline,
      },
      { token: org.admin },
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({
      title: 'Walk more',
      description: null,
      actionSettings: { stepsPerKm: 1300 },
      deadline,
      status: 'draft',
      goal: { participants: 5 },
    });
    // The tier was left alone: same id.
    expect(edited.body.tiers[0].id).toBe(challenge.tiers[0].id);
    const read = await client.get(`/api/challenges/${challenge.id}`, { token: org.admin });
    expect(read.body.title).toBe('Walk more');
    const campaign = await client.get(`/api/campaigns/${campaignId}`, { token: org.admin });
    expect(campaign.body.challenges[0].title).toBe('Walk more');
  });

  it('replaces the tiers, keeping an unchanged one and proposing a changed sponsor afresh', async () => {
    const ownBeneficiary = await beneficiary(org);
    const { challenge } = await draft(org, {
      goal: undefined,
      tiers: [
        {
          goal: { participants: 5 },
          counterpart: {
            kind: 'donation',
            amount: { value: 500, currency: 'EUR' },
            beneficiaryId: ownBeneficiary,
          },
        },
        { goal: { participants: 10 }, counterpart: { kind: 'act', description: 'Trees' } },
      ],
    });
    const [first] = challenge.tiers;
    const edited = await client.patch(
      `/api/challenges/${challenge.id}`,
      {
        tiers: [
          {
            goal: { participants: 5 },
            counterpart: {
              kind: 'donation',
              amount: { value: 500, currency: 'EUR' },
              beneficiaryId: ownBeneficiary,
            },
          },
          {
            goal: { participants: 20 },
            counterpart: {
              kind: 'matching',
              perUnit: { value: 0.5, currency: 'EUR' },
              cap: { value: 400, currency: 'EUR' },
              beneficiaryId: ownBeneficiary,
            },
            sponsor: other.slug,
          },
        ],
      },
      { token: org.admin },
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.tiers).toHaveLength(2);
    expect(edited.body.tiers[0]).toMatchObject({ id: first.id, sponsorship: 'accepted' });
    expect(edited.body.tiers[1]).toMatchObject({
      sponsor: other.slug,
      sponsorship: 'proposed',
      counterpart: { kind: 'matching', cap: { value: 400 } },
    });
    const [row] = await platform.db.query<{ n: string }>(
      'select count(*) as n from tier where challenge_id = ?',
      [challenge.id],
    );
    expect(Number(row?.n)).toBe(2);
    // The sponsor named sees the proposal to answer.
    const proposals = await client.get(
      `/api/organizations/${other.slug}/sponsorships?status=proposed`,
      { token: other.admin },
    );
    expect(proposals.body.sponsorships.map((s: { tierId: string }) => s.tierId)).toContain(
      edited.body.tiers[1].id,
    );
    // Opening waits for the sponsor, as after a creation.
    const open = await client.post(`/api/challenges/${challenge.id}/open`, undefined, {
      token: org.admin,
    });
    expect(open.status).toBe(409);
    expect(open.body.error).toBe('TANDEM_SPONSORSHIP_NOT_ACCEPTED');
  });

  it('checks an edit as a creation: 400 naming the field, and nothing changes', async () => {
    const { challenge } = await draft(org);
    const cases: [Record<string, unknown>, string][] = [
      [{ actionSettings: { stepsPerKm: 10 } }, 'actionSettings/stepsPerKm'],
      [{ actionSettings: { unknown: true } }, 'actionSettings/unknown'],
      [{ tiers: [{ goal: {} }] }, 'tiers/0/goal'],
      [{ tiers: [{ goal: { participants: 10 } }, { goal: { participants: 5 } }] }, 'tiers/1/goal'],
      [
        {
          goal: { participants: 3 },
          counterpart: {
            kind: 'donation',
            amount: { value: 10, currency: 'EUR' },
            beneficiaryId: 'ben_nope',
          },
        },
        'counterpart/beneficiaryId',
      ],
      [{ tiers: [{ goal: { participants: 3 }, sponsor: 'no-such-org' }] }, 'tiers/0/sponsor'],
      [{ deadline: '2001-01-01T00:00:00.000Z' }, 'deadline'],
      [{ goal: { participants: 3 }, tiers: [{ goal: { participants: 3 } }] }, 'tiers'],
      [{ sponsor: other.slug }, 'sponsor'],
      [{ actionType: 'pledge-only' }, 'actionType'],
      [{ title: '' }, 'title'],
      [{ colour: 'red' }, 'colour'],
    ];
    // A quantity goal, so that a type measuring nothing is refused for it.
    const measured = await client.patch(
      `/api/challenges/${challenge.id}`,
      { goal: { quantity: 100 } },
      { token: org.admin },
    );
    expect(measured.status).toBe(200);
    for (const [body, path] of cases) {
      const refused = await client.patch(`/api/challenges/${challenge.id}`, body, {
        token: org.admin,
      });
      expect(refused.status, `${path}: ${JSON.stringify(refused.body)}`).toBe(400);
      expect(refused.body.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const read = await client.get(`/api/challenges/${challenge.id}`, { token: org.admin });
    expect(read.body).toMatchObject({
      title: 'Walk to work',
      actionType: 'test-console-walk',
      actionSettings: {},
      goal: { quantity: 100 },
      deadline: null,
    });
  });

  it('refuses edits and deletion once opened (409), and the challenge stays as it was', async () => {
    const { challenge } = await draft(org);
    const opened = await client.post(`/api/challenges/${challenge.id}/open`, undefined, {
      token: org.admin,
    });
    expect(opened.status).toBe(200);
    const edit = await client.patch(
      `/api/challenges/${challenge.id}`,
      { title: 'Sneaky' },
      { token: org.admin },
    );
    expect(edit.status).toBe(409);
    expect(edit.body.error).toBe('TANDEM_CHALLENGE_NOT_DRAFT');
    const removal = await client.delete(`/api/challenges/${challenge.id}`, { token: org.admin });
    expect(removal.status).toBe(409);
    expect(removal.body.error).toBe('TANDEM_CHALLENGE_NOT_DRAFT');
    const read = await client.get(`/api/challenges/${challenge.id}`);
    expect(read.body).toMatchObject({ title: 'Walk to work', status: 'open' });
  });

  it('is for the organization’s admins: 401, 403, and the draft hidden from strangers', async () => {
    const { challenge } = await draft(org);
    const url = `/api/challenges/${challenge.id}`;
    const anonymous = await client.patch(url, { title: 'X' });
    expect(anonymous.status).toBe(401);
    for (const token of [org.agent, org.member, other.admin]) {
      const refused = await client.patch(url, { title: 'X' }, { token });
      expect(refused.status).toBe(403);
      expect((await client.delete(url, { token })).status).toBe(403);
    }
    expect((await client.delete(url)).status).toBe(401);
    expect(
      (await client.patch('/api/challenges/chl_none', { title: 'X' }, { token: org.admin })).status,
    ).toBe(404);
    const read = await client.get(url, { token: org.admin });
    expect(read.body.title).toBe('Walk to work');
    // The platform admin acts as an owner.
    const byPlatform = await client.patch(url, { title: 'Y' }, { token: platform.adminToken });
    expect(byPlatform.status).toBe(200);
  });
});

describe('DELETE /api/challenges/{id}', () => {
  it('deletes a draft with its tiers; a read after it is 404', async () => {
    const { campaignId, challenge } = await draft(org);
    await client.get(`/api/challenges/${challenge.id}`, { token: org.admin });
    const deleted = await client.delete(`/api/challenges/${challenge.id}`, { token: org.admin });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: challenge.id, status: 'deleted' });
    expect((await client.get(`/api/challenges/${challenge.id}`, { token: org.admin })).status).toBe(
      404,
    );
    const campaign = await client.get(`/api/campaigns/${campaignId}`, { token: org.admin });
    expect(campaign.body.challenges).toEqual([]);
    const [row] = await platform.db.query<{ n: string }>(
      'select count(*) as n from tier where challenge_id = ?',
      [challenge.id],
    );
    expect(Number(row?.n)).toBe(0);
  });
});

describe('POST /api/challenges/{id}/close', () => {
  it('sets closedAt when closing early, as a deadline would', async () => {
    const { challenge } = await draft(org);
    await client.post(`/api/challenges/${challenge.id}/open`, undefined, { token: org.admin });
    const closed = await client.post(`/api/challenges/${challenge.id}/close`, undefined, {
      token: org.admin,
    });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('failed');
    expect(Date.parse(closed.body.closedAt)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('campaigns', () => {
  it('shows drafts to agents and admins, never to members or the public', async () => {
    const { campaignId, challenge } = await draft(org);
    for (const token of [org.agent, org.admin]) {
      const read = await client.get(`/api/campaigns/${campaignId}`, { token });
      expect(read.body.challenges.map((c: { id: string }) => c.id)).toEqual([challenge.id]);
    }
    for (const token of [org.member, undefined]) {
      const read = await client.get(`/api/campaigns/${campaignId}`, token ? { token } : {});
      expect(read.status).toBe(200);
      expect(read.body.challenges).toEqual([]);
    }
  });

  it('edits a campaign; a cached read shows it, and an audience change applies at once', async () => {
    const { campaignId, challenge } = await draft(org);
    await client.post(`/api/challenges/${challenge.id}/open`, undefined, { token: org.admin });
    // Fill the public caches.
    expect((await client.get(`/api/campaigns/${campaignId}`)).status).toBe(200);
    expect((await client.get(`/api/challenges/${challenge.id}`)).status).toBe(200);
    const edited = await client.patch(
      `/api/campaigns/${campaignId}`,
      {
        title: 'Spring',
        startsAt: '2027-03-01T00:00:00.000Z',
        endsAt: '2027-06-01T00:00:00.000Z',
        audience: { type: 'members' },
      },
      { token: org.admin },
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ title: 'Spring', audience: { type: 'members' } });
    // Members-only from now on, while the challenge is open.
    expect((await client.get(`/api/campaigns/${campaignId}`)).status).toBe(401);
    expect((await client.get(`/api/challenges/${challenge.id}`)).status).toBe(401);
    const asMember = await client.get(`/api/campaigns/${campaignId}`, { token: org.member });
    expect(asMember.body.title).toBe('Spring');
    const back = await client.patch(
      `/api/campaigns/${campaignId}`,
      { audience: { type: 'email-domain', domains: ['@Example.ORG'] }, endsAt: null },
      { token: org.admin },
    );
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({
      audience: { type: 'email-domain', domains: ['example.org'] },
      endsAt: null,
      startsAt: '2027-03-01T00:00:00.000Z',
    });
  });

  it('refuses bad dates and audiences with 400 naming the field, and roles as usual', async () => {
    const campaignId = await newCampaign(client, org.admin, org.slug, { title: 'Dates' });
    const url = `/api/campaigns/${campaignId}`;
    const cases: [Record<string, unknown>, string][] = [
      [{ startsAt: '2027-05-01T00:00:00Z', endsAt: '2027-04-01T00:00:00Z' }, 'endsAt'],
      [{ audience: { type: 'email-domain', domains: ['not a domain'] } }, 'audience/domains/0'],
      [{ title: '' }, 'title'],
      [{ organizationId: 'x' }, 'organizationId'],
    ];
    for (const [body, path] of cases) {
      const refused = await client.patch(url, body, { token: org.admin });
      expect(refused.status, path).toBe(400);
      expect(refused.body.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await client.patch(url, { title: 'X' })).status).toBe(401);
    expect((await client.patch(url, { title: 'X' }, { token: org.agent })).status).toBe(403);
    expect((await client.patch(url, { title: 'X' }, { token: other.admin })).status).toBe(403);
    expect((await client.delete(url, { token: org.agent })).status).toBe(403);
    expect((await client.get(url)).body.title).toBe('Dates');
  });

  it('deletes a campaign only while all its challenges are drafts', async () => {
    const empty = await newCampaign(client, org.admin, org.slug, { title: 'Empty' });
    expect((await client.delete(`/api/campaigns/${empty}`, { token: org.admin })).status).toBe(200);
    expect((await client.get(`/api/campaigns/${empty}`)).status).toBe(404);

    const { campaignId, challenge } = await draft(org);
    await draft(org, {}, campaignId);
    await client.post(`/api/campaigns/${campaignId}/teams`, { name: 'Blue' }, { token: org.admin });
    await client.post(`/api/challenges/${challenge.id}/open`, undefined, { token: org.admin });
    const refused = await client.delete(`/api/campaigns/${campaignId}`, { token: org.admin });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_CAMPAIGN_NOT_DRAFT');
    expect((await client.get(`/api/campaigns/${campaignId}`)).status).toBe(200);

    const drafts = await draft(org);
    await draft(org, {}, drafts.campaignId);
    const deleted = await client.delete(`/api/campaigns/${drafts.campaignId}`, {
      token: org.admin,
    });
    expect(deleted.status).toBe(200);
    const [row] = await platform.db.query<{ n: string }>(
      'select count(*) as n from challenge where campaign_id = ?',
      [drafts.campaignId],
    );
    expect(Number(row?.n)).toBe(0);
  });
});

describe('beneficiaries', () => {
  it('lists them for admins and edits one; a tier shows the new name', async () => {
    const id = await beneficiary(org, 'Repair café');
    const listed = await client.get(`/api/organizations/${org.slug}/beneficiaries`, {
      token: org.admin,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.beneficiaries).toContainEqual({
      id,
      organizationId: org.id,
      name: 'Repair café',
      description: null,
      url: null,
      email: null,
    });
    const edited = await client.patch(
      `/api/organizations/${org.slug}/beneficiaries/${id}`,
      {
        name: 'Repair Café Clichy',
        url: 'https://repair.example.org',
        description: 'Bikes',
        email: 'Dons@Repair.example.org',
      },
      { token: org.admin },
    );
    expect(edited.status).toBe(200);
    // The receipt address is kept in its canonical form, for the admins' eyes only.
    expect(edited.body).toMatchObject({
      name: 'Repair Café Clichy',
      description: 'Bikes',
      email: 'dons@repair.example.org',
    });
    const badEmail = await client.patch(
      `/api/organizations/${org.slug}/beneficiaries/${id}`,
      { email: 'not an address' },
      { token: org.admin },
    );
    expect(badEmail.status).toBe(400);
    expect(JSON.stringify(badEmail.body)).toContain('email');
    const cleared = await client.patch(
      `/api/organizations/${org.slug}/beneficiaries/${id}`,
      { url: null },
      { token: org.admin },
    );
    expect(cleared.body).toMatchObject({ name: 'Repair Café Clichy', url: null });
    const page = await client.get(`/api/organizations/${org.slug}`);
    const shown = page.body.beneficiaries.find((b: { id: string }) => b.id === id);
    expect(shown.name).toBe('Repair Café Clichy');
    expect(JSON.stringify(page.body)).not.toContain('dons@repair');
    expect(shown).not.toHaveProperty('email');
  });

  it('refuses bad input, strangers, and another organization’s beneficiary', async () => {
    const id = await beneficiary(org);
    const url = `/api/organizations/${org.slug}/beneficiaries/${id}`;
    const bad = await client.patch(url, { url: 'javascript:alert(1)' }, { token: org.admin });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('url');
    expect((await client.get(`/api/organizations/${org.slug}/beneficiaries`)).status).toBe(401);
    for (const token of [org.agent, other.admin]) {
      expect(
        (await client.get(`/api/organizations/${org.slug}/beneficiaries`, { token })).status,
      ).toBe(403);
      expect((await client.patch(url, { name: 'X' }, { token })).status).toBe(403);
    }
    // B's admin naming A's beneficiary under B's slug: unknown there.
    const elsewhere = await client.patch(
      `/api/organizations/${other.slug}/beneficiaries/${id}`,
      { name: 'Stolen' },
      { token: other.admin },
    );
    expect(elsewhere.status).toBe(404);
    const listed = await client.get(`/api/organizations/${org.slug}/beneficiaries`, {
      token: org.admin,
    });
    expect(listed.body.beneficiaries.find((b: { id: string }) => b.id === id).name).toBe(
      'Atelier vélo',
    );
  });
});

describe('teams', () => {
  it('lists teams with their members, renames one, deletes only an empty one', async () => {
    const { campaignId, challenge } = await draft(org);
    const team = async (name: string) =>
      (await client.post(`/api/campaigns/${campaignId}/teams`, { name }, { token: org.admin }))
        .body as { id: string; slug: string };
    const blue = await team('Blue');
    const red = await team('Red');
    await client.post(`/api/challenges/${challenge.id}/open`, undefined, { token: org.admin });
    const pledged = await client.post(
      `/api/challenges/${challenge.id}/pledges`,
      { team: red.slug },
      { token: org.member },
    );
    expect(pledged.status, JSON.stringify(pledged.body)).toBe(201);
    await platform.settle();

    const listed = await client.get(`/api/campaigns/${campaignId}/teams`, { token: org.agent });
    expect(listed.status).toBe(200);
    expect(listed.body.teams).toEqual([
      { id: blue.id, slug: 'blue', name: 'Blue', members: 0 },
      { id: red.id, slug: 'red', name: 'Red', members: 1 },
    ]);
    const renamed = await client.patch(
      `/api/campaigns/${campaignId}/teams/${red.id}`,
      { name: 'Crimson', slug: 'crimson' },
      { token: org.admin },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ id: red.id, slug: 'crimson', name: 'Crimson' });
    const taken = await client.patch(
      `/api/campaigns/${campaignId}/teams/${blue.id}`,
      { slug: 'crimson' },
      { token: org.admin },
    );
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('TANDEM_TEAM_SLUG_TAKEN');

    const notEmpty = await client.delete(`/api/campaigns/${campaignId}/teams/${red.id}`, {
      token: org.admin,
    });
    expect(notEmpty.status).toBe(409);
    expect(notEmpty.body.error).toBe('TANDEM_TEAM_NOT_EMPTY');
    expect(
      (await client.delete(`/api/campaigns/${campaignId}/teams/${blue.id}`, { token: org.admin }))
        .status,
    ).toBe(200);
    const campaign = await client.get(`/api/campaigns/${campaignId}`);
    expect(campaign.body.teams.map((t: { name: string }) => t.name)).toEqual(['Crimson']);
  });

  it('answers teams to agents and up; edits to admins; 404 for a team of another campaign', async () => {
    const campaignId = await newCampaign(client, org.admin, org.slug, { title: 'T' });
    const elsewhere = await newCampaign(client, other.admin, other.slug, { title: 'T' });
    const theirs = (
      await client.post(
        `/api/campaigns/${elsewhere}/teams`,
        { name: 'Theirs' },
        { token: other.admin },
      )
    ).body as { id: string };
    expect((await client.get(`/api/campaigns/${campaignId}/teams`)).status).toBe(401);
    expect(
      (await client.get(`/api/campaigns/${campaignId}/teams`, { token: org.member })).status,
    ).toBe(403);
    const url = `/api/campaigns/${campaignId}/teams/${theirs.id}`;
    expect((await client.patch(url, { name: 'Mine' }, { token: org.admin })).status).toBe(404);
    expect((await client.delete(url, { token: org.admin })).status).toBe(404);
    expect((await client.patch(url, { name: 'Mine' }, { token: org.agent })).status).toBe(403);
  });
});

describe('GET /api/action-types', () => {
  it('gives each type the settings schema its challenges’ actionSettings are checked with', async () => {
    const response = await client.get('/api/action-types');
    const types = response.body.actionTypes as {
      id: string;
      settingsSchema: Record<string, unknown>;
    }[];
    expect(types.find((t) => t.id === 'test-console-walk')?.settingsSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { stepsPerKm: { type: 'integer', minimum: 500, maximum: 3000 } },
    });
    expect(types.find((t) => t.id === 'pledge-only')?.settingsSchema).toMatchObject({
      type: 'object',
    });
  });
});
