import { loadChallengePage, pledge } from '$lib/server/challenge-page';
import type { Actions, PageServerLoad } from './$types';

/** A challenge's public page, its owner's (ADR 0048 for a partner's own page of it). */
export const load: PageServerLoad = (event) => loadChallengePage(event);

export const actions: Actions = {
  /** A pledge counted in the owner's share (a federated challenge's partners have their own pages). */
  pledge: (event) => pledge(event, null),
};
