import { describe, expect, it } from 'vitest';
import { TandemError } from '@tandem/core';
import {
  basicAuth,
  generatePartnerKey,
  hashPartnerKey,
  keyMatches,
  parseBasicAuth,
} from './keys.js';
import {
  completionOf,
  isSupportedVersion,
  readStatement,
  readStatements,
  XapiVerbs,
  type ReadStatement,
} from './xapi.js';

/** Reading statements, deciding what counts, and partner keys: no database. */

const COURSE = 'https://lms.example/courses/eco-driving';
const actor = { objectType: 'Agent', name: 'Ann', mbox: 'mailto:ann@example.org' };
const completed = (extra: Record<string, unknown> = {}) => ({
  actor,
  verb: { id: XapiVerbs.completed, display: { 'en-US': 'completed' } },
  object: { id: COURSE, objectType: 'Activity' },
  ...extra,
});

/** The path named by the TandemError `fn` throws. */
function refusedPath(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TandemError);
    expect((error as TandemError).code).toBe('TANDEM_REQUEST_INVALID');
    return (error as TandemError).details?.[0]?.path;
  }
  throw new Error('expected a refusal');
}

describe('readStatement', () => {
  it('reads who, what, which course, when and the score, and keeps the given id', () => {
    const id = '6E2B0C3A-1F4D-4E5A-9B7C-2D3E4F5A6B7C';
    const read = readStatement(
      completed({
        id,
        timestamp: '2026-03-10T09:30:00Z',
        result: { completion: true, success: true, score: { scaled: 0.875 } },
      }),
      'statement',
    );
    expect(read.id).toBe(id.toLowerCase());
    expect(read.generatedId).toBe(false);
    expect(read.actor.kind).toBe('email');
    expect(read.actor.kind === 'email' && read.actor.email.canonical).toBe('ann@example.org');
    expect(read.activityId).toBe(COURSE);
    expect(read.timestamp?.toISOString()).toBe('2026-03-10T09:30:00.000Z');
    expect(read.result).toEqual({ completion: true, success: true, scorePercent: 87.5 });
  });

  it('generates a UUID v4 when the statement has no id', () => {
    const read = readStatement(completed(), 'statement');
    expect(read.generatedId).toBe(true);
    expect(read.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('accepts extensions and fields it does not know', () => {
    const read = readStatement(
      completed({
        context: {
          platform: 'Moodle',
          extensions: { 'https://lms.example/ext/session': { seat: 3 } },
        },
        result: { completion: true, duration: 'PT42M', extensions: { 'https://x/y': 1 } },
        object: {
          id: COURSE,
          definition: { name: { 'fr-FR': 'Écoconduite' }, extensions: { 'https://x/z': [] } },
        },
        somethingNew: { from: 'xAPI 2.0' },
      }),
      'statement',
    );
    expect(completionOf(read).counts).toBe(true);
  });

  it('reads an account actor, and tells a Group or a hashed mbox apart as unmapped', () => {
    const account = { homePage: 'https://lms.example', name: 'learner-42' };
    expect(readStatement(completed({ actor: { account } }), 's').actor).toEqual({
      kind: 'account',
      ...account,
    });
    expect(
      readStatement(completed({ actor: { mbox_sha1sum: 'ab'.repeat(20) } }), 's').actor.kind,
    ).toBe('unmapped');
    expect(
      readStatement(completed({ actor: { objectType: 'Group', member: [actor] } }), 's').actor.kind,
    ).toBe('unmapped');
  });

  it('refuses what it reads when malformed, naming the path', () => {
    expect(refusedPath(() => readStatement(completed({ id: 'not-a-uuid' }), 'statement'))).toBe(
      'statement/id',
    );
    expect(
      refusedPath(() => readStatement(completed({ verb: { display: {} } }), 'statement')),
    ).toBe('statement/verb/id');
    expect(
      refusedPath(() => readStatement(completed({ actor: { name: 'Ann' } }), 'statement')),
    ).toBe('statement/actor');
    expect(
      refusedPath(() => readStatement(completed({ actor: { mbox: 'ann@example.org' } }), 's')),
    ).toBe('s/actor/mbox');
    // Core's address grammar, at the edge: a list or a quoted or invisible
    // spelling in the mbox is the statement's 400, not a second person.
    for (const mbox of [
      'mailto:ann@example.org,eve@example.org',
      'mailto:ann%2Ceve@example.org',
      'mailto:%22ann%22@example.org',
      'mailto:ann%E2%80%8B@example.org',
      'mailto:ann@example.org?cc=eve@example.org',
    ]) {
      expect(refusedPath(() => readStatement(completed({ actor: { mbox } }), 's'))).toBe(
        's/actor/mbox',
      );
    }
    expect(refusedPath(() => readStatement(completed({ object: {} }), 's'))).toBe('s/object/id');
    expect(refusedPath(() => readStatement(completed({ timestamp: 'yesterday' }), 's'))).toBe(
      's/timestamp',
    );
    expect(
      refusedPath(() => readStatement(completed({ result: { completion: 'yes' } }), 's')),
    ).toBe('s/result/completion');
    expect(
      refusedPath(() => readStatement(completed({ result: { score: { scaled: 2 } } }), 's')),
    ).toBe('s/result/score/scaled');
  });

  it('takes the PUT statementId, which the body may repeat but not contradict', () => {
    const id = '0b7c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    expect(readStatement(completed(), 'statement', id).id).toBe(id);
    expect(
      refusedPath(() =>
        readStatement(completed({ id: '1b7c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d' }), 'statement', id),
      ),
    ).toBe('statement/id');
  });

  it('gives the same fingerprint whatever the key order, another for other content', () => {
    const a = readStatement({ verb: completed().verb, object: completed().object, actor }, 's');
    const b = readStatement(completed({ id: '0b7c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d' }), 's');
    const c = readStatement(completed({ result: { score: { scaled: 0.5 } } }), 's');
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});

describe('readStatements', () => {
  it('reads one statement or an array, and refuses a batch repeating an id', () => {
    expect(readStatements(completed())).toHaveLength(1);
    expect(readStatements([completed(), completed()])).toHaveLength(2);
    const id = '0b7c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    expect(refusedPath(() => readStatements([completed({ id }), completed({ id })]))).toBe(
      'statements/1/id',
    );
    expect(refusedPath(() => readStatements([completed(), { actor }]))).toBe('statements/1/verb');
    expect(refusedPath(() => readStatements([]))).toBe('statements');
  });
});

describe('completionOf', () => {
  const read = (extra: Record<string, unknown>): ReadStatement =>
    readStatement(completed(extra), 's');

  it('counts completed and passed for an activity', () => {
    expect(completionOf(read({}))).toMatchObject({ counts: true, courseId: COURSE });
    expect(
      completionOf(
        read({ verb: { id: XapiVerbs.passed }, result: { score: { raw: 18, max: 20 } } }),
      ),
    ).toMatchObject({ counts: true, scorePercent: 90 });
  });

  it('ignores other verbs, contradicted results, voiding and non-activities, saying why', () => {
    const cases: Record<string, unknown>[] = [
      { verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' } },
      { verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } },
      { result: { completion: false } },
      { verb: { id: XapiVerbs.passed }, result: { success: false } },
      { verb: { id: XapiVerbs.voided }, object: { objectType: 'StatementRef', id: 'x' } },
      { object: { objectType: 'StatementRef', id: '0b7c1a2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d' } },
    ];
    for (const extra of cases) {
      const completion = completionOf(read(extra));
      expect(completion.counts, JSON.stringify(extra)).toBe(false);
      if (!completion.counts) expect(completion.reason).not.toBe('');
    }
  });
});

describe('versions and keys', () => {
  it('speaks xAPI 1.0.x only', () => {
    for (const version of ['1.0.3', '1.0.0', '1.0']) expect(isSupportedVersion(version)).toBe(true);
    for (const version of [undefined, '', '0.95', '2.0.0', '1.0.3.1', '1.05']) {
      expect(isSupportedVersion(version)).toBe(false);
    }
  });

  it('checks a key against its hash, and reads the Basic header clients send', () => {
    const key = generatePartnerKey();
    expect(keyMatches(key, hashPartnerKey(key))).toBe(true);
    expect(keyMatches(`${key}x`, hashPartnerKey(key))).toBe(false);
    expect(parseBasicAuth(basicAuth('elp_1', key))).toEqual({ username: 'elp_1', password: key });
    expect(parseBasicAuth('Bearer abc')).toBeNull();
    expect(parseBasicAuth(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeNull();
  });
});
