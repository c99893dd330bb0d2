import pg from 'pg';
import { createApi, createCampaign, openChallenge, readChallenge } from './lib/api.js';
import { load } from './lib/load.js';
import {
  createDatabase,
  migrate,
  startHelloWorld,
  startTandem,
  type Child,
} from './lib/processes.js';
import { fromRounds, type Measurement } from './lib/report.js';
import { median } from './lib/stats.js';

/**
 * P3, progress read, and P5, growth. One `tandem serve` on its own database
 * holds two open challenges: one with 1,000 confirmed pledges, one with
 * `bigPledges` (1,000,000; 100,000 in a quick run). Each round reads
 * `GET /api/challenges/{id}` of both, and a Fastify hello-world route in a
 * process with the same settings, with autocannon for `seconds` each, one
 * after the other. P3 is the small challenge's req/s over the hello-world's;
 * P5 the small challenge's over the big one's.
 *
 * The pledges are loaded in bulk with SQL while the server is stopped (a
 * cache of the server's cannot have seen the challenges before), as the
 * rows a recount agrees with: a participant, a confirmed pledge and a
 * `participation` row each, and the counter slots holding their sum. The
 * server then must answer that count.
 */
export interface ReadInput {
  bigPledges: number;
  rounds: number;
  seconds: number;
  connections: number;
  progress: (message: string) => void;
}

const SMALL = 1000;

