import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * Sponsors are named with their consent (issue 7, finding 6): organization
 * A naming B as sponsor, or promising B's beneficiary, only proposes; the
 * challenge cannot open, B hears nothing and is named in no mail until B's
 * admins accept; nobody else may answer for B.
 */

const someone = (who: string) => `${who}-${unique()}@example.org`;

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
});
afterAll(async () => {
  await platform?.stop();
});

interface Org {
  id: string;
  slug: string;
  adminEmail: string;
  adminToken: string;
}

/** An organization with a named, signed-in admin. */
async function organization(name: string): Promise<Org> {
  const org = await newOrganization(client, admin.token, { name, kind: 'company' });
  const adminEmail = someone(`admin-${name.toLowerCase()}`);
  const added = await client.post(
    `/api/organizations/${org.slug}/members`,
    { email: adminEmail, role: 'admin' },
    admin,
  );
  expect(added.status).toBe(201);
  return { ...org, adminEmail, adminToken: await client.signIn(adminEmail) };
}

async function beneficiary(org: Org, name: string): Promise<string> {
  const created = await client.post(
    `/api/organizations/${org.slug}/beneficiaries`,
    { name },
    { token: org.adminToken },
  );
  expect(created.status).toBe(201);
  return created.body.id;
}

const campaign = (org: Org): Promise<string> =>
  newCampaign(client, org.adminToken, org.slug, { title: `Campaign ${unique()}` });

