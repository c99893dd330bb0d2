import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The SDK is one-way (ADR 0019): what a plugin sees depends on nothing of
// the engine. Lint says so too; this reads the files themselves, so a
// lint set-up that stops matching them cannot let an import through.
const sdk = join(dirname(fileURLToPath(import.meta.url)), '..', 'sdk');

/** Every module specifier a file names: static imports, re-exports and dynamic imports. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.push(match[1] as string);
  }
  return found;
}

/** Whether an SDK file may import `specifier`. */
function allowedInSdk(specifier: string): boolean {
  return (
    /^\.\/[^/]+$/.test(specifier) ||
    specifier === '@sinclair/typebox' ||
    specifier.startsWith('@sinclair/typebox/') ||
    specifier === 'semver' ||
    specifier.startsWith('node:')
  );
}

describe('the plugin SDK imports nothing of the engine', () => {
  const files = readdirSync(sdk, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.ts'),
  );

  it('reads the SDK files, and the reader finds every kind of import', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'capabilities.ts', 'routes.ts']));
    const sample = [
      "import { a } from '../errors.js';",
      "import type { B } from './b.js';",
      "export * from '../http/app.js';",
      "export { c } from './c.js';",
      "const d = await import('../store/database.js');",
      "import './side-effect.js';",
    ].join('\n');
    expect(specifiersOf(sample).sort()).toEqual(
      [
        '../errors.js',
        './b.js',
        '../http/app.js',
        './c.js',
        '../store/database.js',
        './side-effect.js',
      ].sort(),
    );
    expect(['../errors.js', './sub/../../x.js', 'fastify'].filter(allowedInSdk)).toEqual([]);
  });

  it('has no file that imports outside core/src/sdk, TypeBox, semver and node builtins', () => {
    const offenders = files.flatMap((file) =>
      specifiersOf(readFileSync(join(sdk, file), 'utf8'))
        .filter((specifier) => !allowedInSdk(specifier))
        .map((specifier) => `core/src/sdk/${file} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });
});
