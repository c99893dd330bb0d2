import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every visible string is in French and in English (issue 9's rule, kept
 * by each area of the console): a key in one language only would show the
 * French fallback to an English reader, or nothing useful at all.
 */
const messages = join(dirname(fileURLToPath(import.meta.url)), '..', 'messages');
const settings = JSON.parse(
  readFileSync(join(messages, '..', 'project.inlang', 'settings.json'), 'utf8'),
) as { locales: string[]; 'plugin.inlang.messageFormat': { pathPattern: string[] } };

const keysOf = (file: string): string[] =>
  Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    .filter((key) => key !== '$schema')
    .sort();

describe('the site’s messages', () => {
  const folders = [
    messages,
    ...readdirSync(messages, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(messages, entry.name)),
  ];

  it('are read from every folder that holds them', () => {
    const read = settings['plugin.inlang.messageFormat'].pathPattern.map((pattern) =>
      join(messages, '..', dirname(pattern)),
    );
    expect(read.sort()).toEqual(folders.sort());
  });

  it.each(folders.map((folder) => [folder.slice(messages.length) || '/', folder]))(
    'has the same keys in every language in %s',
    (_, folder) => {
      const [first, ...others] = settings.locales.map((locale) =>
        keysOf(join(folder, `${locale}.json`)),
      );
      for (const keys of others) expect(keys).toEqual(first);
    },
  );

  it('gives each key to one file only', () => {
    const owner = new Map<string, string>();
    const twice: string[] = [];
    for (const folder of folders) {
      for (const key of keysOf(join(folder, 'fr.json'))) {
        if (owner.has(key)) twice.push(`${key} in ${owner.get(key)} and ${folder}`);
        owner.set(key, folder);
      }
    }
    expect(twice).toEqual([]);
  });
});
