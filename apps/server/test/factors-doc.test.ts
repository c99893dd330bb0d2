import { readFileSync } from 'node:fs';
import { renderFactorsDoc, type ActionType } from '@tandem/core';
import { describe, expect, it } from 'vitest';
import { plugins } from '../src/tandem.config.js';

const actionTypes = plugins.filter((plugin): plugin is ActionType => plugin.kind === 'action-type');
const doc = readFileSync(new URL('../../../docs/factors.md', import.meta.url), 'utf8');

/** docs/factors.md against the factors the server's plugins declare (ADR 0045). */
describe('docs/factors.md', () => {
  it('is what the registered plugins’ factors render (run `npm run docs:catalogue`)', () => {
    expect(doc).toBe(renderFactorsDoc(actionTypes));
  });

  it('lists every declared factor with its value, dataset identifier and release', () => {
    const declared = actionTypes.flatMap((type) => type.factors);
    expect(declared.length).toBeGreaterThan(20);
    for (const factor of declared) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${factor.key}\` |`));
      expect(row, factor.key).toBeDefined();
      expect(row).toContain(`| ${factor.versionDate} |`);
      expect(row).toContain(factor.datasetId.replace(/\|/g, '\\|'));
    }
    expect(doc).toContain('| `car` | 0.2176 | kg CO2e / passenger-km |');
    expect(doc).toContain('| `savingShare` | 0.15 |');
    expect(doc).toContain('| `vegetarian-meal-weekly` | 55 | kg CO2e / year |');
  });
});
