/**
 * The write path, taken apart (docs/performance.md, "Write path"):
 *
 * 1. statements per confirmation — every SQL statement the platform sends
 *    (`begin` and `commit` included) while signed-in participants pledge on
 *    one challenge and everything their events set off (relay, evaluation,
 *    deliveries) runs to the end, divided by the number of pledges, with the
 *    statements that weigh most;
 * 2. confirmed pledges/s on one challenge, 20 at a time through
 *    `app.inject()`, with the in-process queue and with BullMQ on Redis
 *    (one process: the relay and a worker beside the API);
 * 3. unlock latency with BullMQ: from the 2xx of the confirmation that
 *    crosses a challenge's goal to its unlock row, and to the relay handing
 *    its `challenge.unlocked` event to live pages, many challenges at once.
 *
 *   node --conditions=tandem-source --import tsx tools/bench/writes.ts [--quick]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openChallenge } from '../../core/src/testing/scenarios.js';
import { createTestClient, type TestClient } from '../../core/src/testing/client.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/platform.js';

const quick = process.argv.includes('--quick');
const PEOPLE = quick ? 300 : 1500;
const CONCURRENCY = 20;
const CHALLENGES = quick ? 20 : 60;
const PER_CHALLENGE = 10;

async function inParallel(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
};

/** The statement's shape: literals and placeholders out, first words kept. */
const shape = (statement: string) =>
  statement
    .replace(/^\[query\]\s*/, '')
    .replace(/\s+/g, ' ')
    .replace(/\[took .*$/, '')
    .replace(/'[^']*'/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '?')
    .slice(0, 90)
    .trim();

async function signInAll(client: TestClient, prefix: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await client.signIn(`${prefix}-${i}@example.org`));
  return tokens;
}

async function pledgeAll(
  client: TestClient,
  challengeId: string,
  tokens: readonly string[],
  concurrency: number,
  latencies?: number[],
): Promise<number> {
  return inParallel(tokens.length, concurrency, async (i) => {
    const started = performance.now();
    const answer = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: tokens[i] as string },
    );
    latencies?.push(performance.now() - started);
    if (answer.status !== 201) throw new Error(`pledge answered ${answer.status}`);
  });
}

async function participants(client: TestClient, challengeId: string): Promise<number> {
  const read = await client.get(`/api/challenges/${challengeId}`);
  return (read.body.progress as { participants: number }).participants;
}

/**
 * Statements per confirmation, and their heaviest shapes: one at a time,
 * each followed through to the end (nothing shared with a neighbour), then
 * 20 at a time (the relay and the evaluations take several at once).
 */
async function countStatements(concurrency: number): Promise<void> {
  let counting = false;
  const shapes = new Map<string, number>();
  let total = 0;
  const platform = await startTestPlatform({
    onStatement: (statement) => {
      if (!counting) return;
      total++;
      const key = shape(statement);
      shapes.set(key, (shapes.get(key) ?? 0) + 1);
    },
  });
  try {
    const client = createTestClient(platform.app);
    const { challengeId } = await openChallenge(client, platform.adminToken, {
      title: 'Statements',
      actionType: 'pledge-only',
      goal: { participants: 1_000_000 },
    });
    const count = concurrency === 1 ? 50 : quick ? 100 : 300;
    const tokens = await signInAll(client, 'count', count);
    await platform.settle();
    counting = true;
    if (concurrency === 1) {
      for (const token of tokens) {
        await pledgeAll(client, challengeId, [token], 1);
        await platform.settle();
      }
    } else {
      await pledgeAll(client, challengeId, tokens, concurrency);
    }
    await platform.settle();
    counting = false;
    console.log(
      `\nstatements per confirmation, ${concurrency} at a time: ${(total / count).toFixed(1)} (${count} pledges)`,
    );
    const top = [...shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [key, n] of top) console.log(`  ${(n / count).toFixed(2).padStart(6)}  ${key}`);
  } finally {
    await platform.stop();
  }
}

