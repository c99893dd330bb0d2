/**
 * `npm run bench [-- --quick] [-- --only=P1,P2,P3,P4,P5,C1,P6]`: Tandem measured
 * against the limits it is compared to, in the same run (ADR 0024). Each
 * figure prints as one line,
 *
 *   ID metric=value baseline=value ratio=x.xx rounds=n spread=… target="…" PASS|MISS
 *
 * and all of them go to `bench/results.json`. Progress goes to stderr.
 *
 * - P1 pledge ingest, with the embedded default (`tandem start`) and with
 *   `tandem serve` + 2 `tandem worker` on PostgreSQL and Redis; and
 *   P1-federated, one challenge fed by 50 partner organizations, against
 *   the plain P1 on the same server;
 * - P2 unlock latency, with the workers;
 * - P3 progress read and P5 growth;
 * - P4 the map: `GET /api/challenges/{id}/map` over a million pledged cells;
 * - C1 slotted counters (why ADR 0003 spreads a counter over slots);
 * - P6 the challenge page's JavaScript before the map chunk, gzipped.
 *
 * Servers run as child processes; whatever happens (an error, Ctrl-C), they
 * are stopped and the databases dropped.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { slottedCounters } from './counters.js';
import { createApi, createCampaign, signIn } from './lib/api.js';
import { cleanUp, cleanUpOnSignals, isClosing } from './lib/cleanup.js';
import {
  buildWorkspace,
  createDatabase,
  embeddedPostgresUrl,
  migrate,
  postgresUrl,
  repoRoot,
  startRedis,
  startTandem,
} from './lib/processes.js';
import { line, type Measurement } from './lib/report.js';
import { federatedIngest } from './p1-federated.js';
import { pledgeIngest } from './p1-ingest.js';
import { unlockLatency } from './p2-unlock.js';
import { prepareReads } from './p3-read.js';
import { prepareMap } from './p4-map.js';
import { pageWeight } from './p6-page-weight.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = new Set(
  (onlyArg ? onlyArg.slice('--only='.length) : 'P1,P2,P3,P4,P5,C1,P6')
    .split(',')
    .map((id) => id.trim().toUpperCase()),
);
const unknown = [...only].filter((id) => !['P1', 'P2', 'P3', 'P4', 'P5', 'C1', 'P6'].includes(id));
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; known: P1, P2, P3, P4, P5, C1, P6.`);
  process.exit(2);
}

/** Sizes of a run; `--quick` keeps every shape and target, with fewer and shorter rounds. */
const sizes = quick
  ? {
      pledges: 300,
      p1Rounds: 3,
      insertSeconds: 1.5,
      unlockChallenges: 40,
      unlockRounds: 1,
      bigPledges: 100_000,
      readRounds: 3,
      readSeconds: 2,
      counterRounds: 1,
      counterSeconds: 1.5,
      mapPledges: 100_000,
      mapRounds: 2,
      mapRequests: 50,
    }
  : {
      pledges: 2000,
      p1Rounds: 5,
      insertSeconds: 5,
      unlockChallenges: 200,
      unlockRounds: 3,
      bigPledges: 1_000_000,
      readRounds: 5,
      readSeconds: 5,
      counterRounds: 3,
      counterSeconds: 3,
      mapPledges: 1_000_000,
      mapRounds: 3,
      mapRequests: 200,
    };
/** People confirming at once on each challenge of P2. */
const UNLOCK_PEOPLE = 50;
/** Organizations feeding the challenge of P1-federated (issue 11). */
const FEDERATED_PARTNERS = 50;
/** Concurrency of P1 and P3, as in the figures of issue 8. */
const CONNECTIONS = 20;

const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s`;
const progress = (message: string) => console.error(`[${elapsed()}] ${message}`);

async function machine() {
  let postgres = 'unknown';
  const client = new pg.Client({ connectionString: postgresUrl() });
  try {
    await client.connect();
    postgres =
      (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]
        ?.v ?? postgres;
  } catch {
    // The benchmarks that need PostgreSQL say so.
  } finally {
    await client.end().catch(() => undefined);
  }
  const git = (...command: string[]) =>
    spawnSync('git', command, { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
  return {
    commit: `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (with changes)' : ''}`,
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

