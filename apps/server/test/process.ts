import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, generateSecretKey } from '@tandem/core';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The master key of every process a test file starts: processes that share
 * a database must share it (sealed secrets written by one are opened by
 * another), and none of them runs without one when DATABASE_URL is set.
 */
export const testSecretKey = generateSecretKey();

const cacheDir = join(repoRoot, 'node_modules', '.cache', 'tandem-test');
/** Holds the time the last successful build started (ms since the epoch). */
const buildStamp = join(cacheDir, 'build-stamp');
const buildLock = join(cacheDir, 'build.lock');

/** The newest modification time among the workspace's sources and build settings. */
function newestSourceMtime(): number {
  let newest = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      // The site's generated messages are written by its build, not sources.
      if (entry.isDirectory()) {
        if (entry.name !== 'paraglide') walk(child);
      } else newest = Math.max(newest, statSync(child).mtimeMs);
    }
  };
  for (const group of ['core', 'client', 'plugins', 'apps', 'examples']) {
    const root = join(repoRoot, group);
    if (!existsSync(root)) continue;
    const packages =
      group === 'core' || group === 'client'
        ? [root]
        : readdirSync(root, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => join(root, e.name));
    for (const pkg of packages) {
      for (const sources of ['src', 'messages']) {
        if (existsSync(join(pkg, sources))) walk(join(pkg, sources));
      }
      for (const file of ['package.json', 'tsconfig.build.json']) {
        if (existsSync(join(pkg, file)))
          newest = Math.max(newest, statSync(join(pkg, file)).mtimeMs);
      }
    }
  }
  return newest;
}

/** Blocks this thread for `ms` (buildOnce runs in a synchronous hook). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds the workspace (the `tandem` command runs the compiled code), unless
 * the last build started after every source was last changed. Test files
 * that run at once take turns through a lock, so that one file's build never
 * rewrites `dist/` while another file's processes load it.
 */
export function buildOnce(): void {
  mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(buildLock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run is taken over after 10 minutes.
      const lock = statSync(buildLock, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 600_000)
        rmSync(buildLock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`Waited too long for ${buildLock}`, { cause: error });
      pause(250);
    }
  }
  try {
    const builtAt = existsSync(buildStamp) ? Number(readFileSync(buildStamp, 'utf8')) : 0;
    const built =
      existsSync(join(repoRoot, 'core/dist/index.js')) &&
      existsSync(join(repoRoot, 'apps/server/dist/cli.js')) &&
      existsSync(join(repoRoot, 'apps/web/build/handler.js'));
    if (built && builtAt > newestSourceMtime()) return;
    const startedAt = Date.now();
    const result = spawnSync('npm', ['run', 'build', '--silent'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error(`npm run build failed (${result.status})`);
    writeFileSync(buildStamp, String(startedAt));
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
}

/** Signals a whole process group; one that is already gone is no error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export interface RunningTandem {
  url: string;
  output: () => string;
  /** The process id, also the id of its process group. */
  pid: number;
  /** Stops it gracefully (SIGTERM to its process group, SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** Sends `signal` to its whole process group and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface StartTandemOptions {
  timeoutMs?: number;
  /**
   * When it counts as started: `'health'` (default) waits for `GET /api/health`;
   * a pattern waits for a line of its output (`tandem worker` listens on no port).
   */
  ready?: 'health' | RegExp;
}

/**
 * Starts `tandem <command>` as a real process (its own process group, so
 * that stopping it stops everything it started) and waits for /api/health,
 * or for a line of its output (`options.ready`).
 */
export async function startTandem(
  command: string,
  env: Record<string, string>,
  options: StartTandemOptions = {},
): Promise<RunningTandem> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-e2e-'));
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'apps/server/bin/tandem.js'), command],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        PORT: String(port),
        TANDEM_DATA_DIR: dataDir,
        TANDEM_LOG_LEVEL: 'warn',
        TANDEM_SECRET_KEY: testSecretKey,
        ...env,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (isRunning() && child.pid) {
      signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (isRunning() && child.pid) {
      signalGroup(child.pid, signal);
      await exited;
    }
  };

  const ready = options.ready ?? 'health';
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (!isRunning()) {
      await stop();
      throw new Error(`tandem ${command} exited early (${child.exitCode}):\n${output}`);
    }
    if (ready === 'health') {
      try {
        const response = await fetch(`${url}/api/health`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
    } else if (ready.test(output)) break;
    if (Date.now() > deadline) {
      await stop();
      const what = ready === 'health' ? 'answer /api/health' : `print ${String(ready)}`;
      throw new Error(`tandem ${command} did not ${what} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, ready === 'health' ? 200 : 50));
  }
  return { url, output: () => output, pid: child.pid as number, stop, kill };
}
