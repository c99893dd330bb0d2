import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTeamProgress } from '../store/progress.js';
import { createTestClient, startTestPlatform, type TestPlatform } from '../testing/index.js';

describe('teams inside a campaign', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform?.stop());

  it('creates a campaign with its teams and counts each pledge in its team', async () => {
    const client = createTestClient(platform.app);
    const auth = { token: platform.adminToken };
    const slug = `avuf-${Date.now().toString(36)}`;
    expect(
      (await client.post('/api/organizations', { slug, name: 'AVUF', kind: 'network' }, auth))
        .status,
    ).toBe(201);
    const campaign = await client.post(
      `/api/organizations/${slug}/campaigns`,
      {
        title: 'Tour de France',
        teams: [{ name: 'Lyon' }, { name: 'Saint-Étienne' }, { slug: 'gre', name: 'Grenoble' }],
      },
      auth,
    );
    expect(campaign.status).toBe(201);
    expect(campaign.body.teams.map((t: { slug: string }) => t.slug)).toEqual([
      'lyon',
      'saint-etienne',
      'gre',
    ]);
    const challenge = await client.post(
      `/api/campaigns/${campaign.body.id}/challenges`,
      { title: 'Vélo', actionType: 'pledge-only', goal: { participants: 10 } },
      auth,
    );
    expect(
      (await client.post(`/api/challenges/${challenge.body.id}/open`, undefined, auth)).status,
    ).toBe(200);

    await client.pledgeAndConfirm(challenge.body.id, 'a@univ-lyon.example', { team: 'lyon' });
    await client.pledgeAndConfirm(challenge.body.id, 'b@univ-lyon.example', { team: 'lyon' });
    await client.pledgeAndConfirm(challenge.body.id, 'c@univ-st.example', {
      team: 'saint-etienne',
    });
    await client.pledgeAndConfirm(challenge.body.id, 'd@nowhere.example');

    const teams = await readTeamProgress(platform.db, challenge.body.id);
    const bySlug = Object.fromEntries(
      campaign.body.teams.map((t: { id: string; slug: string }) => [
        t.slug,
        teams.get(t.id)?.participants ?? 0,
      ]),
    );
    expect(bySlug).toEqual({ lyon: 2, 'saint-etienne': 1, gre: 0 });
    expect(
      (await client.get(`/api/challenges/${challenge.body.id}`)).body.progress.participants,
    ).toBe(4);

    const again = await client.post(
      `/api/campaigns/${campaign.body.id}/teams`,
      { name: 'Lyon' },
      auth,
    );
    expect(again.status).toBe(409);
    const unknown = await client.post(`/api/challenges/${challenge.body.id}/pledges`, {
      email: 'e@x.example',
      team: 'paris',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/team/);
  });
});
