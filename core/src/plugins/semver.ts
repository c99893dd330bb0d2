/**
 * Just enough semantic versioning to check a plugin's `coreRange` at load
 * time, as Fastify does with its plugins' `fastify` range. Written here rather
 * than depending on `semver`: the subset we need is small and its rules are
 * pinned by the table in `semver.test.ts`.
 *
 * Supported: full versions `x.y.z` with optional `-prerelease` and `+build`;
 * ranges made of `*`, `x.y.z` / `=x.y.z`, `^x.y.z`, `~x.y.z`, `>x.y.z`,
 * `>=x.y.z`, `<x.y.z`, `<=x.y.z`, joined by spaces (AND) and `||` (OR).
 * Partial versions (`^1.2`, `1.x`) and hyphen ranges are not supported and
 * are reported as invalid rather than guessed at.
 */

/** A parsed semantic version. Build metadata is dropped: it never affects precedence. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated pre-release identifiers; numeric ones as numbers. Empty for a release. */
  readonly prerelease: readonly (string | number)[];
}

type Operator = '<' | '<=' | '>' | '>=' | '=';

interface Comparator {
  readonly operator: Operator;
  readonly version: Version;
}

/** Alternatives (`||`) of conjunctions (spaces) of comparators. */
type ParsedRange = readonly (readonly Comparator[])[];

const NUMBER = '0|[1-9]\\d*';
const PRERELEASE_ID = '0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*';
const VERSION_PATTERN = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})` +
    `(?:-((?:${PRERELEASE_ID})(?:\\.(?:${PRERELEASE_ID}))*))?` +
    `(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`,
);

/**
 * Parses a full semantic version (`1.2.3`, `1.2.3-beta.1`, `1.2.3+build.5`).
 *
 * @param text - the version, without a leading `v`
 * @returns the version, or `null` when `text` is not a valid `x.y.z` version
 */
export function parseVersion(text: string): Version | null {
  const match = VERSION_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, major, minor, patch, prerelease] = match;
  const numbers = [Number(major), Number(minor), Number(patch)] as const;
  // Beyond 2^53 the comparison below would silently be wrong.
  if (!numbers.every(Number.isSafeInteger)) return null;
  return {
    major: numbers[0],
    minor: numbers[1],
    patch: numbers[2],
    prerelease: prerelease
      ? prerelease.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id))
      : [],
  };
}

function comparePrerelease(
  a: readonly (string | number)[],
  b: readonly (string | number)[],
): number {
  // A release ranks above any of its pre-releases (1.0.0-rc.1 < 1.0.0).
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    // Numeric identifiers rank below alphanumeric ones (semver §11.4.3).
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Orders two versions by semver precedence.
 *
 * @returns a negative number when `a < b`, 0 when equal, a positive number when `a > b`
 */
export function compareVersions(a: Version, b: Version): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

/** `x.y.z-0`: the lowest version of that triple, so `<x.y.z-0` also shuts out its pre-releases. */
function floor(major: number, minor: number, patch: number): Version {
  return { major, minor, patch, prerelease: [0] };
}

function parseComparators(token: string): Comparator[] | null {
  if (token === '*' || token === 'x' || token === 'X') return [];
  const match = /^(<=|>=|<|>|=|\^|~)?(.+)$/.exec(token);
  if (!match) return null;
  const [, operator, rest = ''] = match;
  const version = parseVersion(rest);
  if (!version) return null;
  const { major, minor, patch } = version;
  switch (operator) {
    case '^':
      // The left-most non-zero number is the one that may not change:
      // ^1.2.3 := <2.0.0, ^0.2.3 := <0.3.0, ^0.0.3 := <0.0.4.
      return [
        { operator: '>=', version },
        {
          operator: '<',
          version:
            major > 0
              ? floor(major + 1, 0, 0)
              : minor > 0
                ? floor(0, minor + 1, 0)
                : floor(0, 0, patch + 1),
        },
      ];
    case '~':
      return [
        { operator: '>=', version },
        { operator: '<', version: floor(major, minor + 1, 0) },
      ];
    case undefined:
      return [{ operator: '=', version }];
    default:
      return [{ operator: operator as Operator, version }];
  }
}

function parseRange(range: string): ParsedRange | null {
  const alternatives: Comparator[][] = [];
  for (const alternative of range.split('||')) {
    // `>= 1.2.3` is common enough in the wild to accept the space.
    const tokens = alternative
      .trim()
      .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter((token) => token !== '');
    const comparators: Comparator[] = [];
    for (const token of tokens) {
      const parsed = parseComparators(token);
      if (!parsed) return null;
      comparators.push(...parsed);
    }
    alternatives.push(comparators);
  }
  return alternatives;
}

/**
 * Tells whether `range` is a range this module understands.
 *
 * @param range - e.g. `^0.1.0 || ^1.0.0`
 */
export function isValidRange(range: string): boolean {
  return parseRange(range) !== null;
}

function test(comparator: Comparator, version: Version): boolean {
  const order = compareVersions(version, comparator.version);
  switch (comparator.operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
      return order === 0;
  }
}

/**
 * Tells whether `version` lies in `range`. Versions are compared by plain
 * semver precedence, so a pre-release of the core (`0.2.0-rc.1`) satisfies
 * `*` and `>=0.1.0`; `^` and `~` upper bounds still exclude the next major's
 * (or minor's) pre-releases.
 *
 * @param version - a full version such as `0.1.0`
 * @param range - a range such as `^0.1.0`, `>=1.2.0 <2.0.0` or `^1.0.0 || ^2.0.0`
 * @returns `false` when either argument cannot be parsed; check ranges with
 *   {@link isValidRange} first when the difference matters
 *
 * @example
 * satisfies('0.1.4', '^0.1.0'); // true
 * satisfies('0.2.0', '^0.1.0'); // false: for 0.x the minor is the breaking number
 */
export function satisfies(version: string, range: string): boolean {
  const parsedVersion = parseVersion(version);
  const parsedRange = parseRange(range);
  if (!parsedVersion || !parsedRange) return false;
  return parsedRange.some((comparators) =>
    comparators.every((comparator) => test(comparator, parsedVersion)),
  );
}
