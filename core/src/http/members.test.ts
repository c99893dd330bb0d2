import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizationsWhereLastOwner } from '../services/organizations.js';
import {
  createTestClient,
  newOrganization,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../testing/index.js';

/**
 * Owners are protected (issue 7, finding 5): only owners change owners, the
 * last owner can be neither demoted nor removed — not by an admin, not by
 * themself, not by two owners racing each other — and members can be
 * removed, losing their access at once.
 */

const someone = () => `m-${unique()}@example.org`;

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

interface Person {
  email: string;
  participantId: string;
  token: string;
}

/** Adds a person with a role (as the platform admin) and signs them in. */
async function member(slug: string, role: string): Promise<Person> {
  const email = someone();
  const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin);
  expect(added.status).toBe(201);
  return { email, participantId: added.body.participantId, token: await client.signIn(email) };
}

async function roleOf(organizationId: string, participantId: string): Promise<string | null> {
  const [row] = await platform.db.query<{ role: string }>(
    'select role from membership where organization_id = ? and participant_id = ?',
    [organizationId, participantId],
  );
  return row?.role ?? null;
}

async function ownerCount(organizationId: string): Promise<number> {
  const [row] = await platform.db.query<{ n: number }>(
    `select count(*)::int as n from membership where organization_id = ? and role = 'owner'`,
    [organizationId],
  );
  return row?.n ?? 0;
}

const setRole = (slug: string, email: string, role: string, token: string) =>
  client.post(`/api/organizations/${slug}/members`, { email, role }, { token });

const remove = (slug: string, participantId: string, token?: string) =>
  client.delete(
    `/api/organizations/${slug}/members/${encodeURIComponent(participantId)}`,
    token ? { token } : {},
  );

describe('owners are protected', () => {
  it('refuses an admin who demotes or removes the only owner; the owner stays', async () => {
    const org = await newOrganization(client, admin.token);
    const owner = await member(org.slug, 'owner');
    const anAdmin = await member(org.slug, 'admin');

    const demoted = await setRole(org.slug, owner.email, 'member', anAdmin.token);
    expect(demoted.status).toBe(403);
    expect(demoted.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    const removed = await remove(org.slug, owner.participantId, anAdmin.token);
    expect(removed.status).toBe(403);
    expect(removed.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    expect(await roleOf(org.id, owner.participantId)).toBe('owner');

    // Not the last owner either: an admin changes no owner at all.
    const second = await member(org.slug, 'owner');
    expect((await setRole(org.slug, second.email, 'admin', anAdmin.token)).status).toBe(403);
    expect((await remove(org.slug, second.participantId, anAdmin.token)).status).toBe(403);
    expect(await ownerCount(org.id)).toBe(2);
  });

  it('answers 409 to the last owner demoting or removing themself, and to the platform admin', async () => {
    const org = await newOrganization(client, admin.token);
    const owner = await member(org.slug, 'owner');

    for (const role of ['admin', 'agent', 'member']) {
      const demoted = await setRole(org.slug, owner.email, role, owner.token);
      expect(demoted.status).toBe(409);
      expect(demoted.body.error).toBe('TANDEM_ORGANIZATION_LAST_OWNER');
    }
    const removed = await remove(org.slug, owner.participantId, owner.token);
    expect(removed.status).toBe(409);
    expect(removed.body.error).toBe('TANDEM_ORGANIZATION_LAST_OWNER');
    const byPlatform = await remove(org.slug, owner.participantId, admin.token);
    expect(byPlatform.status).toBe(409);
    expect((await setRole(org.slug, owner.email, 'admin', admin.token)).status).toBe(409);
    expect(await roleOf(org.id, owner.participantId)).toBe('owner');

    // Once another owner is appointed, the first may step down.
    const other = someone();
    expect((await setRole(org.slug, other, 'owner', owner.token)).status).toBe(201);
    expect((await setRole(org.slug, owner.email, 'admin', owner.token)).status).toBe(201);
    expect(await roleOf(org.id, owner.participantId)).toBe('admin');
    expect(await ownerCount(org.id)).toBe(1);
  });

  it('lets an owner demote or remove another owner', async () => {
    const org = await newOrganization(client, admin.token);
    const first = await member(org.slug, 'owner');
    const second = await member(org.slug, 'owner');
    const third = await member(org.slug, 'owner');
    expect((await setRole(org.slug, second.email, 'agent', first.token)).status).toBe(201);
    const removed = await remove(org.slug, third.participantId, first.token);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ participantId: third.participantId, role: 'owner' });
    expect(await roleOf(org.id, second.participantId)).toBe('agent');
    expect(await roleOf(org.id, third.participantId)).toBeNull();
    expect(await ownerCount(org.id)).toBe(1);
  });

  it('keeps an owner when two owners demote each other at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const org = await newOrganization(client, admin.token);
      const a = await member(org.slug, 'owner');
      const b = await member(org.slug, 'owner');
      const answers = await Promise.all(
        round % 2 === 0
          ? [
              setRole(org.slug, b.email, 'member', a.token),
              setRole(org.slug, a.email, 'member', b.token),
            ]
          : [
              remove(org.slug, b.participantId, a.token),
              remove(org.slug, a.participantId, b.token),
            ],
      );
      expect(await ownerCount(org.id)).toBe(1);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses[0]).toBeLessThan(300);
      // The loser was demoted first: it is no owner any more (403), or the
      // other is the last owner left (409).
      expect([403, 409]).toContain(statuses[1]);
    }
  });
});

