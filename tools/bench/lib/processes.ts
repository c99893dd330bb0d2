import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { atExit } from './cleanup.js';

/**
 * The servers a benchmark measures, each a child process in a process group
 * of its own: the load generator never shares an event loop with the server
 * it loads, and stopping a group stops whatever the child started (the
 * embedded PostgreSQL of `tandem start`). Every start registers its stop
 * with {@link atExit}.
 */

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The master key of every Tandem process of one run (they share databases). */
export const secretKey = randomBytes(32).toString('base64');
/** The platform admin token of every Tandem process of one run. */
export const adminToken = randomBytes(24).toString('base64url');

/** The PostgreSQL the external databases are created on. */
export const postgresUrl = (): string =>
  process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `npm run build`: `tandem` runs the compiled code. Turbo replays a build
 * whose sources did not change, so a second run costs a few seconds.
 */
export function buildWorkspace(): number {
  const started = performance.now();
  const result = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status})`);
  return (performance.now() - started) / 1000;
}

export interface Child {
  name: string;
  url: string;
  pid: number;
  /** Everything it printed. */
  output(): string;
  /** SIGTERM to its group, SIGKILL after 15 s; then its folder goes. */
  stop(): Promise<void>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

interface ChildOptions {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  /** `'health'` waits for `GET /api/health`, `'listen'` for any answer on `/`, a pattern for a line of output. */
  ready: 'health' | 'listen' | RegExp;
  /** Removed when it stops. */
  folder?: string;
}

async function startChild(options: ChildOptions): Promise<Child> {
  let output = '';
  // `TANDEM_BENCH_CPU_PROF=<folder>`: every child writes a V8 CPU profile there when it stops.
  const profile = process.env['TANDEM_BENCH_CPU_PROF'];
  const args = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, ...options.args]
    : options.args;
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      PORT: String(options.port),
      ...options.env,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${options.port}`;

  const stop = async () => {
    forget();
    if (isRunning() && child.pid) {
      signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (options.folder) await rm(options.folder, { recursive: true, force: true });
  };
  const forget = atExit(`stop ${options.name}`, stop);

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!isRunning()) {
      await stop();
      throw new Error(`${options.name} exited early (${child.exitCode}):\n${output}`);
    }
    if (options.ready instanceof RegExp) {
      if (options.ready.test(output)) break;
    } else {
      try {
        const response = await fetch(`${url}${options.ready === 'health' ? '/api/health' : '/'}`);
        if (options.ready === 'listen' || response.ok) break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} did not start in time:\n${output}`);
    }
    await sleep(100);
  }
  return { name: options.name, url, pid: child.pid as number, output: () => output, stop };
}

/** Settings every Tandem process of the benchmark shares. */
const tandemEnv = {
  TANDEM_LOG_LEVEL: 'warn',
  TANDEM_ADMIN_TOKEN: adminToken,
  TANDEM_DEV_MAILBOX: '1',
  // The load comes from one address, many people: no per-address caps.
  TANDEM_RATE_LIMIT_PER_IP: '0',
  TANDEM_RATE_LIMIT_PER_EMAIL: '0',
  TANDEM_STREAMS_PER_IP: '0',
};

/**
 * `tandem <command>` (start, serve, worker) as `apps/server/test/process.ts`
 * starts it. `start` is the embedded default: its own PostgreSQL in its data
 * folder, migrated, jobs in the process.
 */
export async function startTandem(
  command: 'start' | 'serve' | 'worker',
  env: Record<string, string> = {},
): Promise<Child & { dataDir: string }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-'));
  const child = await startChild({
    name: `tandem ${command}`,
    args: [join(repoRoot, 'apps/server/bin/tandem.js'), command],
    env: {
      TANDEM_DATA_DIR: dataDir,
      ...tandemEnv,
      ...(env['DATABASE_URL'] ? { TANDEM_SECRET_KEY: secretKey } : {}),
      ...env,
    },
    port,
    ready: command === 'worker' ? /is processing jobs/ : 'health',
    folder: dataDir,
  });
  return { ...child, dataDir };
}

/** `tandem migrate` on `databaseUrl`, to its end (without blocking the other set-ups). */
export async function migrate(databaseUrl: string): Promise<void> {
  const child = spawn(process.execPath, [join(repoRoot, 'apps/server/bin/tandem.js'), 'migrate'], {
    cwd: repoRoot,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      DATABASE_URL: databaseUrl,
      TANDEM_SECRET_KEY: secretKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const forget = atExit('stop tandem migrate', async () => void child.kill('SIGKILL'));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  forget();
  if (code !== 0) throw new Error(`tandem migrate failed (${code}):\n${output}`);
}

/** The Fastify hello-world baseline, with the process settings of a Tandem process. */
export async function startHelloWorld(): Promise<Child> {
  return startChild({
    name: 'hello-world',
    args: ['--import', 'tsx', join(repoRoot, 'tools/bench/hello-world.ts')],
    env: { TANDEM_LOG_LEVEL: tandemEnv.TANDEM_LOG_LEVEL },
    port: await freePort(),
    ready: 'listen',
  });
}

/** A `redis-server` of the run's own, on a free loopback port, keeping nothing on disk. */
export async function startRedis(): Promise<Child> {
  const port = await freePort();
  const folder = await mkdtemp(join(tmpdir(), 'tandem-bench-redis-'));
  let output = '';
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      folder,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    forget();
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      signalGroup(child.pid, 'SIGKILL');
      await exited;
    }
    await rm(folder, { recursive: true, force: true });
  };
  const forget = atExit('stop redis-server', stop);
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(output)) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start in time:\n${output}`);
    }
    await sleep(20);
  }
  return {
    name: 'redis-server',
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid as number,
    output: () => output,
    stop,
  };
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * A new database on the PostgreSQL at `serverUrl` (default: the external
 * one), dropped at the end of the run whatever happens.
 */
export async function createDatabase(
  purpose: string,
  serverUrl: string = postgresUrl(),
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${purpose}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    forget();
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await client.end();
    }
  };
  const forget = atExit(`drop database ${name}`, drop);
  return { url: withDatabase(serverUrl, name), drop };
}

/**
 * The server URL of the embedded PostgreSQL a `tandem start` runs, read
 * from PostgreSQL's own `postmaster.pid` (its fourth line is the port) in
 * `<TANDEM_DATA_DIR>/postgres`; the embedded cluster's superuser is
 * `postgres` with the password `tandem` (core/src/store/embedded.ts).
 */
export async function embeddedPostgresUrl(dataDir: string): Promise<string> {
  const pid = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8');
  const port = Number(pid.split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`No port in ${join(dataDir, 'postgres', 'postmaster.pid')}`);
  return `postgres://postgres:tandem@127.0.0.1:${port}/postgres`;
}
