import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';

/**
 * `POST /api/challenges/{id}/tiers/{tierId}/fulfill` takes `{proof: {text?,
 * url?, fileId?}}` and nothing else: the proof is stored and shown on the
 * tier with who declared it; an unknown field or a non-http(s) URL is 400
 * and changes nothing. Files and the ledger: ledger.test.ts.
 */

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

/** An open one-person challenge whose only tier is unlocked. */
async function unlockedTier(): Promise<{ challengeId: string; tierId: string; slug: string }> {
  const { challengeId, slug } = await openChallenge(client, admin.token, {
    title: 'Bike',
    actionType: 'pledge-only',
    goal: { participants: 1 },
    counterpart: { kind: 'act', description: 'Plant a tree' },
  });
  await client.pledgeAndConfirm(challengeId, `f-${Date.now()}-${Math.random()}@example.org`);
  await platform.settle();
  const challenge = await client.get(`/api/challenges/${challengeId}`);
  const tier = challenge.body.tiers[0];
  expect(tier.unlockedAt).not.toBeNull();
  return { challengeId, tierId: tier.id as string, slug };
}

const fulfillUrl = (challengeId: string, tierId: string) =>
  `/api/challenges/${challengeId}/tiers/${tierId}/fulfill`;

describe('fulfilling a tier', () => {
  it('stores the proof and returns it on the tier with fulfilledAt and fulfilledBy', async () => {
    const { challengeId, tierId, slug } = await unlockedTier();
    const proof = { text: 'Trees planted on 3 March', url: 'https://example.org/photos' };
    const done = await client.post(fulfillUrl(challengeId, tierId), { proof }, admin);
    expect(done.status).toBe(200);
    const tier = done.body.tiers[0];
    expect(tier.proof).toEqual(proof);
    expect(tier.fulfilledAt).not.toBeNull();
    expect(tier.fulfilledBy).toBe(slug);
    const read = await client.get(`/api/challenges/${challengeId}`);
    expect(read.body.tiers[0].proof).toEqual(proof);
  });

  it('still takes no body at all', async () => {
    const { challengeId, tierId } = await unlockedTier();
    const done = await client.post(fulfillUrl(challengeId, tierId), undefined, admin);
    expect(done.status).toBe(200);
    expect(done.body.tiers[0].fulfilledAt).not.toBeNull();
    expect(done.body.tiers[0].proof).toBeNull();
  });

  it('refuses unknown fields, at the top or in the proof, with 400 and fulfils nothing', async () => {
    const { challengeId, tierId } = await unlockedTier();
    for (const body of [
      { note: 'delivered' },
      { proof: { text: 'ok', photo: 'x' } },
      { proof: 'delivered' },
    ]) {
      const refused = await client.post(fulfillUrl(challengeId, tierId), body, admin);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(['TANDEM_REQUEST_UNKNOWN_FIELD', 'TANDEM_REQUEST_INVALID']).toContain(
        refused.body.error,
      );
    }
    const read = await client.get(`/api/challenges/${challengeId}`);
    expect(read.body.tiers[0].fulfilledAt).toBeNull();
  });

  it('refuses a proof URL that is not http(s)', async () => {
    const { challengeId, tierId } = await unlockedTier();
    for (const url of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.org/x']) {
      const refused = await client.post(fulfillUrl(challengeId, tierId), { proof: { url } }, admin);
      expect(refused.status, url).toBe(400);
      expect(refused.body.details[0].path).toBe('proof/url');
    }
  });
});
