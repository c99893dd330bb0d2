import { describe, expect, it } from 'vitest';
import { compareVersions, isValidRange, parseVersion, satisfies } from './semver.js';

describe('parseVersion', () => {
  it.each([
    ['1.2.3', { major: 1, minor: 2, patch: 3, prerelease: [] }],
    ['0.0.0', { major: 0, minor: 0, patch: 0, prerelease: [] }],
    ['1.2.3-beta.1', { major: 1, minor: 2, patch: 3, prerelease: ['beta', 1] }],
    ['1.2.3+build.7', { major: 1, minor: 2, patch: 3, prerelease: [] }],
    ['10.20.30-rc.0+sha.abc', { major: 10, minor: 20, patch: 30, prerelease: ['rc', 0] }],
  ])('parses %s', (text, expected) => {
    expect(parseVersion(text)).toEqual(expected);
  });

  it.each([
    '1.2',
    '1',
    'v1.2.3',
    '01.2.3',
    '1.2.3-',
    '1.2.3-01',
    'a.b.c',
    '',
    '1.2.3.4',
    '99999999999999999.0.0',
  ])('refuses %j', (text) => {
    expect(parseVersion(text)).toBeNull();
  });
});

describe('compareVersions', () => {
  // Each version ranks strictly below the next (semver §11's own example).
  const ordered = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '2.0.0',
  ];

  it('follows semver precedence', () => {
    const parsed = ordered.map((text) => parseVersion(text)!);
    for (let i = 0; i + 1 < parsed.length; i++) {
      expect(compareVersions(parsed[i]!, parsed[i + 1]!)).toBeLessThan(0);
      expect(compareVersions(parsed[i + 1]!, parsed[i]!)).toBeGreaterThan(0);
    }
  });

  it('ignores build metadata', () => {
    expect(compareVersions(parseVersion('1.0.0+a')!, parseVersion('1.0.0+b')!)).toBe(0);
  });
});

describe('satisfies', () => {
  it.each([
    // any
    ['0.1.0', '*', true],
    ['7.3.1', '', true],
    ['0.2.0-rc.1', '*', true],
    // exact
    ['1.2.3', '1.2.3', true],
    ['1.2.3', '=1.2.3', true],
    ['1.2.4', '1.2.3', false],
    // caret, 1.x and up: the major is fixed
    ['1.2.3', '^1.2.3', true],
    ['1.9.0', '^1.2.3', true],
    ['1.2.2', '^1.2.3', false],
    ['2.0.0', '^1.2.3', false],
    ['2.0.0-beta.1', '^1.2.3', false],
    ['1.3.0-beta.1', '^1.2.3', true],
    // caret, 0.x: the minor is the breaking number
    ['0.2.3', '^0.2.3', true],
    ['0.2.9', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['0.2.2', '^0.2.3', false],
    ['0.1.0', '^0.1.0', true],
    ['0.1.7', '^0.1.0', true],
    ['0.2.0', '^0.1.0', false],
    // caret, 0.0.x: only that patch
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    // tilde: the minor is fixed
    ['1.2.3', '~1.2.3', true],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.2.2', '~1.2.3', false],
    ['0.1.5', '~0.1.0', true],
    // comparisons
    ['1.2.3', '>=1.2.3', true],
    ['1.2.2', '>=1.2.3', false],
    ['1.2.4', '>1.2.3', true],
    ['1.2.3', '>1.2.3', false],
    ['1.9.9', '<2.0.0', true],
    ['2.0.0', '<2.0.0', false],
    ['2.0.0', '<=2.0.0', true],
    ['1.0.0', '>= 1.0.0', true],
    // AND (spaces)
    ['1.5.0', '>=1.2.3 <2.0.0', true],
    ['2.0.0', '>=1.2.3 <2.0.0', false],
    ['1.0.0', '>=1.2.3 <2.0.0', false],
    // OR
    ['0.1.4', '^0.1.0 || ^1.0.0', true],
    ['1.4.0', '^0.1.0 || ^1.0.0', true],
    ['0.2.0', '^0.1.0 || ^1.0.0', false],
    ['3.0.0', '<1.0.0 || >=3.0.0', true],
    // unparsable input never satisfies
    ['1.2', '*', false],
    ['1.2.3', '^1.2', false],
    ['1.2.3', '1.x', false],
    ['1.2.3', '>>1.0.0', false],
  ])('%s in %j → %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe('isValidRange', () => {
  it.each(['*', '', '1.2.3', '^0.1.0', '~1.2.3', '>=1.2.3 <2.0.0', '^0.1.0 || ^1.0.0', '>= 1.0.0'])(
    'accepts %j',
    (range) => {
      expect(isValidRange(range)).toBe(true);
    },
  );

  it.each(['^1.2', '1.x', 'latest', '1.2.3 - 2.0.0', '>>1.0.0', '^'])('refuses %j', (range) => {
    expect(isValidRange(range)).toBe(false);
  });
});