/** The rows of `count` confirmed pledges on a challenge, as the write path would leave them. */
async function loadPledges(databaseUrl: string, challengeId: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A failure shows in the query under way; the event alone must not end the process.
  client.on('error', () => undefined);
  await client.connect();
  const tag = challengeId.replace(/[^a-zA-Z0-9]/g, '');
  try {
    await client.query('begin');
    // A participant known only by a keyed fingerprint (as after an erasure):
    // no address for the start-up pass to fingerprint, and still counted.
    await client.query(
      `insert into participant (id, identity_fingerprint)
       select 'bp_' || $1 || '_' || g, 'bench_' || $1 || '_' || g from generate_series(1, $2::int) g`,
      [tag, count],
    );
    await client.query(
      `insert into pledge (id, challenge_id, participant_id, status, confirmed_at)
       select 'bpl_' || $1 || '_' || g, $2, 'bp_' || $1 || '_' || g, 'confirmed', now()
         from generate_series(1, $3::int) g`,
      [tag, challengeId, count],
    );
    await client.query(
      `insert into participation (challenge_id, participant_id, pledged)
       select $2, 'bp_' || $1 || '_' || g, true from generate_series(1, $3::int) g`,
      [tag, challengeId, count],
    );
    // Spread over the 16 writer slots as pledges would be (store/progress.ts).
    await client.query(
      `insert into progress_slot (challenge_id, team_id, slot, participants)
       select $1, '', s, $2::int / 16 + case when s < $2::int % 16 then 1 else 0 end
         from generate_series(0, 15) s
       on conflict (challenge_id, team_id, slot) do update
         set participants = progress_slot.participants + excluded.participants`,
      [challengeId, count],
    );
    await client.query('commit');
    await client.query('vacuum analyze participant, pledge, participation, progress_slot');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function readRate(url: string, path: string, input: ReadInput, seconds: number) {
  const result = await load({
    url: `${url}${path}`,
    connections: input.connections,
    duration: seconds,
  });
  if (result.failed > 0)
    throw new Error(`GET ${path}: ${result.failed} failed, ${JSON.stringify(result.statuses)}`);
  return result;
}

/** The servers and challenges of P3/P5, loaded and checked, ready to be measured. */
export interface PreparedReads {
  measure(): Promise<Measurement[]>;
  stop(): Promise<void>;
}

export async function prepareReads(input: ReadInput): Promise<PreparedReads> {
  const database = await createDatabase('read');
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
    await database.drop();
  };
  try {
    await migrate(database.url);
    const setup = await startTandem('serve', { DATABASE_URL: database.url });
    children.push(setup);
    const setupApi = createApi(setup.url);
    const campaignId = await createCampaign(setupApi);
    const goal = input.bigPledges * 10;
    const small = await openChallenge(setupApi, campaignId, goal);
    const big = await openChallenge(setupApi, campaignId, goal);
    setupApi.close();
    await setup.stop();

    const loading = performance.now();
    await loadPledges(database.url, small, SMALL);
    await loadPledges(database.url, big, input.bigPledges);
    input.progress(
      `P3/P5: loaded ${SMALL} and ${input.bigPledges} confirmed pledges in ${((performance.now() - loading) / 1000).toFixed(1)} s`,
    );

    const server = await startTandem('serve', { DATABASE_URL: database.url });
    children.push(server);
    const hello = await startHelloWorld();
    children.push(hello);
    const api = createApi(server.url);
    for (const [id, count] of [
      [small, SMALL],
      [big, input.bigPledges],
    ] as const) {
      const { participants } = await readChallenge(api, id);
      if (participants !== count)
        throw new Error(`P5: ${count} pledges loaded, the API counts ${participants}`);
    }
    api.close();
    const targets = [
      { name: 'hello', url: hello.url, path: '/' },
      { name: 'small', url: server.url, path: `/api/challenges/${small}` },
      { name: 'big', url: server.url, path: `/api/challenges/${big}` },
    ];
    return { measure: () => measureReads(input, targets), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function measureReads(
  input: ReadInput,
  targets: { name: string; url: string; path: string }[],
): Promise<Measurement[]> {
  // A second of each first: JIT and caches warm before anything is counted.
  for (const t of targets) await readRate(t.url, t.path, input, 1);
  const rates: Record<string, number[]> = { hello: [], small: [], big: [] };
  const p99: Record<string, number[]> = { hello: [], small: [], big: [] };
  for (let round = 1; round <= input.rounds; round++) {
    for (const t of targets) {
      const result = await readRate(t.url, t.path, input, input.seconds);
      rates[t.name]?.push(result.rate);
      p99[t.name]?.push(result.p99);
    }
    input.progress(
      `P3/P5 round ${round}: hello ${rates['hello']?.at(-1)?.toFixed(0)} req/s, ${SMALL} pledges ${rates['small']?.at(-1)?.toFixed(0)} req/s, ${input.bigPledges} pledges ${rates['big']?.at(-1)?.toFixed(0)} req/s`,
    );
  }
  return [
    fromRounds({
      id: 'P3',
      title: `GET /api/challenges/{id} (${SMALL} confirmed pledges) req/s vs a Fastify hello-world route`,
      metric: 'req_per_s',
      values: rates['small'] ?? [],
      baselines: rates['hello'] ?? [],
      baselineIs: 'Fastify hello-world route, child process with the same settings',
      figures: {
        p99_ms: median(p99['small'] ?? []),
        baseline_p99_ms: median(p99['hello'] ?? []),
        connections: input.connections,
        seconds: input.seconds,
      },
      target: ({ ratio }) => ({ text: 'ratio >= 0.60', met: ratio !== null && ratio >= 0.6 }),
    }),
    fromRounds({
      id: 'P5',
      title: `P3's req/s at ${SMALL} confirmed pledges over P3's req/s at ${input.bigPledges}`,
      metric: 'req_per_s',
      values: rates['small'] ?? [],
      baselines: rates['big'] ?? [],
      baselineIs: `GET /api/challenges/{id} req/s with ${input.bigPledges} confirmed pledges`,
      figures: {
        big_pledges: input.bigPledges,
        big_p99_ms: median(p99['big'] ?? []),
      },
      target: ({ ratio }) => ({ text: 'ratio <= 1.2', met: ratio !== null && ratio <= 1.2 }),
    }),
  ];
}
