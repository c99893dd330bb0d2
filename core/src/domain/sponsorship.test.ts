import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import {
  assertSponsorshipsAccepted,
  decideSponsorship,
  initialSponsorship,
  type Sponsorship,
} from './sponsorship.js';

describe('initialSponsorship', () => {
  it('given the organizer as sponsor with its own beneficiary, then accepted', () => {
    expect(initialSponsorship({ organizerId: 'a', sponsorId: 'a' })).toBe('accepted');
    expect(initialSponsorship({ organizerId: 'a', sponsorId: null })).toBe('accepted');
    expect(
      initialSponsorship({ organizerId: 'a', sponsorId: 'a', beneficiaryOrganizationId: 'a' }),
    ).toBe('accepted');
  });

  it('given another organization as sponsor or as owner of the beneficiary, then proposed', () => {
    expect(initialSponsorship({ organizerId: 'a', sponsorId: 'b' })).toBe('proposed');
    expect(
      initialSponsorship({ organizerId: 'a', sponsorId: 'a', beneficiaryOrganizationId: 'b' }),
    ).toBe('proposed');
    expect(
      initialSponsorship({ organizerId: 'a', sponsorId: null, beneficiaryOrganizationId: 'b' }),
    ).toBe('proposed');
  });
});

describe('decideSponsorship', () => {
  it('given a proposed sponsorship, when decided, then accepted or declined', () => {
    expect(decideSponsorship('proposed', 'accept')).toBe('accepted');
    expect(decideSponsorship('proposed', 'decline')).toBe('declined');
  });

  it('given one already decided, when decided again, then a 409 conflict', () => {
    for (const current of ['accepted', 'declined'] as Sponsorship[]) {
      for (const decision of ['accept', 'decline'] as const) {
        let thrown: unknown;
        try {
          decideSponsorship(current, decision);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(TandemError);
        expect((thrown as TandemError).status).toBe(409);
      }
    }
  });
});

describe('assertSponsorshipsAccepted', () => {
  it('given only accepted tiers, then passes', () => {
    expect(() =>
      assertSponsorshipsAccepted([{ id: 't0', rank: 0, sponsorship: 'accepted' }]),
    ).not.toThrow();
  });

  it('given a proposed or declined tier, then 409 naming each one', () => {
    let thrown: unknown;
    try {
      assertSponsorshipsAccepted([
        { id: 't0', rank: 0, sponsorship: 'accepted' },
        { id: 't1', rank: 1, sponsorship: 'proposed' },
        { id: 't2', rank: 2, sponsorship: 'declined' },
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TandemError);
    const error = thrown as TandemError;
    expect(error.code).toBe('TANDEM_SPONSORSHIP_NOT_ACCEPTED');
    expect(error.details?.map((d) => d.path)).toEqual([
      'tiers/1/sponsorship',
      'tiers/2/sponsorship',
    ]);
  });
});
