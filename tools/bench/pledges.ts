/**
 * The engine's pledge write path, end to end in one process: signed-in
 * participants pledge on one open challenge through `app.inject()` (no
 * sockets), 20 at a time, then the same number of bare single-row INSERT
 * transactions run on the same database with the same concurrency — the
 * machine's limit for this shape, measured in the same run so the ratio
 * holds whatever the machine.
 *
 *   node --conditions=tandem-source --import tsx tools/bench/pledges.ts [--quick]
 *
 * Sign-ins happen before the clock starts: only pledges are timed.
 */
import pg from 'pg';
import { openChallenge } from '../../core/src/testing/scenarios.js';
import { createTestClient } from '../../core/src/testing/client.js';
import { startTestPlatform } from '../../core/src/testing/platform.js';

const quick = process.argv.includes('--quick');
const PEOPLE = quick ? 400 : 2000;
const CONCURRENCY = 20;

async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const platform = await startTestPlatform();
try {
  const client = createTestClient(platform.app);
  const { challengeId } = await openChallenge(client, platform.adminToken, {
    title: 'Bench',
    actionType: 'pledge-only',
    goal: { participants: PEOPLE * 10 },
  });
  const tokens: string[] = [];
  for (let i = 0; i < PEOPLE; i++) tokens.push(await client.signIn(`bench-${i}@example.org`));

  const pledges = await inParallel(PEOPLE, async (i) => {
    const answer = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      {},
      { token: tokens[i] as string },
    );
    if (answer.status !== 201) throw new Error(`pledge answered ${answer.status}`);
  });
  await platform.settle();
  const read = await client.get(`/api/challenges/${challengeId}`);
  const counted = (read.body.progress as { participants: number }).participants;

  const pool = new pg.Pool({ connectionString: platform.config.databaseUrl, max: CONCURRENCY });
  // An idle connection ended by the server (the benchmark database is
  // dropped with FORCE at the end) is no failure of the measurement.
  pool.on('error', () => {});
  try {
    await pool.query('create table bench_row (id int primary key, v text)');
    const inserts = await inParallel(PEOPLE, async (i) => {
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query('insert into bench_row (id, v) values ($1, $2)', [i, 'x']);
        await c.query('commit');
      } finally {
        c.release();
      }
    });
    console.log(
      `\n${PEOPLE} signed-in pledges on one challenge, ${CONCURRENCY} at a time (counted: ${counted}):`,
    );
    console.log(`  bare INSERT transactions (baseline) ${inserts.toFixed(0).padStart(7)} /s`);
    console.log(
      `  pledges through the API            ${pledges.toFixed(0).padStart(7)} /s   ×${(pledges / inserts).toFixed(3)} of baseline`,
    );
  } finally {
    await pool.end();
  }
} finally {
  await platform.stop();
}