describe('removing a member', () => {
  it('removes a member, who loses their access at once', async () => {
    const org = await newOrganization(client, admin.token);
    const anAdmin = await member(org.slug, 'admin');
    const agent = await member(org.slug, 'admin');
    const campaign = await client.post(
      `/api/organizations/${org.slug}/campaigns`,
      { title: 'Members only', audience: { type: 'members' } },
      { token: agent.token },
    );
    expect(campaign.status).toBe(201);

    const removed = await remove(org.slug, agent.participantId, anAdmin.token);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({
      organizationId: org.id,
      participantId: agent.participantId,
      role: 'admin',
      status: 'removed',
    });
    expect(await roleOf(org.id, agent.participantId)).toBeNull();

    // The same session: no longer an admin, no longer a member.
    const again = await client.post(
      `/api/organizations/${org.slug}/campaigns`,
      { title: 'After' },
      { token: agent.token },
    );
    expect(again.status).toBe(403);
    expect((await client.get(`/api/campaigns/${campaign.body.id}`, agent)).status).toBe(403);
    const me = await client.get('/api/me', agent);
    expect(me.body.memberships).toEqual([]);

    // Removing them again: they are no member.
    const twice = await remove(org.slug, agent.participantId, anAdmin.token);
    expect(twice.status).toBe(404);
    expect(twice.body.error).toBe('TANDEM_NOT_FOUND');
  });

  it('is for owners and admins of that organization only', async () => {
    const org = await newOrganization(client, admin.token);
    const other = await newOrganization(client, admin.token);
    const target = await member(org.slug, 'member');
    const agent = await member(org.slug, 'agent');
    const outsider = await member(other.slug, 'owner');

    const anonymous = await remove(org.slug, target.participantId);
    expect(anonymous.status).toBe(401);
    expect((await remove(org.slug, target.participantId, agent.token)).status).toBe(403);
    // An owner elsewhere is nobody here, even naming a member of their own.
    expect((await remove(org.slug, target.participantId, outsider.token)).status).toBe(403);
    expect((await remove(org.slug, outsider.participantId, admin.token)).status).toBe(404);
    expect((await remove(`nobody-${unique()}`, target.participantId, admin.token)).status).toBe(
      404,
    );
    expect(await roleOf(org.id, target.participantId)).toBe('member');
    // A member may be removed by the platform admin too.
    expect((await remove(org.slug, target.participantId, admin.token)).status).toBe(200);
  });
});

describe('organizationsWhereLastOwner', () => {
  it('names the organizations a person is the only owner of', async () => {
    const alone = await newOrganization(client, admin.token);
    const shared = await newOrganization(client, admin.token);
    const owner = await member(alone.slug, 'owner');
    await setRole(shared.slug, owner.email, 'owner', admin.token);
    await member(shared.slug, 'owner');
    await setRole(alone.slug, someone(), 'admin', admin.token);

    expect(await organizationsWhereLastOwner(platform.db, owner.participantId)).toEqual([
      { id: alone.id, slug: alone.slug },
    ]);
    await setRole(alone.slug, someone(), 'owner', admin.token);
    expect(await organizationsWhereLastOwner(platform.db, owner.participantId)).toEqual([]);
  });
});
