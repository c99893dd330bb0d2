import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tandem/core';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Builds the workspace once (the `tandem` command runs the compiled code). */
export function buildOnce(): void {
  const result = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status})`);
}

export interface RunningTandem {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `tandem <command>` as a real process (its own process group, so
 * that stopping it stops everything it started) and waits for /api/health.
 */
export async function startTandem(
  command: string,
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
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

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`tandem ${command} exited early (${child.exitCode}):\n${output}`);
    }
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`tandem ${command} did not answer /api/health in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, output: () => output, stop };
}
