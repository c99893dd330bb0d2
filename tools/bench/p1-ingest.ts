import pg from 'pg';
import { openChallenge, readChallenge, type Api } from './lib/api.js';
import { load, type Load } from './lib/load.js';
import { createDatabase } from './lib/processes.js';
import { fromRounds, type Measurement } from './lib/report.js';
import { median } from './lib/stats.js';

/** Pledges of the warm-up before the first round. */
const WARM_UP = 50;

/**
 * P1, pledge ingest: signed-in people pledge on ONE open challenge through
 * HTTP as fast as the server answers (`connections` at a time, autocannon,
 * one session per request), against single-row INSERT transactions at the
 * same concurrency with node-postgres on the same PostgreSQL — in the same
 * round, so both see the same machine. Then the same number of pledges on a
 * second challenge at 80 % of that round's rate, for the latencies a server
 * that keeps up gives. Every round checks that the challenge counts exactly
 * the pledges answered 201.
 */
export interface IngestInput {
  id: string;
  title: string;
  api: Api;
  campaignId: string;
  /** One session per pledge of a round; each round pledges on new challenges. */
  tokens: string[];
  /** The PostgreSQL server Tandem writes to (`postgres://…/postgres`). */
  postgresServerUrl: string;
  rounds: number;
  connections: number;
  baselineSeconds: number;
  progress: (message: string) => void;
}

async function pledgeAll(
  input: IngestInput,
  challengeId: string,
  overallRate?: number,
): Promise<Load> {
  const { tokens } = input;
  let next = 0;
  const result = await load({
    url: input.api.url,
    connections: input.connections,
    amount: tokens.length,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: `/api/challenges/${challengeId}/pledges`,
        body: '{}',
        setupRequest: (request) => ({
          ...request,
          headers: {
            'content-type': 'application/json',
            // Past the last session a request would answer 401 and show as a failure.
            authorization: `Bearer ${tokens[next++] ?? 'none'}`,
          },
        }),
      },
    ],
  });
  const created = result.statuses['201'] ?? 0;
  if (result.failed > 0 || created !== tokens.length) {
    throw new Error(
      `${input.id}: ${tokens.length} pledges answered ${JSON.stringify(result.statuses)} (${result.failed} failed)`,
    );
  }
  const { participants } = await readChallenge(input.api, challengeId);
  if (participants !== created)
    throw new Error(
      `${input.id}: ${created} pledges confirmed, the challenge counts ${participants}`,
    );
  return result;
}

/** Single-row INSERT transactions for `seconds`, `connections` at a time; answers tx/s. */
async function insertRate(url: string, connections: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // The database is dropped with FORCE at the end: an idle connection ended then is no failure.
  pool.on('error', () => {});
  try {
    await pool.query('create table if not exists bench_row (id bigint primary key, v text)');
    await pool.query('truncate bench_row');
    let done = 0;
    const started = performance.now();
    const stopAt = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async (_, worker) => {
        const client = await pool.connect();
        try {
          for (let i = 0; performance.now() < stopAt; i++) {
            await client.query('begin');
            await client.query('insert into bench_row (id, v) values ($1, $2)', [
              worker * 100_000_000 + i,
              'x',
            ]);
            await client.query('commit');
            done++;
          }
        } finally {
          client.release();
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

export async function pledgeIngest(input: IngestInput): Promise<Measurement> {
  const baselineDb = await createDatabase('insert', input.postgresServerUrl);
  try {
    // Warm-up, not counted: the server's JIT and pools, the new table's catalogue.
    const warmUp = await openChallenge(input.api, input.campaignId, input.tokens.length * 10);
    await pledgeAll({ ...input, tokens: input.tokens.slice(0, WARM_UP) }, warmUp);
    await insertRate(baselineDb.url, input.connections, 0.5);
    const rates: number[] = [];
    const inserts: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let round = 1; round <= input.rounds; round++) {
      const flat = await openChallenge(input.api, input.campaignId, input.tokens.length * 10);
      const paced = await openChallenge(input.api, input.campaignId, input.tokens.length * 10);
      const max = await pledgeAll(input, flat);
      const baseline = await insertRate(baselineDb.url, input.connections, input.baselineSeconds);
      const at80 = await pledgeAll(input, paced, Math.max(1, Math.round(max.rate * 0.8)));
      rates.push(max.rate);
      inserts.push(baseline);
      p50s.push(at80.p50);
      p99s.push(at80.p99);
      input.progress(
        `${input.id} round ${round}: ${max.rate.toFixed(0)} pledges/s, ${baseline.toFixed(0)} inserts/s, at 80 %: p50 ${at80.p50} ms p99 ${at80.p99} ms`,
      );
    }
    const p99 = median(p99s);
    return fromRounds({
      id: input.id,
      title: input.title,
      metric: 'pledges_per_s',
      values: rates,
      baselines: inserts,
      baselineIs: `single-row INSERT transactions/s, ${input.connections} at a time, node-postgres, same PostgreSQL`,
      figures: {
        p50_ms_at_80pct: median(p50s),
        p99_ms_at_80pct: p99,
        pledges_per_round: input.tokens.length,
        connections: input.connections,
      },
      target: ({ ratio }) => ({
        text: 'ratio >= 0.40 and p99 < 50 ms at 80 % of the max rate',
        met: ratio !== null && ratio >= 0.4 && p99 < 50,
      }),
    });
  } finally {
    await baselineDb.drop();
  }
}
