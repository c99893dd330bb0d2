/**
 * Why progress counters are slotted: the cost of one hot counter row.
 *
 * Concurrent writers each insert a row and bump a counter in the same
 * transaction, as a pledge does. The baseline is the same insert with no
 * counter at all, measured in the same run on the same database, so the
 * ratios hold whatever the machine.
 *
 *   npm run bench            (needs PostgreSQL; DATABASE_URL or the local one)
 */
import pg from 'pg';
import { createTestDatabase } from '../../core/src/testing/database.js';

const CLIENTS = 16;
const DURATION_MS = 3000;

async function run(
  pool: pg.Pool,
  name: string,
  statement: (client: pg.PoolClient, i: number) => Promise<void>,
) {
  let done = 0;
  const stopAt = Date.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      const client = await pool.connect();
      try {
        for (let i = 0; Date.now() < stopAt; i++) {
          await client.query('begin');
          await statement(client, worker * 1_000_000 + i);
          await client.query('commit');
          done++;
        }
      } finally {
        client.release();
      }
    }),
  );
  const perSecond = done / (DURATION_MS / 1000);
  return { name, perSecond };
}

const database = await createTestDatabase('external');
const pool = new pg.Pool({ connectionString: database.url, max: CLIENTS });
// An idle connection ended by the server (the benchmark database is
// dropped with FORCE at the end) is no failure of the measurement.
pool.on('error', () => {});
try {
  await pool.query(`
    create table item (id bigint primary key, challenge text not null);
    create table counter (challenge text, slot int, n bigint not null default 0, primary key (challenge, slot));`);
  const insert = (c: pg.PoolClient, i: number) =>
    c.query('insert into item (id, challenge) values ($1, $2)', [i, 'c1']).then(() => undefined);
  const bump = (slots: number) => async (c: pg.PoolClient, i: number) => {
    await insert(c, i);
    await c.query(
      `insert into counter (challenge, slot, n) values ('c1', $1, 1)
       on conflict (challenge, slot) do update set n = counter.n + 1`,
      [Math.floor(Math.random() * slots)],
    );
  };
  const results = [];
  results.push(await run(pool, 'insert only (baseline)', insert));
  await pool.query('truncate item');
  results.push(await run(pool, 'insert + one counter row', bump(1)));
  await pool.query('truncate item');
  results.push(await run(pool, 'insert + 16 counter slots', bump(16)));
  const base = results[0]?.perSecond ?? 1;
  console.log(
    `\nPledge-shaped transactions, ${CLIENTS} concurrent clients, ${DURATION_MS / 1000} s each:`,
  );
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(28)} ${r.perSecond.toFixed(0).padStart(7)} tx/s   ×${(r.perSecond / base).toFixed(2)} of baseline`,
    );
  }
} finally {
  await pool.end();
  await database.drop();
}
