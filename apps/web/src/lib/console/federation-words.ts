import type { Audience, PartnerStatus } from '$lib/challenge/federation';
import { audienceWord } from '$lib/console/words';
import { m } from '$lib/paraglide/messages';

/** Where a partner stands, in words. */
export function partnerStatusWord(status: PartnerStatus): string {
  switch (status) {
    case 'invited':
      return m.fed_status_invited();
    case 'accepted':
      return m.fed_status_accepted();
    case 'declined':
      return m.fed_status_declined();
    case 'left':
      return m.fed_status_left();
  }
}

/** A partner's audience in words, with its e-mail domains when it has some. */
export function partnerAudienceWord(audience: Audience | null): string {
  if (!audience) return '—';
  if (audience.type === 'email-domain' && audience.domains.length > 0) {
    return `${audienceWord(audience.type)} (${audience.domains.join(', ')})`;
  }
  return audienceWord(audience.type);
}
