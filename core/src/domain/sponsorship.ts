import { TandemError, conflict } from '../errors.js';

/**
 * Whether a tier's sponsor agreed to it. A tier that names another
 * organization than the organizer as the one who delivers (or promises
 * another organization's beneficiary) is only `proposed` until that
 * organization's admins accept it; nobody speaks for an organization but
 * its own admins.
 */
export type Sponsorship = 'accepted' | 'proposed' | 'declined';

/** What the proposed sponsor answers. */
export type SponsorshipDecision = 'accept' | 'decline';

/**
 * The sponsorship a new tier starts with: `accepted` when the organizer
 * delivers it and any beneficiary is its own, `proposed` as soon as another
 * organization is named, as sponsor or through its beneficiary.
 *
 * @example
 * initialSponsorship({ organizerId: 'org_a', sponsorId: 'org_b' }); // 'proposed'
 */
export function initialSponsorship(tier: {
  organizerId: string;
  sponsorId: string | null;
  beneficiaryOrganizationId?: string | null;
}): Sponsorship {
  const named = [tier.sponsorId, tier.beneficiaryOrganizationId ?? null];
  return named.every((id) => id === null || id === tier.organizerId) ? 'accepted' : 'proposed';
}

/**
 * The sponsorship after the sponsor's decision. Only a `proposed` one can be
 * decided, once: a second answer is a conflict (409), not a change of mind.
 */
export function decideSponsorship(
  current: Sponsorship,
  decision: SponsorshipDecision,
): Sponsorship {
  if (current !== 'proposed') {
    throw conflict(
      `This sponsorship is already ${current}; only a proposed one can be decided.`,
      'TANDEM_SPONSORSHIP_ALREADY_DECIDED',
    );
  }
  return decision === 'accept' ? 'accepted' : 'declined';
}

/**
 * Refuses to open a challenge while one of its tiers is not agreed by its
 * sponsor (409 `TANDEM_SPONSORSHIP_NOT_ACCEPTED`), naming each such tier:
 * a challenge goes public only with the promises its sponsors made.
 */
export function assertSponsorshipsAccepted(
  tiers: readonly { id: string; rank: number; sponsorship: Sponsorship }[],
): void {
  const pending = tiers.filter((tier) => tier.sponsorship !== 'accepted');
  if (pending.length === 0) return;
  throw new TandemError(
    'TANDEM_SPONSORSHIP_NOT_ACCEPTED',
    `The sponsor has not accepted ${pending
      .map((tier) => `tier "${tier.id}" (${tier.sponsorship})`)
      .join(', ')}; it cannot open before.`,
    pending.map((tier) => ({
      path: `tiers/${tier.rank}/sponsorship`,
      message: `is ${tier.sponsorship}`,
      tierId: tier.id,
    })),
  );
}
