import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf, syncScope } from './sync.js';

describe('what identifies a sync item', () => {
  it('writes JSON with keys sorted at every depth, dropping undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], u: undefined })).toBe(
      '{"a":[{"c":3,"d":2}],"b":1}',
    );
    expect(canonicalJson(['x', null, true])).toBe('["x",null,true]');
  });

  it('fingerprints the same enrolment alike whatever its key order, and not across challenges', () => {
    const one = { resident: { email: 'a@example.org' }, consent: { given: true, text: 'ok' } };
    const reordered = {
      consent: { text: 'ok', given: true },
      resident: { email: 'a@example.org' },
    };
    expect(fingerprintOf('chl_1', reordered)).toBe(fingerprintOf('chl_1', one));
    expect(fingerprintOf('chl_2', one)).not.toBe(fingerprintOf('chl_1', one));
    expect(fingerprintOf('chl_1', { ...one, displayName: 'A' })).not.toBe(
      fingerprintOf('chl_1', one),
    );
  });

  it('scopes keys to the agent, not to their session', () => {
    const agent = {
      kind: 'participant',
      participantId: 'ptc_1',
      email: null,
      roles: new Map(),
    } as const;
    expect(syncScope(agent)).toBe('ptc_1');
    expect(syncScope({ kind: 'admin' })).toBe('admin');
  });
});
