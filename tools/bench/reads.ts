/**
 * The read path: `GET /api/challenges/{id}` over HTTP against a Fastify
 * hello-world route with the same process settings (Node flags, Tandem's
 * redacting `info` logger writing to /dev/null as `tandem start` writes to
 * its output), each in a process of its own, measured in turns in the same run
 * by autocannon 9.0.0 (20 connections) from a third process.
 *
 *   node --conditions=tandem-source --import tsx tools/bench/reads.ts [--quick] [--pledges=1000]
 *
 * The challenge runs on the embedded PostgreSQL (the `tandem start`
 * default). `--pledges=N` confirms N pledges first, written in bulk by SQL
 * (people, pledges and counter slots as the write path leaves them), to
 * see whether a read's cost grows with them. `--against=DIR` also serves the
 * challenge from another checkout of Tandem (holding this script), measured
 * in the same rounds: a before/after comparison on one busy machine.
 * `--growth=N` adds a second challenge server with N confirmed pledges (P5:
 * the first's req/s over this one's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const role = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length);
const quick = argv.includes('--quick');
const pledges = Number(argv.find((a) => a.startsWith('--pledges='))?.slice(10) ?? '1000');
const SECONDS = quick ? 5 : 10;
const ROUNDS = quick ? 2 : 3;
const CONNECTIONS = 20;

const logger = () => ({ level: 'info', stream: createWriteStream('/dev/null') });

async function serveHello(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { secureLoggerOptions } = await import('../../core/src/logging.js');
  // The same logger settings as Tandem's (a process setting, like Node's flags).
  const app = Fastify({ logger: secureLoggerOptions(logger()) });
  app.get('/hello', async () => ({ hello: 'world' }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`READY ${address}/hello`);
}

async function serveTandem(): Promise<void> {
  const { startTestPlatform } = await import('../../core/src/testing/platform.js');
  const { createTestClient } = await import('../../core/src/testing/client.js');
  const { openChallenge } = await import('../../core/src/testing/scenarios.js');
  const platform = await startTestPlatform({ database: 'embedded', logger: logger() });
  process.on('SIGTERM', () => {
    console.error('view cache:', JSON.stringify(platform.ctx.views?.stats()));
    void platform.stop().finally(() => process.exit(0));
  });
  const client = createTestClient(platform.app);
  const { challengeId } = await openChallenge(client, platform.adminToken, {
    title: 'Bench',
    actionType: 'pledge-only',
    goal: { participants: Math.max(10, pledges * 2) },
    deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
  if (pledges > 0) {
    // The write path's end state, in bulk: one person and one confirmed
    // pledge each, the counters spread over the 16 slots.
    await platform.db.query(
      `insert into participant (id, identity_fingerprint)
       select 'bench-p-' || g, 'bench-f-' || g from generate_series(1, ?) g`,
      [pledges],
    );
    await platform.db.query(
      `insert into pledge (id, challenge_id, participant_id, status, details, confirmed_at, created_at)
       select 'bench-pl-' || g, ?, 'bench-p-' || g, 'confirmed', '{}'::jsonb, now(), now()
         from generate_series(1, ?) g`,
      [challengeId, pledges],
    );
    await platform.db.query(
      `insert into progress_slot (challenge_id, team_id, slot, participants, quantity, co2e_kg)
       select ?, '', s, ? / 16 + case when s < ? % 16 then 1 else 0 end, 0, 0
         from generate_series(0, 15) s`,
      [challengeId, pledges, pledges],
    );
  }
  const read = await client.get(`/api/challenges/${challengeId}`);
  const counted = (read.body.progress as { participants: number }).participants;
  if (counted !== pledges) throw new Error(`counted ${counted}, expected ${pledges}`);
  await platform.start();
  const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`READY ${address}/api/challenges/${challengeId}`);
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

async function start(
  name: string,
  extra: string[],
  script = fileURLToPath(import.meta.url),
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=tandem-source', '--import', 'tsx', script, `--role=${name}`, ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: false },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    if (line.startsWith('READY ')) return { child, url: line.slice(6) };
  }
  throw new Error(`${name} did not start`);
}

async function cannon(url: string, seconds: number): Promise<Figures> {
  const child = spawn(
    'npx',
    ['-y', 'autocannon@9.0.0', '-c', String(CONNECTIONS), '-d', String(seconds), '--json', url],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(child, 'exit');
  const result = JSON.parse(text) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function main(): Promise<void> {
  const against = argv.find((a) => a.startsWith('--against='))?.slice('--against='.length);
  const hello = await start('hello', []);
  const servers = [
    { name: `challenge at ${pledges}`, ...(await start('tandem', [`--pledges=${pledges}`])) },
  ];
  const growth = argv.find((a) => a.startsWith('--growth='))?.slice('--growth='.length);
  if (growth) {
    // P5: the same read with many more confirmed pledges on the challenge.
    servers.push({
      name: `challenge at ${growth}`,
      ...(await start('tandem', [`--pledges=${growth}`])),
    });
  }
  if (against) {
    const script = `${against}/tools/bench/reads.ts`;
    servers.unshift({
      name: 'before',
      ...(await start('tandem', [`--pledges=${pledges}`], script)),
    });
  }
  try {
    await cannon(hello.url, 2);
    for (const server of servers) await cannon(server.url, 2);
    const ratios = new Map<string, number[]>(servers.map((s) => [s.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      const h = await cannon(hello.url, SECONDS);
      const parts = [`round ${round}: hello ${h.rps.toFixed(0)} req/s (p99 ${h.p99} ms)`];
      for (const server of servers) {
        const t = await cannon(server.url, SECONDS);
        ratios.get(server.name)?.push(t.rps / h.rps);
        parts.push(
          `${server.name} ${t.rps.toFixed(0)} req/s (p50 ${t.p50} ms, p99 ${t.p99} ms) ×${(t.rps / h.rps).toFixed(3)}`,
        );
      }
      console.log(parts.join(', '));
    }
    for (const [name, values] of ratios) {
      console.log(
        `P3 ${name} pledges: ratio median ${median(values).toFixed(3)} ` +
          `(${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)})`,
      );
    }
  } finally {
    const children = [hello.child, ...servers.map((s) => s.child)];
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => once(child, 'exit')));
  }
}

if (role === 'hello') await serveHello();
else if (role === 'tandem') await serveTandem();
else await main();
