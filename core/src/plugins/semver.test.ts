import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import { defineIntegration, isVersion } from './index.js';
import { createRegistry } from './registry.js';

// Versions and ranges are the `semver` package's; these pin what Tandem
// asks of it at load time: exact x.y.z versions, ranges npm understands,
// and a core pre-release counted as its version.

const plugin = (coreRange: string, version = '1.0.0') =>
  defineIntegration({ id: 'probe', version, coreRange, title: { fr: 'Sonde', en: 'Probe' } });

function refusal(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected a TandemError');
}

describe('plugin versions', () => {
  it.each(['1.2.3', '0.0.0', '1.2.3-beta.1', '1.2.3+build.7', '10.20.30-rc.0+sha.abc'])(
    'accepts %s',
    (version) => {
      expect(isVersion(version)).toBe(true);
      expect(plugin('*', version).version).toBe(version);
    },
  );

  it.each(['1.2', '1', 'v1.2.3', '=1.2.3', ' 1.2.3', '01.2.3', '1.2.3-01', 'a.b.c', '', '1.2.3.4'])(
    'refuses %j with TANDEM_PLUGIN_INVALID on version',
    (version) => {
      expect(isVersion(version)).toBe(false);
      const error = refusal(() => plugin('*', version));
      expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
      expect(error.details?.map((detail) => detail.path)).toEqual(['version']);
    },
  );
});

describe('coreRange', () => {
  it.each(['*', '', '1.2.3', '^0.1.0', '~1.2.3', '>=1.2.3 <2.0.0', '^0.1.0 || ^1.0.0', '1.x'])(
    'accepts %j',
    (range) => {
      expect(plugin(range).coreRange).toBe(range);
    },
  );

  it.each(['latest', '>>1.0.0', '^', 'one'])('refuses %j on coreRange', (range) => {
    const error = refusal(() => plugin(range));
    expect(error.details?.map((detail) => detail.path)).toEqual(['coreRange']);
  });

  it.each([
    ['0.1.0', '^0.1.0', true],
    ['0.1.7', '^0.1.0', true],
    ['0.2.0', '^0.1.0', false],
    ['1.9.0', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['2.0.0-beta.1', '^1.2.3', false],
    ['1.3.0-beta.1', '^1.2.3', true],
    ['0.2.0-rc.1', '*', true],
    ['1.5.0', '>=1.2.3 <2.0.0', true],
    ['3.0.0', '<1.0.0 || >=3.0.0', true],
    ['0.2.0', '^0.1.0 || ^1.0.0', false],
  ])('core %s with coreRange %j: registered %s', (coreVersion, range, accepted) => {
    const registry = createRegistry({ coreVersion });
    if (accepted) {
      expect(() => registry.register(plugin(range))).not.toThrow();
    } else {
      expect(refusal(() => registry.register(plugin(range))).code).toBe(
        'TANDEM_PLUGIN_INCOMPATIBLE',
      );
    }
  });
});
