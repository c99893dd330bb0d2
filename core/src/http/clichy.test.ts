import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  setUpClichy,
  startTestPlatform,
  type TestPlatform,
} from '../testing/index.js';

describe.each([
  { database: 'external', redis: false },
  { database: 'embedded', redis: false },
  { database: 'external', redis: true },
] as const)('the Clichy scenario on $database PostgreSQL, Redis: $redis', ({ database, redis }) => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ database, redis });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('stays open at 199, unlocks exactly once at 200, still counts the 201st', async () => {
    const client = createTestClient(platform.app);
    const { challengeId } = await setUpClichy(client, platform.adminToken);
    const email = (i: number) => `resident${i}@clichy.example`;

    for (let i = 1; i <= 199; i++) await client.pledgeAndConfirm(challengeId, email(i));
    await platform.settle();
    let challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('open');
    expect(challenge.progress.participants).toBe(199);
    expect(challenge.tiers.filter((t: { unlockedAt: string | null }) => t.unlockedAt)).toHaveLength(
      0,
    );

    await client.pledgeAndConfirm(challengeId, email(200));
    await platform.settle();
    challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(challenge.progress.participants).toBe(200);
    expect(challenge.tiers.filter((t: { unlockedAt: string | null }) => t.unlockedAt)).toHaveLength(
      1,
    );

    await client.pledgeAndConfirm(challengeId, email(201));
    await platform.settle();
    challenge = (await client.get(`/api/challenges/${challengeId}`)).body;
    expect(challenge.status).toBe('succeeded');
    expect(challenge.progress.participants).toBe(201);
    const unlocks = await platform.db.query('select * from unlock where challenge_id = ?', [
      challengeId,
    ]);
    expect(unlocks).toHaveLength(1);
  });
});