async function createChallenge(org: Org, body: Record<string, unknown>) {
  const created = await client.post(
    `/api/campaigns/${await campaign(org)}/challenges`,
    { title: `Challenge ${unique()}`, actionType: 'pledge-only', ...body },
    { token: org.adminToken },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as {
    id: string;
    status: string;
    tiers: { id: string; sponsor: string | null; sponsorship: string }[];
  };
}

/** A of B: "IF 2 people pledge, THEN B gives €1,000 to B's beneficiary". */
async function proposal(a: Org, b: Org) {
  return createChallenge(a, {
    goal: { participants: 2 },
    counterpart: {
      kind: 'donation',
      amount: { value: 1000, currency: 'EUR' },
      beneficiaryId: await beneficiary(b, 'Atelier vélo'),
    },
    sponsor: b.slug,
  });
}

const decide = (challengeId: string, tierId: string, body: unknown, token?: string) =>
  client.post(
    `/api/challenges/${challengeId}/tiers/${tierId}/sponsorship`,
    body as Record<string, unknown>,
    token ? { token } : {},
  );

const open = (challengeId: string, token: string) =>
  client.post(`/api/challenges/${challengeId}/open`, undefined, { token });

/** Mails to `email` other than sign-in links. */
async function mailsTo(email: string): Promise<{ purpose: string; text: string }[]> {
  const box = await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`);
  expect(box.status).toBe(200);
  return (box.body.messages as { purpose: string; text: string }[]).filter(
    (m) => m.purpose !== 'sign-in',
  );
}

async function sponsorshipOf(tierId: string): Promise<string | undefined> {
  const [row] = await platform.db.query<{ sponsorship: string }>(
    'select sponsorship from tier where id = ?',
    [tierId],
  );
  return row?.sponsorship;
}

describe('naming another organization as sponsor', () => {
  it('only proposes: the challenge cannot open, and B is told nothing until it accepts', async () => {
    const [a, b] = [await organization('Alpha'), await organization('Bravo')];
    const challenge = await proposal(a, b);
    const [tier] = challenge.tiers;
    expect(tier).toMatchObject({ sponsor: b.slug, sponsorship: 'proposed' });
    expect(
      (await client.get(`/api/challenges/${challenge.id}`, admin)).body.tiers[0],
    ).toMatchObject({ sponsorship: 'proposed' });

    const refused = await open(challenge.id, a.adminToken);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_SPONSORSHIP_NOT_ACCEPTED');
    expect(refused.body.details).toEqual([
      expect.objectContaining({ path: 'tiers/0/sponsorship', tierId: tier?.id }),
    ]);
    expect(refused.body.message).toContain(tier?.id);
    // Not even the platform admin opens it for B.
    expect((await open(challenge.id, admin.token)).status).toBe(409);
    expect((await client.get(`/api/challenges/${challenge.id}`, admin)).body.status).toBe('draft');
    // Nobody outside A sees the draft.
    expect((await client.get(`/api/challenges/${challenge.id}`)).status).toBe(404);
    await platform.settle();
    expect(await mailsTo(b.adminEmail)).toEqual([]);

    // B's admins see the proposal, and answer it.
    const listed = await client.get(`/api/organizations/${b.slug}/sponsorships?status=proposed`, {
      token: b.adminToken,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.sponsorships).toEqual([
      expect.objectContaining({
        challengeId: challenge.id,
        tierId: tier?.id,
        sponsorship: 'proposed',
        organizer: { slug: a.slug, name: 'Alpha' },
        beneficiary: expect.objectContaining({ name: 'Atelier vélo' }),
        counterpart: expect.objectContaining({ kind: 'donation' }),
      }),
    ]);
    const accepted = await decide(
      challenge.id,
      tier?.id ?? '',
      { decision: 'accept' },
      b.adminToken,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.id).toBe(challenge.id);
    expect(accepted.body.tiers[0]).toMatchObject({ sponsor: b.slug, sponsorship: 'accepted' });
    expect(
      (
        await client.get(`/api/organizations/${b.slug}/sponsorships?status=proposed`, {
          token: b.adminToken,
        })
      ).body.sponsorships,
    ).toEqual([]);

    const opened = await open(challenge.id, a.adminToken);
    expect(opened.status).toBe(200);
    expect(opened.body.status).toBe('open');

    // Once agreed, B is the sponsor the mails name and tell.
    await client.pledgeAndConfirm(challenge.id, someone('p1'));
    await client.pledgeAndConfirm(challenge.id, someone('p2'));
    await platform.settle();
    const toB = await mailsTo(b.adminEmail);
    expect(toB.map((m) => m.purpose)).toEqual(['sponsor-unlocked']);
    expect(await mailsTo(a.adminEmail)).toEqual([]);
  });

  it('lets only the admins of the proposed sponsor (or the platform admin) decide, once', async () => {
    const [a, b, c] = [
      await organization('Alpha'),
      await organization('Bravo'),
      await organization('Charlie'),
    ];
    const challenge = await proposal(a, b);
    const tierId = challenge.tiers[0]?.id ?? '';
    const bAgentEmail = someone('agent-b');
    await client.post(
      `/api/organizations/${b.slug}/members`,
      { email: bAgentEmail, role: 'agent' },
      admin,
    );
    const bAgent = await client.signIn(bAgentEmail);

    const anonymous = await decide(challenge.id, tierId, { decision: 'accept' });
    expect(anonymous.status).toBe(401);
    for (const token of [a.adminToken, c.adminToken, bAgent]) {
      const refused = await decide(challenge.id, tierId, { decision: 'accept' }, token);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    }
    expect(await sponsorshipOf(tierId)).toBe('proposed');
    // B's admins are no admins of A: they answer the proposal, they do not open A's challenge.
    expect((await open(challenge.id, b.adminToken)).status).toBe(403);
    // Nor do they read A's other challenges' proposals: each organization lists its own.
    expect(
      (await client.get(`/api/organizations/${b.slug}/sponsorships`, { token: a.adminToken }))
        .status,
    ).toBe(403);
    expect((await client.get(`/api/organizations/${b.slug}/sponsorships`)).status).toBe(401);

    const badDecision = await decide(challenge.id, tierId, { decision: 'maybe' }, b.adminToken);
    expect(badDecision.status).toBe(400);
    const unknownField = await decide(
      challenge.id,
      tierId,
      { decision: 'accept', note: 'ok' },
      b.adminToken,
    );
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
    expect((await decide(challenge.id, tierId, {}, b.adminToken)).status).toBe(400);
    expect(
      (await decide(challenge.id, 'tier_nope', { decision: 'accept' }, b.adminToken)).status,
    ).toBe(404);
    expect(
      (await decide(`chl_${unique()}`, tierId, { decision: 'accept' }, b.adminToken)).status,
    ).toBe(404);
    expect(await sponsorshipOf(tierId)).toBe('proposed');

    expect((await decide(challenge.id, tierId, { decision: 'accept' }, admin.token)).status).toBe(
      200,
    );
    for (const decision of ['accept', 'decline']) {
      const twice = await decide(challenge.id, tierId, { decision }, b.adminToken);
      expect(twice.status).toBe(409);
      expect(twice.body.error).toBe('TANDEM_SPONSORSHIP_ALREADY_DECIDED');
    }
    expect(await sponsorshipOf(tierId)).toBe('accepted');
  });

  it('keeps a declined challenge from opening', async () => {
    const [a, b] = [await organization('Alpha'), await organization('Bravo')];
    const challenge = await proposal(a, b);
    const tierId = challenge.tiers[0]?.id ?? '';
    const declined = await decide(challenge.id, tierId, { decision: 'decline' }, b.adminToken);
    expect(declined.status).toBe(200);
    expect(declined.body.tiers[0].sponsorship).toBe('declined');
    const refused = await open(challenge.id, a.adminToken);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('TANDEM_SPONSORSHIP_NOT_ACCEPTED');
    expect(refused.body.details[0]).toMatchObject({ path: 'tiers/0/sponsorship' });
    const again = await decide(challenge.id, tierId, { decision: 'accept' }, b.adminToken);
    expect(again.status).toBe(409);
    const listed = await client.get(`/api/organizations/${b.slug}/sponsorships?status=declined`, {
      token: b.adminToken,
    });
    expect(listed.body.sponsorships.map((s: { tierId: string }) => s.tierId)).toEqual([tierId]);
    expect(listed.body.sponsorships[0].decidedAt).toEqual(expect.any(String));
  });

  it("accepts the organizer's own tiers at once, and names only the others when refusing to open", async () => {
    const [a, b] = [await organization('Alpha'), await organization('Bravo')];
    const own = await createChallenge(a, {
      goal: { participants: 2 },
      counterpart: {
        kind: 'donation',
        amount: { value: 500, currency: 'EUR' },
        beneficiaryId: await beneficiary(a, 'Atelier solidaire'),
      },
    });
    expect(own.tiers[0]?.sponsorship).toBe('accepted');
    // Nothing to decide on an accepted tier, even for the organizer.
    expect(
      (await decide(own.id, own.tiers[0]?.id ?? '', { decision: 'decline' }, a.adminToken)).status,
    ).toBe(409);
    expect((await open(own.id, a.adminToken)).status).toBe(200);

    const stretch = await createChallenge(a, {
      tiers: [
        { goal: { participants: 2 }, counterpart: { kind: 'act', description: 'A plants a tree' } },
        {
          goal: { participants: 5 },
          counterpart: { kind: 'act', description: 'B plants a forest' },
          sponsor: b.slug,
        },
      ],
    });
    expect(stretch.tiers.map((t) => t.sponsorship)).toEqual(['accepted', 'proposed']);
    const refused = await open(stretch.id, a.adminToken);
    expect(refused.status).toBe(409);
    expect(refused.body.details.map((d: { path: string }) => d.path)).toEqual([
      'tiers/1/sponsorship',
    ]);
  });

  it("refuses B's beneficiary in a tier B is not named to sponsor", async () => {
    const [a, b] = [await organization('Alpha'), await organization('Bravo')];
    const campaignId = await campaign(a);
    const refused = await client.post(
      `/api/campaigns/${campaignId}/challenges`,
      {
        title: 'Borrowed beneficiary',
        actionType: 'pledge-only',
        goal: { participants: 2 },
        counterpart: {
          kind: 'donation',
          amount: { value: 100, currency: 'EUR' },
          beneficiaryId: await beneficiary(b, 'Atelier vélo'),
        },
      },
      { token: a.adminToken },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].path).toBe('counterpart/beneficiaryId');
  });
});

describe('a sponsorship that is not accepted (as migrated from before consent)', () => {
  it('sends the sponsor no mail, names it in none, and gives it no report or fulfilment', async () => {
    const [a, b] = [await organization('Alpha'), await organization('Bravo')];
    const challenge = await proposal(a, b);
    const tierId = challenge.tiers[0]?.id ?? '';
    expect((await decide(challenge.id, tierId, { decision: 'accept' }, b.adminToken)).status).toBe(
      200,
    );
    expect((await open(challenge.id, a.adminToken)).status).toBe(200);
    // An open challenge whose tier was never agreed: what the migration
    // leaves of a tier created before consent existed.
    await platform.db.query(`update tier set sponsorship = 'proposed' where id = ?`, [tierId]);
    const pledger = someone('p');
    await client.pledgeAndConfirm(challenge.id, pledger);
    await client.pledgeAndConfirm(challenge.id, someone('q'));
    await platform.settle();

    const read = await client.get(`/api/challenges/${challenge.id}`);
    expect(read.body.status).toBe('succeeded');
    expect(read.body.tiers[0]).toMatchObject({ sponsorship: 'proposed' });
    // The organizer answers for the tier meanwhile; B gets nothing and is named nowhere.
    expect(await mailsTo(b.adminEmail)).toEqual([]);
    expect((await mailsTo(a.adminEmail)).map((m) => m.purpose)).toEqual(['sponsor-unlocked']);
    const toPledger = await mailsTo(pledger);
    expect(toPledger.length).toBeGreaterThan(0);
    for (const mail of toPledger) expect(mail.text).not.toContain('Bravo');

    const campaignId = (await client.get(`/api/challenges/${challenge.id}`)).body.campaignId;
    const report = await client.get(`/api/campaigns/${campaignId}/report`, { token: b.adminToken });
    expect(report.status).toBe(403);
    const fulfil = await client.post(
      `/api/challenges/${challenge.id}/tiers/${tierId}/fulfill`,
      { proof: { text: 'Paid' } },
      { token: b.adminToken },
    );
    expect(fulfil.status).toBe(403);

    // Once B accepts, it is B's again.
    expect((await decide(challenge.id, tierId, { decision: 'accept' }, b.adminToken)).status).toBe(
      200,
    );
    expect(
      (await client.get(`/api/campaigns/${campaignId}/report`, { token: b.adminToken })).status,
    ).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents the decision, the list for the sponsor and the tier’s sponsorship', async () => {
    const docs = await client.get('/docs/json');
    expect(docs.status).toBe(200);
    const paths = docs.body.paths as Record<string, Record<string, unknown>>;
    expect(paths['/api/challenges/{id}/tiers/{tierId}/sponsorship']?.['post']).toBeDefined();
    expect(paths['/api/organizations/{slug}/sponsorships']?.['get']).toBeDefined();
    expect(paths['/api/organizations/{slug}/members/{participantId}']?.['delete']).toBeDefined();
    expect(JSON.stringify(paths['/api/challenges/{id}'])).toContain(
      '"enum":["accepted","proposed","declined"]',
    );
  });
});
