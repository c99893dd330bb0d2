import { loadChallengePage, pledge } from '$lib/server/challenge-page';
import type { Actions, PageServerLoad } from './$types';

/**
 * A partner's white-label page of a federated challenge (ADR 0048): the
 * shared challenge in the partner's branding and words, its own row in
 * the ranking. A 404 unless the organization shares the challenge.
 */
export const load: PageServerLoad = (event) => loadChallengePage(event, event.params.slug);

export const actions: Actions = {
  /** A pledge through this partner: `via` comes from the address, the API checks it again. */
  pledge: (event) => pledge(event, event.params.slug),
};
