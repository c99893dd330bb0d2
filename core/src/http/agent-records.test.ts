import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../plugins/index.js';
import { services } from '../index.js';
import {
  createTestClient,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';

const kg = defineActionType({
  id: 'agent-kg',
  version: '1.0.0',
  title: { fr: 'Apport', en: 'Drop-off' },
  unit: 'kg',
  contributionSchema: Type.Object(
    { kg: Type.Number({ exclusiveMinimum: 0 }) },
    { additionalProperties: false },
  ),
  quantify: ({ details }) => details.kg,
});

describe('what agents record for others', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let challengeId: string;
  let agent: string;
  let slug: string;
  beforeAll(async () => {
    platform = await startTestPlatform({ plugins: [kg] });
    client = createTestClient(platform.app);
    const admin = { token: platform.adminToken };
    slug = `agents-${Date.now().toString(36)}`;
    await client.post('/api/organizations', { slug, name: 'Ville', kind: 'city' }, admin);
    const campaign = (
      await client.post(`/api/organizations/${slug}/campaigns`, { title: 'Collecte' }, admin)
    ).body;
    challengeId = (
      await client.post(
        `/api/campaigns/${campaign.id}/challenges`,
        {
          title: 'Marc de café',
          actionType: 'agent-kg',
          goal: { quantity: 500, participants: 50, match: 'any' },
        },
        admin,
      )
    ).body.id;
    await client.post(`/api/challenges/${challengeId}/open`, undefined, admin);
    const agentEmail = `agent-${Date.now()}@ville.example`;
    await client.post(
      `/api/organizations/${slug}/members`,
      { email: agentEmail, role: 'agent' },
      admin,
    );
    agent = await client.signIn(agentEmail);
  });
  afterAll(() => platform?.stop());

  it('an unnamed weigh-in adds kilograms and counts nobody', async () => {
    const before = (await client.get(`/api/challenges/${challengeId}`)).body.progress;
    const recorded = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { kg: 3.2 }, participant: null },
      { token: agent },
    );
    expect(recorded.status).toBe(201);
    expect(recorded.body.quantity).toBe(3.2);
    const after = (await client.get(`/api/challenges/${challengeId}`)).body.progress;
    expect(after.quantity).toBeCloseTo(before.quantity + 3.2, 6);
    expect(after.participants).toBe(before.participants);
  });

  it('a resident known by code counts once, however many weigh-ins', async () => {
    const before = (await client.get(`/api/challenges/${challengeId}`)).body.progress;
    for (const kgs of [1, 2.5]) {
      const recorded = await client.post(
        `/api/challenges/${challengeId}/contributions`,
        { details: { kg: kgs }, participant: { code: 'br-0042' } },
        { token: agent },
      );
      expect(recorded.status).toBe(201);
    }
    const after = (await client.get(`/api/challenges/${challengeId}`)).body.progress;
    expect(after.participants).toBe(before.participants + 1);
    expect(after.quantity).toBeCloseTo(before.quantity + 3.5, 6);
  });

  it('refuses unnamed records from someone who is not an agent, and bad codes', async () => {
    const resident = await client.signIn(`resident-${Date.now()}@example.org`);
    const unnamed = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { kg: 1 }, participant: null },
      { token: resident },
    );
    expect(unnamed.status).toBe(403);
    const badCode = await client.post(
      `/api/challenges/${challengeId}/contributions`,
      { details: { kg: 1 }, participant: { code: 'a b' } },
      { token: agent },
    );
    expect(badCode.status).toBe(400);
    expect(badCode.body.message).toMatch(/code/);
  });

  it('enrols a resident by code with recorded consent, once', async () => {
    const viewer = { kind: 'admin' } as const;
    const before = (await client.get(`/api/challenges/${challengeId}`)).body.progress.participants;
    const input = {
      resident: { code: 'door-17' },
      consent: { given: true, text: 'Je trie mes déchets.' },
    };
    const first = await services.enrolResident(platform.ctx, viewer, challengeId, input);
    const again = await services.enrolResident(platform.ctx, viewer, challengeId, input);
    expect(first).toMatchObject({ status: 'confirmed', confirmedNow: true, code: 'DOOR-17' });
    expect(again).toMatchObject({ pledgeId: first.pledgeId, confirmedNow: false });
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress.participants).toBe(
      before + 1,
    );
    const consents = await platform.db.query(
      'select * from consent_record where participant_id = ?',
      [first.participantId],
    );
    expect(consents).toHaveLength(2);
    await expect(
      services.enrolResident(platform.ctx, viewer, challengeId, {
        ...input,
        consent: { given: false, text: 'x' },
      }),
    ).rejects.toMatchObject({ code: 'TANDEM_REQUEST_INVALID' });
  });
});
