import { describe, expect, it } from 'vitest';
import {
  challengeIdIn,
  parsePartners,
  parseShares,
  readAudience,
} from '../src/lib/challenge/federation.js';

/**
 * What the federated challenge's pages read from the API and the live
 * stream (ADR 0048): shares ranked whatever order they came in, malformed
 * entries left out, and the audience an admin types checked before it is sent.
 */
describe('federation parsers', () => {
  it('ranks shares by participants, then quantity, then name, and drops what is not a share', () => {
    const shares = parseShares([
      { organization: 'b', name: 'Beta', participants: 3, quantity: 1, co2eKg: 2 },
      { organization: 'a', name: 'Alpha', participants: 3, quantity: 1, co2eKg: 2 },
      { organization: 'c', name: 'Gamma', participants: 3, quantity: 9, co2eKg: 5 },
      { organization: 'd', name: 'Delta', participants: 7, quantity: 0, co2eKg: 0 },
      { name: 'no slug', participants: 100 },
      'nonsense',
      { organization: 'e', participants: -4, quantity: Number.NaN },
    ]);
    expect(shares.map((s) => s.organization)).toEqual(['d', 'c', 'a', 'b', 'e']);
    // A negative or missing count reads as zero, a missing name as the slug.
    expect(shares[4]).toEqual({
      organization: 'e',
      name: 'e',
      participants: 0,
      quantity: 0,
      co2eKg: 0,
    });
    expect(parseShares(undefined)).toEqual([]);
    expect(parseShares({ shares: [] })).toEqual([]);
  });

  it('reads partners from `{items}` and leaves out an unknown status', () => {
    const partners = parsePartners({
      items: [
        {
          organization: 'campus',
          name: 'Campus',
          status: 'accepted',
          audience: { type: 'email-domain', domains: ['campus.example', 3] },
          invitedAt: '2026-12-01T10:00:00Z',
          decidedAt: null,
        },
        { organization: 'other', name: 'Other', status: 'maybe' },
      ],
    });
    expect(partners).toEqual([
      {
        organization: 'campus',
        name: 'Campus',
        status: 'accepted',
        audience: { type: 'email-domain', domains: ['campus.example'] },
        invitedAt: '2026-12-01T10:00:00Z',
        decidedAt: null,
      },
    ]);
  });

  it('checks the audience an admin chose, domains included', () => {
    expect(readAudience('public', '')).toEqual({ ok: true, value: { type: 'public' } });
    expect(readAudience('members', 'ignored.example')).toEqual({
      ok: true,
      value: { type: 'members' },
    });
    // Anything unknown is the narrowest safe reading of a missing choice: everyone.
    expect(readAudience('<script>', '')).toEqual({ ok: true, value: { type: 'public' } });
    expect(
      readAudience('email-domain', ' @Campus.example, campus.example;lab.example.org '),
    ).toEqual({
      ok: true,
      value: { type: 'email-domain', domains: ['campus.example', 'lab.example.org'] },
    });
    expect(readAudience('email-domain', '  ')).toEqual({ ok: false, problem: 'domains-missing' });
    expect(readAudience('email-domain', 'campus example')).toEqual({
      ok: false,
      problem: 'domain-invalid',
    });
    expect(readAudience('email-domain', 'a@b.example')).toEqual({
      ok: false,
      problem: 'domain-invalid',
    });
  });

  it('finds the challenge in what an admin pastes, and nothing in anything else', () => {
    expect(challengeIdIn('https://defis.example/c/ch_123?x=1')).toBe('ch_123');
    expect(challengeIdIn('https://defis.example/admin/campus/partners?challenge=ch-9#x')).toBe(
      'ch-9',
    );
    expect(challengeIdIn('  ch_42 ')).toBe('ch_42');
    expect(challengeIdIn('https://defis.example/o/campus')).toBeNull();
    expect(challengeIdIn('../../etc/passwd')).toBeNull();
    expect(challengeIdIn('')).toBeNull();
    expect(challengeIdIn(null)).toBeNull();
  });
});
