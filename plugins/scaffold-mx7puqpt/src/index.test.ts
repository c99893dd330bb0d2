import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, startTestPlatform, type TestPlatform } from '@tandem/core/testing';
import { scaffoldMx7puqpt } from './index.js';

describe('scaffold-mx7puqpt', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [scaffoldMx7puqpt] });
  });
  afterAll(() => platform?.stop());

  it('counts what participants report toward the goal', async () => {
    const client = createTestClient(platform.app);
    const admin = { token: platform.adminToken };
    const slug = `org-${Date.now().toString(36)}`;
    expect((await client.post('/api/organizations', { slug, name: 'Org', kind: 'association' }, admin)).status).toBe(201);
    const campaign = await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Campaign' }, admin);
    const challenge = await client.post(
      `/api/campaigns/${campaign.body.id}/challenges`,
      { title: 'Challenge', actionType: 'scaffold-mx7puqpt', goal: { quantity: 3 } },
      admin,
    );
    expect(challenge.status).toBe(201);
    await client.post(`/api/challenges/${challenge.body.id}/open`, undefined, admin);

    const session = await client.signIn(`someone-${Date.now()}@example.org`);
    // A report needs a live pledge first.
    const pledged = await client.post(
      `/api/challenges/${challenge.body.id}/pledges`,
      {},
      { token: session },
    );
    expect(pledged.status).toBe(201);
    const reported = await client.post(
      `/api/challenges/${challenge.body.id}/contributions`,
      { details: { count: 3 } },
      { token: session },
    );
    expect(reported.status).toBe(201);
    expect(reported.body.quantity).toBe(3);
    await platform.settle();
    const after = await client.get(`/api/challenges/${challenge.body.id}`);
    expect(after.body.progress).toMatchObject({ participants: 1, quantity: 3 });
    expect(after.body.status).toBe('succeeded');
  });

  it('refuses details its schema does not know', async () => {
    expect(() =>
      scaffoldMx7puqpt.measure({ details: { count: 1, extra: true }, settings: {}, pledge: null, occurredAt: new Date() }),
    ).toThrow(expect.objectContaining({ code: 'TANDEM_REQUEST_UNKNOWN_FIELD' }));
  });
});
