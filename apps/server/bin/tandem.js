#!/usr/bin/env node
// The `tandem` command. It runs the compiled CLI; when the workspace has not
// been built yet (a fresh `npm ci`), it builds it first, once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
const core = join(here, '..', '..', '..', 'core', 'dist', 'index.js');

if (!existsSync(cli) || !existsSync(core)) {
  const root = join(here, '..', '..', '..');
  console.error('Building Tandem (first run)…');
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await import(pathToFileURL(cli).href);
