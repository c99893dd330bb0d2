import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const coreSrc = dirname(fileURLToPath(import.meta.url));
const repo = join(coreSrc, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('core stays plugin-agnostic', () => {
  // Adding a plugin touches no line of core (DESIGN.md): core may not even name one.
  const pluginIds = readdirSync(join(repo, 'plugins')).filter((name) =>
    statSync(join(repo, 'plugins', name)).isDirectory(),
  );

  it('finds the plugins to check against', () => {
    expect(pluginIds).toContain('commute');
  });

  it('has no file under core/ that mentions a plugin by name', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(coreSrc)) {
      if (file === fileURLToPath(import.meta.url)) continue;
      const text = readFileSync(file, 'utf8');
      for (const id of pluginIds) {
        const pattern = new RegExp(
          `(^|[^a-z0-9-])${id.replace(/-/g, '[- ]?')}([^a-z0-9-]|$)`,
          'im',
        );
        if (pattern.test(text)) offenders.push(`${relative(repo, file)} mentions "${id}"`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