async function rate(redis: boolean): Promise<void> {
  const platform = await startTestPlatform({ redis });
  try {
    const client = createTestClient(platform.app);
    const { challengeId } = await openChallenge(client, platform.adminToken, {
      title: 'Rate',
      actionType: 'pledge-only',
      goal: { participants: PEOPLE * 10 },
    });
    const tokens = await signInAll(client, 'rate', PEOPLE);
    const latencies: number[] = [];
    const perSecond = await pledgeAll(client, challengeId, tokens, CONCURRENCY, latencies);
    await settle(platform, client, challengeId, PEOPLE);
    console.log(
      `\n${redis ? 'BullMQ + Redis' : 'in-process queue'}: ${perSecond.toFixed(0)} confirmed pledges/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (counted ${await participants(client, challengeId)} of ${PEOPLE})`,
    );
  } finally {
    await platform.stop();
  }
}

async function settle(
  platform: TestPlatform,
  client: TestClient,
  challengeId: string,
  expected: number,
): Promise<void> {
  await platform.settle();
  for (let i = 0; i < 100 && (await participants(client, challengeId)) !== expected; i++) {
    await sleep(50);
  }
}

/** From the crossing 2xx to the unlock row and to its relayed event, BullMQ on Redis. */
async function unlockLatency(): Promise<void> {
  const platform = await startTestPlatform({ redis: true });
  try {
    const client = createTestClient(platform.app);
    const challenges: string[] = [];
    const tokens: string[][] = [];
    for (let c = 0; c < CHALLENGES; c++) {
      const { challengeId } = await openChallenge(client, platform.adminToken, {
        title: `Unlock ${c}`,
        actionType: 'pledge-only',
        goal: { participants: PER_CHALLENGE },
      });
      challenges.push(challengeId);
      tokens.push(await signInAll(client, `unlock-${c}`, PER_CHALLENGE));
    }
    // Everyone but the last pledges first; then the last of each, at once.
    for (let c = 0; c < CHALLENGES; c++) {
      await pledgeAll(
        client,
        challenges[c] as string,
        (tokens[c] as string[]).slice(0, -1),
        CONCURRENCY,
      );
    }
    await platform.settle();
    const relayedAt = new Map<string, number>();
    const stop = platform.onRelayed((events) => {
      for (const event of events) {
        if (event.type === 'challenge.unlocked' && event.challengeId) {
          relayedAt.set(event.challengeId, performance.now());
        }
      }
    });
    const answeredAt = new Map<string, { at: number; wall: number }>();
    await inParallel(CHALLENGES, CHALLENGES, async (c) => {
      const challengeId = challenges[c] as string;
      const answer = await client.post(
        `/api/challenges/${challengeId}/pledges`,
        {},
        { token: (tokens[c] as string[])[PER_CHALLENGE - 1] as string },
      );
      if (answer.status !== 201) throw new Error(`pledge answered ${answer.status}`);
      answeredAt.set(challengeId, { at: performance.now(), wall: Date.now() });
    });
    for (let i = 0; i < 200 && relayedAt.size < CHALLENGES; i++) await sleep(10);
    stop();
    const rows = await platform.db.query<{ challenge_id: string; unlocked_at: Date; n: number }>(
      `select challenge_id, min(unlocked_at) as unlocked_at, count(*)::int as n
         from unlock where challenge_id in (?) group by challenge_id`,
      [challenges],
    );
    const toCommit = rows.map((row) => {
      const answered = answeredAt.get(row.challenge_id);
      return answered ? Math.max(0, new Date(row.unlocked_at).getTime() - answered.wall) : NaN;
    });
    const toRelay = [...relayedAt].map(([id, at]) => at - (answeredAt.get(id)?.at ?? at));
    const once = rows.every((row) => row.n === 1) && rows.length === CHALLENGES;
    console.log(
      `\nunlock latency, ${CHALLENGES} challenges crossing at once (BullMQ): to the unlock p50 ${percentile(toCommit, 50).toFixed(0)} ms, p99 ${percentile(toCommit, 99).toFixed(0)} ms; to the relayed event p50 ${percentile(toRelay, 50).toFixed(0)} ms, p99 ${percentile(toRelay, 99).toFixed(0)} ms (${relayedAt.size} relayed, one unlock each: ${once})`,
    );
  } finally {
    await platform.stop();
  }
}

const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
if (!only || only === 'statements') {
  await countStatements(1);
  await countStatements(CONCURRENCY);
}
if (!only || only === 'rate') {
  await rate(false);
  await rate(true);
}
if (!only || only === 'unlock') await unlockLatency();
