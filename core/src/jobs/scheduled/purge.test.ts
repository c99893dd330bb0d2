import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChallengeProgress } from '../../store/progress.js';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../../testing/index.js';
import { Jobs } from '../queue.js';
import { SCHEDULED_WORK } from './index.js';
import { purgeExpired } from './purge.js';

/**
 * The purge (issue 7, finding 8): replays past 24 h, pending pledges whose
 * link expired with their tokens, expired mail tokens and sessions go;
 * confirmed pledges, counts and live sessions stay.
 */

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

async function pledgeOf(challengeId: string, email: string) {
  const [row] = await platform.db.query<{ id: string; status: string }>(
    `select p.id, p.status from pledge p join participant x on x.id = p.participant_id
      where p.challenge_id = ? and x.email = ?`,
    [challengeId, email],
  );
  return row;
}

async function tokensOf(email: string): Promise<number> {
  const [row] = await platform.db.query<{ n: number }>(
    'select count(*)::int as n from mail_token where email = ?',
    [email],
  );
  return row?.n ?? -1;
}

describe('purge-expired', () => {
  it('is scheduled work, claimed once per period like the others', () => {
    expect(SCHEDULED_WORK.map((work) => work.name)).toContain(Jobs.purgeExpired);
  });

  it('removes what expired and leaves what counts', async () => {
    const { challengeId } = await openChallenge(client, platform.adminToken, {
      title: 'Purge',
      actionType: 'pledge-only',
      goal: { participants: 2 },
      counterpart: { kind: 'act', description: 'Something' },
    });
    const url = `/api/challenges/${challengeId}/pledges`;

    // Confirmed through the mail: stays, and keeps counting.
    const confirmed = `kept-${unique()}@example.org`;
    await client.pledgeAndConfirm(challengeId, confirmed);
    // Never confirmed, link expired: goes, with its token.
    const forgotten = `forgotten-${unique()}@example.org`;
    expect((await client.post(url, { email: forgotten })).status).toBe(202);
    // Pending, its first link old but a newer one still valid: stays.
    const late = `late-${unique()}@example.org`;
    expect((await client.post(url, { email: late })).status).toBe(202);

    const expire = async (email: string) => {
      await platform.db.query(
        `update pledge set confirm_by = now() - interval '1 minute', created_at = now() - interval '3 days'
          where id = ?`,
        [(await pledgeOf(challengeId, email))?.id],
      );
      await platform.db.query(
        `update mail_token set expires_at = now() - interval '1 minute' where email = ?`,
        [email],
      );
    };
    await expire(forgotten);
    await expire(late);
    expect((await client.post(url, { email: late })).status).toBe(202);

    // Sessions: one expired, one live.
    const gone = await client.signIn(`gone-${unique()}@example.org`);
    const live = await client.signIn(`live-${unique()}@example.org`);
    await platform.db.query(
      `update session s set expires_at = now() - interval '1 minute'
         from participant p where p.id = s.participant_id and p.email like 'gone-%'`,
    );
    // Replays: one past 24 h, one fresh.
    const oldKey = `old-${unique()}`;
    const freshKey = `fresh-${unique()}`;
    for (const key of [oldKey, freshKey]) {
      const answer = await client.post(
        '/api/organizations',
        { slug: `purge-${unique()}`, name: 'P', kind: 'city' },
        { token: platform.adminToken, headers: { 'Idempotency-Key': key } },
      );
      expect(answer.status).toBe(201);
    }
    await platform.db.query(
      `update idempotency_key set created_at = now() - interval '25 hours' where key = ?`,
      [oldKey],
    );
    await platform.settle();
    const before = await readChallengeProgress(platform.db, challengeId);
    expect(before.participants).toBe(1);

    const summary = await purgeExpired({ db: platform.db, now: () => new Date() });
    expect(summary.pendingPledges).toBeGreaterThanOrEqual(1);
    expect(summary.replays).toBeGreaterThanOrEqual(1);
    expect(summary.sessions).toBeGreaterThanOrEqual(1);
    expect(summary.mailTokens).toBeGreaterThanOrEqual(2);

    expect(await pledgeOf(challengeId, forgotten)).toBeUndefined();
    expect(await tokensOf(forgotten)).toBe(0);
    expect((await pledgeOf(challengeId, late))?.status).toBe('pending');
    expect(await tokensOf(late)).toBe(1);
    expect((await pledgeOf(challengeId, confirmed))?.status).toBe('confirmed');
    expect(await readChallengeProgress(platform.db, challengeId)).toEqual(before);

    expect((await client.get('/api/me', { token: gone })).status).toBe(401);
    expect((await client.get('/api/me', { token: live })).status).toBe(200);
    const keys = await platform.db.query<{ key: string }>(
      'select key from idempotency_key where key in (?)',
      [[oldKey, freshKey]],
    );
    expect(keys.map((row) => row.key)).toEqual([freshKey]);

    // The late pledger confirms with the newer link; nothing counts twice.
    const token = await client.mailedToken(late, 'pledge-confirmation');
    expect((await client.post('/api/pledges/confirm', { token })).status).toBe(200);
    await platform.settle();
    expect((await readChallengeProgress(platform.db, challengeId)).participants).toBe(2);

    // Run again: nothing left to do.
    const again = await purgeExpired({ db: platform.db, now: () => new Date() });
    expect(again.pendingPledges + again.replays + again.sessions).toBe(0);
  });
});
