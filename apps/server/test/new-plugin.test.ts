import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportName, scaffoldPlugin } from '../src/new-plugin.js';
import { repoRoot } from './process.js';

describe('tandem new-plugin', () => {
  it('names the export after the id', () => {
    expect(exportName('bike-to-school')).toBe('bikeToSchool');
    expect(exportName('x2-y')).toBe('x2Y');
  });

  it('refuses ids that are not kebab-case and folders that exist', async () => {
    await expect(scaffoldPlugin(repoRoot, 'Bad_Id')).rejects.toThrow(/kebab-case/);
    await expect(scaffoldPlugin(repoRoot, 'webhooks')).rejects.toThrow(/already exists/);
  });

  it('scaffolds a plugin that typechecks, lints and passes its own tests untouched', async () => {
    const id = `scaffold-${Date.now().toString(36)}`;
    const dir = join(repoRoot, 'plugins', id);
    try {
      expect(await scaffoldPlugin(repoRoot, id)).toBe(dir);
      expect(existsSync(join(dir, 'src', 'index.ts'))).toBe(true);
      expect(existsSync(join(dir, 'src', 'routes.ts'))).toBe(true);

      const tests = spawnSync('npx', ['vitest', 'run', `plugins/${id}`], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      expect(tests.status, tests.stdout + tests.stderr).toBe(0);
      // Three tests of its own and the five of the action-type contract.
      expect(tests.stdout).toMatch(/Tests: 8 passed, 0 failed/);

      const lint = spawnSync('npx', ['eslint', `plugins/${id}`], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      const build = spawnSync('npx', ['tsc', '-p', join(dir, 'tsconfig.build.json'), '--noEmit'], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(build.status, build.stdout + build.stderr).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