interface Prepared {
  /** Measures, one benchmark after the other. */
  measure(): Promise<Measurement[]>;
  stop(): Promise<void>;
}

/** P1 with the embedded default: `tandem start`, its own PostgreSQL, jobs in the process. */
async function prepareEmbedded(): Promise<Prepared> {
  const server = await startTandem('start');
  const api = createApi(server.url);
  const campaignId = await createCampaign(api);
  const tokens = await signIn(api, sizes.pledges, 'embedded');
  const postgresServerUrl = await embeddedPostgresUrl(server.dataDir);
  progress(`P1-embedded: tandem start ready, ${sizes.pledges} people signed in`);
  return {
    measure: async () => [
      await pledgeIngest({
        id: 'P1-embedded',
        title: 'Confirmed pledges/s through HTTP on one challenge, embedded default (tandem start)',
        api,
        campaignId,
        tokens,
        postgresServerUrl,
        rounds: sizes.p1Rounds,
        connections: CONNECTIONS,
        baselineSeconds: sizes.insertSeconds,
        progress,
      }),
      await federatedIngest({
        api,
        campaignId,
        tokens,
        partners: FEDERATED_PARTNERS,
        rounds: sizes.p1Rounds,
        connections: CONNECTIONS,
        progress,
      }),
    ],
    async stop() {
      api.close();
      await server.stop();
    },
  };
}

/** P1 and P2 with `tandem serve` and two `tandem worker` on PostgreSQL and Redis. */
async function prepareWorkers(run: { ingest: boolean; unlock: boolean }): Promise<Prepared> {
  const database = await createDatabase('workers');
  const redis = await startRedis();
  await migrate(database.url);
  const env = { DATABASE_URL: database.url, REDIS_URL: redis.url };
  const serve = await startTandem('serve', env);
  const workers = [await startTandem('worker', env), await startTandem('worker', env)];
  const api = createApi(serve.url);
  const campaignId = await createCampaign(api);
  const people = Math.max(run.ingest ? sizes.pledges : 0, run.unlock ? UNLOCK_PEOPLE : 0);
  const tokens = await signIn(api, people, 'workers');
  progress(`P1-workers/P2: tandem serve + 2 tandem worker ready, ${people} people signed in`);
  return {
    async measure() {
      const results: Measurement[] = [];
      if (run.ingest) {
        results.push(
          await pledgeIngest({
            id: 'P1-workers',
            title:
              'Confirmed pledges/s through HTTP on one challenge, tandem serve + 2 BullMQ workers',
            api,
            campaignId,
            tokens: tokens.slice(0, sizes.pledges),
            postgresServerUrl: postgresUrl(),
            rounds: sizes.p1Rounds,
            connections: CONNECTIONS,
            baselineSeconds: sizes.insertSeconds,
            progress,
          }),
        );
      }
      if (run.unlock) {
        results.push(
          ...(await unlockLatency({
            api,
            campaignId,
            tokens: tokens.slice(0, UNLOCK_PEOPLE),
            databaseUrl: database.url,
            challenges: sizes.unlockChallenges,
            rounds: sizes.unlockRounds,
            sockets: 256,
            progress,
          })),
        );
      }
      return results;
    },
    async stop() {
      api.close();
      for (const child of [...workers, serve]) await child.stop();
      await redis.stop();
      await database.drop();
    },
  };
}

async function prepareReadsAndGrowth(): Promise<Prepared> {
  const reads = await prepareReads({
    bigPledges: sizes.bigPledges,
    rounds: sizes.readRounds,
    seconds: sizes.readSeconds,
    connections: CONNECTIONS,
    progress,
  });
  progress('P3/P5: tandem serve and the hello-world ready');
  return {
    measure: async () => (await reads.measure()).filter((m) => only.has(m.id)),
    stop: () => reads.stop(),
  };
}

async function prepareMapReads(): Promise<Prepared> {
  const map = await prepareMap({
    pledges: sizes.mapPledges,
    rounds: sizes.mapRounds,
    requests: sizes.mapRequests,
    progress,
  });
  progress('P4: tandem serve and the hello-world ready');
  return map;
}

