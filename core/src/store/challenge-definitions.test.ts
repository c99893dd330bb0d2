import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../testing/client.js';
import { startTestPlatform, type TestPlatform } from '../testing/platform.js';
import { openChallenge } from '../testing/scenarios.js';
import { createDefinitionCache, loadChallengeForWrite } from './challenge-definitions.js';

describe('challenge definitions for the write path', () => {
  let platform: TestPlatform;
  let client: TestClient;

  beforeAll(async () => {
    platform = await startTestPlatform();
    client = createTestClient(platform.app);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('never remembers a draft, and always reads the live state', async () => {
    const { challengeId } = await openChallenge(
      client,
      platform.adminToken,
      { title: 'Draft', actionType: 'pledge-only', goal: { participants: 3 } },
      { open: false },
    );
    const cache = createDefinitionCache();
    expect((await loadChallengeForWrite(platform.db, cache, challengeId))?.title).toBe('Draft');
    // A draft may still change: the next read sees the change.
    await platform.db.query('update challenge set title = ? where id = ?', ['Edited', challengeId]);
    expect((await loadChallengeForWrite(platform.db, cache, challengeId))?.title).toBe('Edited');

    const opened = await client.post(`/api/challenges/${challengeId}/open`, undefined, {
      token: platform.adminToken,
    });
    expect(opened.status).toBe(200);
    const open = await loadChallengeForWrite(platform.db, cache, challengeId);
    expect(open).toMatchObject({ title: 'Edited', status: 'open' });
    expect(open?.openedAt).toBeInstanceOf(Date);

    // Status and closing are read every time.
    await platform.db.query(
      `update challenge set status = 'failed', closed_at = now() where id = ?`,
      [challengeId],
    );
    const closed = await loadChallengeForWrite(platform.db, cache, challengeId);
    expect(closed?.status).toBe('failed');
    expect(closed?.closedAt).toBeInstanceOf(Date);
  });

  it('loads a definition once for concurrent writers, and forgets a deleted challenge', async () => {
    const { challengeId } = await openChallenge(client, platform.adminToken, {
      title: 'Busy',
      actionType: 'pledge-only',
      goal: { participants: 3 },
    });
    const cache = createDefinitionCache();
    const [a, b] = await Promise.all([
      cache.challenge(platform.db, challengeId),
      cache.challenge(platform.db, challengeId),
    ]);
    expect(a).toBe(b);
    expect(a?.tiers).toHaveLength(1);
    await platform.db.query('delete from challenge where id = ?', [challengeId]);
    expect(await loadChallengeForWrite(platform.db, cache, challengeId)).toBeUndefined();
    expect(await cache.challenge(platform.db, challengeId)).toBeUndefined();
  });
});
