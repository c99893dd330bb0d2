/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field; each assertion checks the shape it needs. */
import { Type } from '@sinclair/typebox';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recountChallenge } from '../jobs/scheduled/index.js';
import { defineActionType } from '../plugins/index.js';
import {
  createTestClient,
  newOrganization,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Federated challenges (ADR 0043): an owner invites partner organizations,
 * whose admins accept or decline; pledges name the organization they came
 * through (`via`); each organization's share adds up to the whole exactly,
 * a person counting once, in the share of the first that confirmed them.
 */

const testKm = defineActionType({
  id: 'test-fed-km',
  version: '1.0.0',
  title: { fr: 'Kilomètres (test)', en: 'Kilometres (test)' },
  unit: 'km',
  contributionSchema: Type.Object(
    { km: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.km,
  impact: ({ details }) => ({ co2eKg: details.km * 0.1, source: 'test factor' }),
});

const someone = (who = 'p') => `${who}-${unique()}@example.org`;

let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [testKm] });
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

/** An organization with a signed-in admin. */
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

/** A signed-in person with `role` in `org`. */
async function memberOf(org: Org, role: 'member' | 'agent' | 'admin'): Promise<string> {
  const email = someone(role);
  const added = await client.post(`/api/organizations/${org.slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return client.signIn(email);
}

/** A draft test-fed-km challenge of `owner` in a public campaign. */
async function draft(owner: Org, goal: Record<string, unknown> = { participants: 10_000 }) {
  const campaign = await client.post(
    `/api/organizations/${owner.slug}/campaigns`,
    { title: `Campaign ${unique()}` },
    { token: owner.adminToken },
  );
  expect(campaign.status).toBe(201);
  const challenge = await client.post(
    `/api/campaigns/${campaign.body.id}/challenges`,
    { title: `Federated ${unique()}`, actionType: 'test-fed-km', goal },
    { token: owner.adminToken },
  );
  expect(challenge.status, JSON.stringify(challenge.body)).toBe(201);
  return challenge.body.id as string;
}

const invite = (id: string, by: string | undefined, slug: string) =>
  client.post(`/api/challenges/${id}/partners`, { organization: slug }, by ? { token: by } : {});

const decide = (id: string, by: string | undefined, slug: string, body: Record<string, unknown>) =>
  client.post(`/api/challenges/${id}/partners/${slug}/decision`, body, by ? { token: by } : {});

const open = async (id: string, owner: Org) =>
  expect(
    (await client.post(`/api/challenges/${id}/open`, undefined, { token: owner.adminToken }))
      .status,
  ).toBe(200);

/** Invites and accepts each partner (public audience unless given). */
async function federate(
  id: string,
  owner: Org,
  partners: Org[],
  audience?: Record<string, unknown>,
) {
  for (const partner of partners) {
    expect((await invite(id, owner.adminToken, partner.slug)).status).toBe(201);
    const accepted = await decide(id, partner.adminToken, partner.slug, {
      accept: true,
      ...(audience ? { audience } : {}),
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  }
}

async function view(id: string) {
  const answer = await client.get(`/api/challenges/${id}`, { token: admin.token });
  expect(answer.status).toBe(200);
  return answer.body as {
    progress: { participants: number; quantity: number; co2eKg: number };
    federated: boolean;
    shares: {
      organization: string;
      name: string;
      participants: number;
      quantity: number;
      co2eKg: number;
    }[];
  };
}

const shareOf = (v: Awaited<ReturnType<typeof view>>, slug: string) =>
  v.shares.find((s) => s.organization === slug);

/** The shares add up to the whole, to the unit and to the gram. */
function expectSharesAddUp(v: Awaited<ReturnType<typeof view>>) {
  const sum = v.shares.reduce(
    (acc, s) => ({
      participants: acc.participants + s.participants,
      quantity: acc.quantity + s.quantity,
      co2eKg: acc.co2eKg + s.co2eKg,
    }),
    { participants: 0, quantity: 0, co2eKg: 0 },
  );
  expect(sum.participants).toBe(v.progress.participants);
  expect(sum.quantity).toBeCloseTo(v.progress.quantity, 6);
  expect(sum.co2eKg).toBeCloseTo(v.progress.co2eKg, 6);
}

describe('partners: invitations, decisions, leaving', () => {
  it('lets only the owner’s admins invite, and only the invited organization’s admins decide', async () => {
    const owner = await organization('Owner');
    const partner = await organization('Partner');
    const outsider = await organization('Outsider');
    const id = await draft(owner);
    const ownerMember = await memberOf(owner, 'member');
    const partnerMember = await memberOf(partner, 'member');

    // A draft is hidden from whoever is not involved.
    expect((await invite(id, outsider.adminToken, partner.slug)).status).toBe(404);
    expect((await invite(id, undefined, partner.slug)).status).toBe(404);
    // Someone who sees the draft but is no admin.
    const agent = await memberOf(owner, 'agent');
    expect((await invite(id, agent, partner.slug)).status).toBe(403);
    expect((await invite(id, ownerMember, partner.slug)).status).toBe(404);

    expect((await invite(id, owner.adminToken, 'no-such-org')).status).toBe(404);
    const self = await invite(id, owner.adminToken, owner.slug);
    expect(self.status).toBe(400);
    expect(self.body.error).toBe('TANDEM_REQUEST_INVALID');

    const invited = await invite(id, owner.adminToken, partner.slug);
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    expect(invited.body).toMatchObject({
      organization: partner.slug,
      status: 'invited',
      decidedAt: null,
    });
    const again = await invite(id, owner.adminToken, partner.slug);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('TANDEM_PARTNER_ALREADY_INVITED');

    // The invited organization's admins were told, by mail.
    const mails = await platform.db.query<{ purpose: string; subject: string }>(
      'select purpose, subject from dev_mail where recipient = ?',
      [partner.adminEmail],
    );
    expect(mails.map((m) => m.purpose)).toContain('partner-invitation');

    // The list: owner admins and the partner's admins; nobody else.
    expect(
      (await client.get(`/api/challenges/${id}/partners`, { token: owner.adminToken })).body.items,
    ).toHaveLength(1);
    const seenByPartner = await client.get(`/api/challenges/${id}/partners`, {
      token: partner.adminToken,
    });
    expect(seenByPartner.status).toBe(200);
    expect(seenByPartner.body.items[0]).toMatchObject({
      organization: partner.slug,
      status: 'invited',
    });
    expect(
      (await client.get(`/api/challenges/${id}/partners`, { token: partnerMember })).status,
    ).toBe(404);
    expect(
      (await client.get(`/api/challenges/${id}/partners`, { token: outsider.adminToken })).status,
    ).toBe(404);

    // The invited organization's console finds what waits for its answer.
    const waiting = await client.get(
      `/api/organizations/${partner.slug}/partnerships?status=invited`,
      {
        token: partner.adminToken,
      },
    );
    expect(waiting.status).toBe(200);
    expect(waiting.body.items).toEqual([
      expect.objectContaining({
        challenge: expect.objectContaining({
          id,
          organization: expect.objectContaining({ slug: owner.slug }),
        }),
        status: 'invited',
      }),
    ]);
    expect(
      (
        await client.get(`/api/organizations/${partner.slug}/partnerships?status=accepted`, {
          token: partner.adminToken,
        })
      ).body.items,
    ).toEqual([]);
    expect(
      (
        await client.get(`/api/organizations/${partner.slug}/partnerships`, {
          token: partnerMember,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await client.get(`/api/organizations/${partner.slug}/partnerships`, {
          token: owner.adminToken,
        })
      ).status,
    ).toBe(403);

    // Deciding: the partner's admins only.
    expect((await decide(id, owner.adminToken, partner.slug, { accept: true })).status).toBe(403);
    expect((await decide(id, outsider.adminToken, partner.slug, { accept: true })).status).toBe(
      404,
    );
    expect((await decide(id, partnerMember, partner.slug, { accept: true })).status).toBe(404);
    expect((await decide(id, partner.adminToken, outsider.slug, { accept: true })).status).toBe(
      404,
    );
    const accepted = await decide(id, partner.adminToken, partner.slug, {
      accept: true,
      audience: { type: 'members' },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', audience: { type: 'members' } });
    expect(accepted.body.decidedAt).toEqual(expect.any(String));
    const twice = await decide(id, partner.adminToken, partner.slug, { accept: false });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('TANDEM_PARTNER_ALREADY_DECIDED');

    // Once open, an outsider is told they may not, rather than that nothing is there.
    await open(id, owner);
    expect(
      (await client.get(`/api/challenges/${id}/partners`, { token: outsider.adminToken })).status,
    ).toBe(403);
    expect((await client.get(`/api/challenges/${id}/partners`)).status).toBe(401);

    const audit = await client.get(`/api/challenges/${id}/audit`, { token: owner.adminToken });
    expect(audit.body.entries.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['partner.invited', 'partner.accepted']),
    );
  });

  it('lets a partner leave, or the owner withdraw it, before the opening only', async () => {
    const owner = await organization('Owner');
    const leaver = await organization('Leaver');
    const withdrawn = await organization('Withdrawn');
    const stays = await organization('Stays');
    const id = await draft(owner);
    await federate(id, owner, [leaver, withdrawn, stays]);

    const member = await memberOf(leaver, 'member');
    expect(
      (await client.delete(`/api/challenges/${id}/partners/${leaver.slug}`, { token: member }))
        .status,
    ).toBe(404);
    expect(
      (
        await client.delete(`/api/challenges/${id}/partners/${leaver.slug}`, {
          token: stays.adminToken,
        })
      ).status,
    ).toBe(403);

    const left = await client.delete(`/api/challenges/${id}/partners/${leaver.slug}`, {
      token: leaver.adminToken,
    });
    expect(left.status).toBe(200);
    expect(left.body.status).toBe('left');
    const out = await client.delete(`/api/challenges/${id}/partners/${withdrawn.slug}`, {
      token: owner.adminToken,
    });
    expect(out.status).toBe(200);
    expect(out.body.status).toBe('left');
    // One who left pledges nothing through it.
    await open(id, owner);
    const via = await client.post(`/api/challenges/${id}/pledges`, {
      email: someone(),
      via: leaver.slug,
    });
    expect(via.status).toBe(400);

    const late = await client.delete(`/api/challenges/${id}/partners/${stays.slug}`, {
      token: stays.adminToken,
    });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('TANDEM_CHALLENGE_NOT_DRAFT');

    const audit = await client.get(`/api/challenges/${id}/audit`, { token: owner.adminToken });
    expect(audit.body.entries.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['partner.left', 'partner.withdrawn']),
    );
    // The answer names who feeds it: the owner and the partner that stayed.
    const v = await view(id);
    expect(v.federated).toBe(true);
    expect(v.shares.map((s) => s.organization).sort()).toEqual([owner.slug, stays.slug].sort());
  });

  it('takes partners until the challenge closes, a succeeded one included', async () => {
    const owner = await organization('Owner');
    const first = await organization('First');
    const second = await organization('Second');
    const id = await draft(owner, { participants: 1 });
    await open(id, owner);
    const token = await client.signIn(someone());
    expect((await client.post(`/api/challenges/${id}/pledges`, {}, { token })).status).toBe(201);
    await platform.settle();
    expect((await view(id)) as any).toMatchObject({ status: 'succeeded' });
    expect((await invite(id, owner.adminToken, first.slug)).status).toBe(201);
    const closed = await client.post(`/api/challenges/${id}/close`, undefined, {
      token: owner.adminToken,
    });
    expect(closed.status).toBe(200);
    const late = await invite(id, owner.adminToken, second.slug);
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('TANDEM_CHALLENGE_CLOSED');
    const answer = await decide(id, first.adminToken, first.slug, { accept: true });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toBe('TANDEM_CHALLENGE_CLOSED');
  });

  it('records a decline, which the owner may follow with a new invitation', async () => {
    const owner = await organization('Owner');
    const partner = await organization('Declines');
    const id = await draft(owner);
    expect((await invite(id, owner.adminToken, partner.slug)).status).toBe(201);
    const declined = await decide(id, partner.adminToken, partner.slug, { accept: false });
    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe('declined');
    const audit = await client.get(`/api/challenges/${id}/audit`, { token: owner.adminToken });
    expect(audit.body.entries.map((e: any) => e.action)).toContain('partner.declined');
    expect((await invite(id, owner.adminToken, partner.slug)).body.status).toBe('invited');
  });
  it('lists on the partner’s public page the challenges it feeds, once opened and only if accepted', async () => {
    const owner = await organization('Lister');
    const partner = await organization('Listed');
    const other = await organization('Bystander');
    const id = await draft(owner);
    await federate(id, owner, [partner]);
    expect((await invite(id, owner.adminToken, other.slug)).status).toBe(201);
    const sharedOf = async (slug: string) =>
      (await client.get(`/api/organizations/${slug}`)).body.sharedChallenges as {
        id: string;
        organization: string;
      }[];
    // A draft stays private, even to the partner's visitors.
    expect(await sharedOf(partner.slug)).toEqual([]);
    await open(id, owner);
    expect(await sharedOf(partner.slug)).toEqual([
      expect.objectContaining({ id, organization: owner.slug, organizationName: 'Lister' }),
    ]);
    // Invited but not accepted: nothing to show; the owner lists its own challenge as a campaign, not here.
    expect(await sharedOf(other.slug)).toEqual([]);
    expect(await sharedOf(owner.slug)).toEqual([]);
  });
});

describe('pledges through an organization', () => {
  it('refuses a `via` that does not feed the challenge, naming it', async () => {
    const owner = await organization('Owner');
    const accepted = await organization('Accepted');
    const declines = await organization('Declines');
    const pending = await organization('Pending');
    const id = await draft(owner);
    await federate(id, owner, [accepted]);
    expect((await invite(id, owner.adminToken, declines.slug)).status).toBe(201);
    expect((await decide(id, declines.adminToken, declines.slug, { accept: false })).status).toBe(
      200,
    );
    expect((await invite(id, owner.adminToken, pending.slug)).status).toBe(201);
    await open(id, owner);

    for (const slug of ['no-such-org', declines.slug, pending.slug]) {
      const answer = await client.post(`/api/challenges/${id}/pledges`, {
        email: someone(),
        via: slug,
      });
      expect(answer.status, slug).toBe(400);
      expect(answer.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(answer.body.message).toContain('via');
    }
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { email: someone(), via: 'Not A Slug' }))
        .status,
    ).toBe(400);
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { email: someone(), via: accepted.slug }))
        .status,
    ).toBe(202);
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { email: someone(), via: owner.slug }))
        .status,
    ).toBe(202);
  });

  it('takes pledges through a partner invited after the opening from its acceptance on', async () => {
    const owner = await organization('Owner');
    const late = await organization('Late');
    const id = await draft(owner);
    await open(id, owner);
    const early = await client.signIn(someone());
    expect((await client.post(`/api/challenges/${id}/pledges`, {}, { token: early })).status).toBe(
      201,
    );
    expect((await invite(id, owner.adminToken, late.slug)).status).toBe(201);
    // Refused while invited (and the refusal is not remembered)…
    const token = await client.signIn(someone());
    const before = await client.post(
      `/api/challenges/${id}/pledges`,
      { via: late.slug },
      { token },
    );
    expect(before.status).toBe(400);
    expect((await decide(id, late.adminToken, late.slug, { accept: true })).status).toBe(200);
    // …taken once accepted; the owner's share keeps who came before.
    const after = await client.post(`/api/challenges/${id}/pledges`, { via: late.slug }, { token });
    expect(after.status).toBe(201);
    const v = await view(id);
    expect(v.federated).toBe(true);
    expect(shareOf(v, owner.slug)?.participants).toBe(1);
    expect(shareOf(v, late.slug)?.participants).toBe(1);
    expectSharesAddUp(v);
  });

  it('holds a pledge through a members-only partner to that partner’s members', async () => {
    const owner = await organization('Owner');
    const closed = await organization('Closed');
    const id = await draft(owner);
    await federate(id, owner, [closed], { type: 'members' });
    await open(id, owner);

    const stranger = await client.signIn(someone('stranger'));
    const refused = await client.post(
      `/api/challenges/${id}/pledges`,
      { via: closed.slug },
      { token: stranger },
    );
    expect(refused.status).toBe(403);
    const anonymous = await client.post(`/api/challenges/${id}/pledges`, {
      email: someone(),
      via: closed.slug,
    });
    expect(anonymous.status).toBe(401);
    // The same stranger may pledge through the owner's public pages.
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, {}, { token: stranger })).status,
    ).toBe(201);

    const member = await memberOf(closed, 'member');
    const welcomed = await client.post(
      `/api/challenges/${id}/pledges`,
      { via: closed.slug },
      { token: member },
    );
    expect(welcomed.status).toBe(201);
    const v = await view(id);
    expect(shareOf(v, closed.slug)?.participants).toBe(1);
    expect(shareOf(v, owner.slug)?.participants).toBe(1);
  });

  it('counts a person once, in the share of the first organization that confirmed them', async () => {
    const owner = await organization('Owner');
    const a = await organization('Alpha');
    const b = await organization('Beta');
    const id = await draft(owner);
    await federate(id, owner, [a, b]);
    await open(id, owner);

    const email = someone('twice');
    // Two links, one through each; B's is confirmed... after A's.
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { email, via: a.slug })).status,
    ).toBe(202);
    const throughA = await client.mailedToken(email, 'pledge-confirmation');
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { email, via: b.slug })).status,
    ).toBe(202);
    const throughB = await client.mailedToken(email, 'pledge-confirmation');
    expect(throughB).not.toBe(throughA);
    expect((await client.post('/api/pledges/confirm', { token: throughA })).status).toBe(200);
    expect((await client.post('/api/pledges/confirm', { token: throughB })).status).toBe(200);

    // Signed in, they pledge again through B and report: it all stays in A's share.
    const token = await client.signIn(email);
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { via: b.slug }, { token })).status,
    ).toBe(200);
    const reported = await client.post(
      `/api/challenges/${id}/contributions`,
      { details: { km: 12 } },
      { token },
    );
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);

    const v = await view(id);
    expect(v.progress.participants).toBe(1);
    expect(shareOf(v, a.slug)).toMatchObject({ participants: 1, quantity: 12 });
    expect(shareOf(v, a.slug)?.co2eKg).toBeCloseTo(1.2, 6);
    expect(shareOf(v, b.slug)).toMatchObject({ participants: 0, quantity: 0 });
    expect(shareOf(v, owner.slug)).toMatchObject({ participants: 0, quantity: 0 });
    expectSharesAddUp(v);

    // Withdrawn and back through B: still A's.
    const [pledge] = await platform.db.query<{ id: string }>(
      'select id from pledge where challenge_id = ? and status = ?',
      [id, 'confirmed'],
    );
    expect((await client.delete(`/api/pledges/${pledge!.id}`, { token })).status).toBe(200);
    const deleted = await client.delete(`/api/contributions/${reported.body.id}`, { token });
    expect(deleted.status).toBe(200);
    expect(shareOf(await view(id), a.slug)).toMatchObject({ participants: 0, quantity: 0 });
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { via: b.slug }, { token })).status,
    ).toBe(201);
    const back = await view(id);
    expect(shareOf(back, a.slug)?.participants).toBe(1);
    expect(shareOf(back, b.slug)?.participants).toBe(0);
    expectSharesAddUp(back);
  });

  it('keeps the shares adding up to the totals under concurrent pledges and contributions', async () => {
    const owner = await organization('Owner');
    const partners = await Promise.all(['One', 'Two', 'Three', 'Four'].map((n) => organization(n)));
    const id = await draft(owner);
    await federate(id, owner, partners);
    await open(id, owner);
    const slugs = [owner.slug, ...partners.map((p) => p.slug)];

    // 200 pledges by mail, confirmed concurrently, spread over the five organizations.
    const emails = Array.from({ length: 200 }, (_, i) => ({
      email: someone(`c${i}`),
      via: slugs[i % 5]!,
    }));
    for (let start = 0; start < emails.length; start += 25) {
      await Promise.all(
        emails
          .slice(start, start + 25)
          .map(({ email, via }) =>
            client
              .post(`/api/challenges/${id}/pledges`, { email, via })
              .then((r) => expect(r.status).toBe(202)),
          ),
      );
    }
    const tokens = await Promise.all(
      emails.map(({ email }) => client.mailedToken(email, 'pledge-confirmation')),
    );
    // Twenty of them also report, signed in, while the others confirm.
    const reporters = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => ({
        via: slugs[i % 5]!,
        token: await client.signIn(someone(`r${i}`)),
      })),
    );
    await Promise.all([
      ...tokens.map((token) =>
        client.post('/api/pledges/confirm', { token }).then((r) => expect(r.status).toBe(200)),
      ),
      ...reporters.map(async ({ via, token }, i) => {
        expect(
          (await client.post(`/api/challenges/${id}/pledges`, { via }, { token })).status,
        ).toBe(201);
        for (let k = 0; k < 3; k++) {
          const r = await client.post(
            `/api/challenges/${id}/contributions`,
            { details: { km: i + k + 0.5 } },
            { token },
          );
          expect(r.status, JSON.stringify(r.body)).toBe(201);
        }
      }),
    ]);
    const v = await view(id);
    expect(v.progress.participants).toBe(220);
    for (const slug of slugs) expect(shareOf(v, slug)?.participants).toBe(44);
    expectSharesAddUp(v);
    expect(v.shares.map((s) => s.participants)).toEqual(
      [...v.shares.map((s) => s.participants)].sort((x, y) => y - x),
    );
    const recount = await recountChallenge(platform.db, id, new Date());
    expect(recount).toMatchObject({ corrected: false, shares: [] });
  }, 120_000);
});

describe('counting the shares', () => {
  it('recount finds a tampered share slot and sets it right', async () => {
    const owner = await organization('Owner');
    const partner = await organization('Partner');
    const id = await draft(owner);
    await federate(id, owner, [partner]);
    await open(id, owner);
    const token = await client.signIn(someone());
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { via: partner.slug }, { token })).status,
    ).toBe(201);
    expect(
      (await client.post(`/api/challenges/${id}/contributions`, { details: { km: 5 } }, { token }))
        .status,
    ).toBe(201);
    const before = await view(id);
    expect(shareOf(before, partner.slug)).toMatchObject({ participants: 1, quantity: 5 });

    // Someone moves 3 participants and 7 km into the partner's share by hand.
    await platform.db.query(
      `update progress_slot set participants = participants + 3, quantity = quantity + 7
        where challenge_id = ? and team_id = ? and slot = (
          select min(slot) from progress_slot where challenge_id = ? and team_id = ?)`,
      [id, `org:${partner.id}`, id, `org:${partner.id}`],
    );
    platform.ctx.views?.clear();
    expect(shareOf(await view(id), partner.slug)?.participants).toBe(4);

    const found = await recountChallenge(platform.db, id, new Date());
    expect(found?.corrected).toBe(true);
    expect(found?.shares).toEqual([
      {
        organizationId: partner.id,
        expected: { participants: 1, quantity: 5, co2eKg: 0.5 },
        found: { participants: 4, quantity: 12, co2eKg: 0.5 },
      },
    ]);
    platform.ctx.views?.clear();
    const after = await view(id);
    expect(shareOf(after, partner.slug)).toMatchObject({ participants: 1, quantity: 5 });
    expectSharesAddUp(after);
    expect(await recountChallenge(platform.db, id, new Date())).toMatchObject({ corrected: false });
    const audit = await client.get(`/api/challenges/${id}/audit`, { token: owner.adminToken });
    expect(audit.body.entries[0]).toMatchObject({ action: 'count.corrected' });
  });

  it('sends the shares in the live progress frames', async () => {
    const owner = await organization('Owner');
    const partner = await organization('Partner');
    const id = await draft(owner);
    await federate(id, owner, [partner]);
    await open(id, owner);
    const base = await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const frames: any[] = [];
    const source = new EventSource(`${base}/api/challenges/${id}/events`);
    source.addEventListener('progress', (message) => frames.push(JSON.parse(message.data)));
    try {
      await vi.waitFor(() => expect(frames.length).toBeGreaterThan(0), { timeout: 10_000 });
      expect(frames[0].shares.map((s: any) => s.organization).sort()).toEqual(
        [owner.slug, partner.slug].sort(),
      );
      const token = await client.signIn(someone());
      expect(
        (await client.post(`/api/challenges/${id}/pledges`, { via: partner.slug }, { token }))
          .status,
      ).toBe(201);
      await vi.waitFor(
        () => {
          const last = frames.at(-1);
          expect(last.participants).toBe(1);
          expect(last.shares.find((s: any) => s.organization === partner.slug).participants).toBe(
            1,
          );
        },
        { timeout: 10_000 },
      );
    } finally {
      source.close();
    }
  });

  it('reports one share to its admins and the owner’s', async () => {
    const owner = await organization('Owner');
    const partner = await organization('Partner');
    const other = await organization('Other');
    const id = await draft(owner);
    await federate(id, owner, [partner, other]);
    await open(id, owner);
    for (const via of [partner.slug, partner.slug, owner.slug]) {
      const token = await client.signIn(someone());
      expect((await client.post(`/api/challenges/${id}/pledges`, { via }, { token })).status).toBe(
        201,
      );
      expect(
        (
          await client.post(
            `/api/challenges/${id}/contributions`,
            { details: { km: 2 } },
            { token },
          )
        ).status,
      ).toBe(201);
    }
    const url = `/api/challenges/${id}/partners/${partner.slug}/report`;
    const report = await client.get(url, { token: partner.adminToken });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({
      organization: { slug: partner.slug, role: 'partner', status: 'accepted' },
      share: { participants: 2, quantity: 4 },
      recorded: { participants: 2, pledges: 2, contributions: 2, quantity: 4 },
      whole: { participants: 3, quantity: 6 },
    });
    expect((await client.get(url, { token: owner.adminToken })).status).toBe(200);
    expect((await client.get(url, { token: other.adminToken })).status).toBe(403);
    expect((await client.get(url)).status).toBe(401);
    const ownerShare = await client.get(`/api/challenges/${id}/partners/${owner.slug}/report`, {
      token: owner.adminToken,
    });
    expect(ownerShare.body).toMatchObject({
      organization: { role: 'owner' },
      share: { participants: 1, quantity: 2 },
      recorded: { participants: 1, quantity: 2 },
    });
    expect(
      (
        await client.get(`/api/challenges/${id}/partners/${owner.slug}/report`, {
          token: partner.adminToken,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await client.get(`/api/challenges/${id}/partners/no-such-org/report`, {
          token: owner.adminToken,
        })
      ).status,
    ).toBe(404);
  });

  it('unlocks a partner’s own sub-goal on its share, not the whole', async () => {
    const owner = await organization('Owner');
    const partner = await organization('Partner');
    const invited = await organization('Invited');
    const id = await draft(owner);
    await federate(id, owner, [partner]);
    expect((await invite(id, owner.adminToken, invited.slug)).status).toBe(201);
    await open(id, owner);
    const url = `/api/challenges/${id}/partners/${partner.slug}/tiers`;
    const body = {
      goal: { participants: 2 },
      counterpart: { kind: 'act', description: 'The partner plants two trees' },
    };

    expect((await client.post(url, body, { token: owner.adminToken })).status).toBe(403);
    expect(
      (await client.post(url, body, { token: await memberOf(partner, 'member') })).status,
    ).toBe(403);
    expect((await client.post(url, body)).status).toBe(401);
    const notYet = await client.post(`/api/challenges/${id}/partners/${invited.slug}/tiers`, body, {
      token: invited.adminToken,
    });
    expect(notYet.status).toBe(409);
    const elsewhere = await client.post(
      url,
      {
        goal: { participants: 2 },
        counterpart: {
          kind: 'donation',
          amount: { value: 10, currency: 'EUR' },
          beneficiaryId: 'ben_nobody',
        },
      },
      { token: partner.adminToken },
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.details[0].path).toBe('counterpart/beneficiaryId');

    const added = await client.post(url, body, { token: partner.adminToken });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ rank: 0, unlockedAt: null, goal: { participants: 2 } });

    // Three people through the owner: the whole passes 2, the share does not.
    for (let i = 0; i < 3; i++) {
      const token = await client.signIn(someone());
      expect((await client.post(`/api/challenges/${id}/pledges`, {}, { token })).status).toBe(201);
    }
    await platform.settle();
    const locked = await client.get(`/api/challenges/${id}/partners`, {
      token: partner.adminToken,
    });
    expect(locked.body.items[0].tiers[0].unlockedAt).toBeNull();

    for (let i = 0; i < 2; i++) {
      const token = await client.signIn(someone());
      const pledged = await client.post(
        `/api/challenges/${id}/pledges`,
        { via: partner.slug },
        { token },
      );
      expect(pledged.status).toBe(201);
    }
    await platform.settle();
    const list = await client.get(`/api/challenges/${id}/partners`, { token: owner.adminToken });
    const [tier] = list.body.items.find((p: any) => p.organization === partner.slug).tiers;
    expect(tier.unlockedAt).toEqual(expect.any(String));
    expect(tier.unlockProgress).toMatchObject({ participants: 2 });

    // A second goal the share already reaches unlocks at once, once.
    const reached = await client.post(
      url,
      { goal: { participants: 1 } },
      { token: partner.adminToken },
    );
    expect(reached.status).toBe(201);
    expect(reached.body).toMatchObject({ rank: 1, unlockProgress: { participants: 2 } });
    expect(reached.body.unlockedAt).toEqual(expect.any(String));
    const audit = await client.get(`/api/challenges/${id}/audit`, { token: owner.adminToken });
    const unlocks = audit.body.entries.filter((e: any) => e.action === 'partner.tier-unlocked');
    expect(unlocks).toHaveLength(2);
  });

  it('leaves a challenge without partners unfederated', async () => {
    const owner = await organization('Alone');
    const id = await draft(owner);
    await open(id, owner);
    const token = await client.signIn(someone());
    expect(
      (await client.post(`/api/challenges/${id}/pledges`, { via: owner.slug }, { token })).status,
    ).toBe(201);
    const v = await view(id);
    expect(v).toMatchObject({ federated: false, shares: [], progress: { participants: 1 } });
  });
});