async function prepareCounters(): Promise<Prepared> {
  return {
    measure: async () => [
      await slottedCounters({
        clients: 16,
        seconds: sizes.counterSeconds,
        rounds: sizes.counterRounds,
        progress,
      }),
    ],
    stop: async () => undefined,
  };
}

/** P6: the demo (`tandem start`) serving the built site. */
async function preparePageWeight(): Promise<Prepared> {
  const server = await startTandem('start');
  progress('P6: tandem start ready');
  return {
    measure: async () => [
      await pageWeight({
        baseUrl: server.url,
        clientDir: join(repoRoot, 'apps', 'web', 'build', 'client'),
      }),
    ],
    stop: () => server.stop(),
  };
}

cleanUpOnSignals();
const results: Measurement[] = [];
const failures: { ids: string[]; error: string }[] = [];
try {
  const host = await machine();
  progress(
    `${quick ? 'quick run' : 'full run'} of ${host.commit} on ${host.nproc} × ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, PostgreSQL ${host.postgres}, load ${host.loadAverageAtStart.join(' ')}`,
  );
  progress(`npm run build (${buildWorkspace().toFixed(0)} s)`);
  // Set-up (servers, sign-ins, the bulk load) runs at once; measurements
  // run one after the other, each server stopped once measured.
  progress('starting the servers, signing people in, loading pledges');
  const plans: { ids: string[]; prepare: () => Promise<Prepared> }[] = [];
  if (only.has('P1'))
    plans.push({ ids: ['P1-embedded', 'P1-federated'], prepare: prepareEmbedded });
  if (only.has('P1') || only.has('P2')) {
    const run = { ingest: only.has('P1'), unlock: only.has('P2') };
    plans.push({
      ids: [...(run.ingest ? ['P1-workers'] : []), ...(run.unlock ? ['P2'] : [])],
      prepare: () => prepareWorkers(run),
    });
  }
  if (only.has('P3') || only.has('P5'))
    plans.push({ ids: ['P3', 'P5'].filter((id) => only.has(id)), prepare: prepareReadsAndGrowth });
  if (only.has('P4')) plans.push({ ids: ['P4-z5', 'P4-z9', 'P4-z13'], prepare: prepareMapReads });
  if (only.has('C1')) plans.push({ ids: ['C1'], prepare: prepareCounters });
  if (only.has('P6')) plans.push({ ids: ['P6'], prepare: preparePageWeight });
  const prepared = await Promise.allSettled(plans.map((plan) => plan.prepare()));
  progress('measuring');
  // A benchmark that fails (a count that is not exact, a server that does
  // not start) is reported and the others still run.
  for (const [i, outcome] of prepared.entries()) {
    const ids = plans[i]?.ids ?? [];
    try {
      if (outcome.status === 'rejected') throw outcome.reason;
      try {
        results.push(...(await outcome.value.measure()));
      } finally {
        await outcome.value.stop();
      }
    } catch (error) {
      if (isClosing()) throw error;
      console.error(`\n${ids.join(', ')} failed [${elapsed()}]:`, error);
      failures.push({ ids, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const seconds = (performance.now() - began) / 1000;
  console.log('');
  for (const m of results) console.log(line(m));
  for (const f of failures)
    for (const id of f.ids) console.log(`${id} error=${JSON.stringify(f.error)} FAIL`);
  const missed = results.filter((m) => m.target.met === false).map((m) => m.id);
  const passed = results.filter((m) => m.target.met === true).length;
  console.log(
    `\n${passed} PASS, ${missed.length} MISS${missed.length ? ` (${missed.join(', ')})` : ''}${failures.length ? `, ${failures.flatMap((f) => f.ids).join(', ')} FAILED` : ''}; ${quick ? '--quick ' : ''}run took ${seconds.toFixed(0)} s`,
  );
  const out = join(repoRoot, 'bench', 'results.json');
  await mkdir(join(repoRoot, 'bench'), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        quick,
        seconds: Math.round(seconds),
        machine: { ...host, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
        results: Object.fromEntries(results.map((m) => [m.id, m])),
        failures,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Wrote ${out}`);
  if (failures.length) process.exitCode = 1;
} catch (error) {
  // After Ctrl-C, what was under way fails as its servers go: no news.
  if (!isClosing()) console.error(`\nThe benchmark failed [${elapsed()}]:`, error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
