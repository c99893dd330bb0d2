import pg from 'pg';
import { createDatabase } from './lib/processes.js';
import { fromRounds, type Measurement } from './lib/report.js';
import { median } from './lib/stats.js';

/**
 * C1, why progress counters are slotted (ADR 0003): concurrent writers each
 * insert a row and bump a counter in the same transaction, as a pledge
 * does, with the counter spread over 16 slots, and with one hot row. The
 * baseline is the same insert with no counter, same run, same database.
 */
export interface CounterInput {
  clients: number;
  seconds: number;
  rounds: number;
  progress: (message: string) => void;
}

type Statement = (client: pg.PoolClient, i: number) => Promise<void>;

async function rate(pool: pg.Pool, clients: number, seconds: number, statement: Statement) {
  await pool.query('truncate item');
  let done = 0;
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      const client = await pool.connect();
      try {
        for (let i = 0; performance.now() < stopAt; i++) {
          await client.query('begin');
          await statement(client, worker * 100_000_000 + i);
          await client.query('commit');
          done++;
        }
      } finally {
        client.release();
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export async function slottedCounters(input: CounterInput): Promise<Measurement> {
  const database = await createDatabase('counters');
  const pool = new pg.Pool({ connectionString: database.url, max: input.clients });
  pool.on('error', () => {});
  try {
    await pool.query(`
      create table item (id bigint primary key, challenge text not null);
      create table counter (challenge text, slot int, n bigint not null default 0, primary key (challenge, slot));`);
    const insert: Statement = (c, i) =>
      c.query('insert into item (id, challenge) values ($1, $2)', [i, 'c1']).then(() => undefined);
    const bump =
      (slots: number): Statement =>
      async (c, i) => {
        await insert(c, i);
        await c.query(
          `insert into counter (challenge, slot, n) values ('c1', $1, 1)
           on conflict (challenge, slot) do update set n = counter.n + 1`,
          [Math.floor(Math.random() * slots)],
        );
      };
    const bare: number[] = [];
    const slotted: number[] = [];
    const oneRow: number[] = [];
    for (let round = 1; round <= input.rounds; round++) {
      bare.push(await rate(pool, input.clients, input.seconds, insert));
      slotted.push(await rate(pool, input.clients, input.seconds, bump(16)));
      oneRow.push(await rate(pool, input.clients, input.seconds, bump(1)));
      input.progress(
        `C1 round ${round}: insert ${bare.at(-1)?.toFixed(0)}/s, +16 slots ${slotted.at(-1)?.toFixed(0)}/s, +1 row ${oneRow.at(-1)?.toFixed(0)}/s`,
      );
    }
    return fromRounds({
      id: 'C1',
      title:
        'Insert + bump one of 16 counter slots, tx/s, vs a bare insert (why counters are slotted)',
      metric: 'tx_per_s',
      values: slotted,
      baselines: bare,
      baselineIs: 'bare single-row INSERT transactions/s, same clients, same database',
      figures: {
        one_row_tx_per_s: median(oneRow),
        one_row_ratio: median(oneRow.map((v, i) => v / (bare[i] as number))),
        clients: input.clients,
      },
      target: () => ({ text: 'none (explains ADR 0003)', met: null }),
    });
  } finally {
    await pool.end();
    await database.drop();
  }
}
