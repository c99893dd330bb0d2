import type { RequestEvent } from '@sveltejs/kit';
import {
  challengeIdIn,
  parsePartner,
  parsePartners,
  parseShares,
  type Audience,
  type Partner,
  type PartnerStatus,
  type Share,
} from '$lib/challenge/federation';
import { apiError, apiFor, type ApiError } from '$lib/server/api';
import { m } from '$lib/paraglide/messages';

/**
 * The console's side of federated challenges (ADR 0043): the partners of a
 * challenge, an invitation, a decision, leaving or withdrawing. Each call
 * acts with the admin's own session; the API decides who may do what (the
 * pages' `requireRole` only keeps them from offering what it would refuse).
 * Answers are parsed here, once, into the types of `$lib/challenge/federation`.
 */

/** An answer of the API as this module reads it. */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The API as the admin whose session this is. */
const federationApi = (event: RequestEvent, session: string) => apiFor(event, session);

/** What a refused call said: its status and the API's error. */
export interface Refusal {
  status: number;
  problem: ApiError;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const refused = (answer: Answer): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal: { status: answer.response.status, problem: apiError(answer.error) },
});

/** The partners of a challenge (owner admins and partner admins), or null when the API says no. */
export async function loadPartners(
  event: RequestEvent,
  session: string,
  challengeId: string,
): Promise<Partner[] | null> {
  const answer = await federationApi(event, session).GET('/api/challenges/{id}/partners', {
    params: { path: { id: challengeId } },
  });
  return answer.data === undefined ? null : parsePartners(answer.data);
}

/** The shares of a challenge answer (`[]` when it is not federated). */
export function sharesOf(challenge: unknown): Share[] {
  return parseShares((challenge as { shares?: unknown } | null)?.shares);
}

/** Invites an organization, by its slug, to feed a challenge. */
export async function invitePartner(
  event: RequestEvent,
  session: string,
  challengeId: string,
  organization: string,
): Promise<Outcome<Partner | null>> {
  const answer = await federationApi(event, session).POST('/api/challenges/{id}/partners', {
    params: { path: { id: challengeId } },
    body: { organization },
  });
  if (answer.data === undefined) return refused(answer);
  return { ok: true, value: parsePartner(answer.data) };
}

/** The invited organization's answer: accepted (with its audience) or declined. */
export async function decideInvitation(
  event: RequestEvent,
  session: string,
  challengeId: string,
  organization: string,
  decision: { accept: true; audience: Audience } | { accept: false },
): Promise<Outcome<Partner | null>> {
  const answer = await federationApi(event, session).POST(
    '/api/challenges/{id}/partners/{slug}/decision',
    { params: { path: { id: challengeId, slug: organization } }, body: decision },
  );
  if (answer.data === undefined) return refused(answer);
  return { ok: true, value: parsePartner(answer.data) };
}

/** Takes a partner off a challenge that is still a draft: it leaves, or its owner withdraws it. */
export async function removePartner(
  event: RequestEvent,
  session: string,
  challengeId: string,
  organization: string,
): Promise<Outcome<null>> {
  const answer = await federationApi(event, session).DELETE(
    '/api/challenges/{id}/partners/{slug}',
    { params: { path: { id: challengeId, slug: organization } } },
  );
  if (!answer.response.ok) return refused(answer);
  return { ok: true, value: null };
}

/** Where one partner's report is read (its admins and the owner's). */
export function partnerReportPath(challengeId: string, organization: string): string {
  return `/api/challenges/${encodeURIComponent(challengeId)}/partners/${encodeURIComponent(organization)}/report`;
}

/** The organization slugs the console accepts in the invitation form. */
export const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** A challenge another organization invited this one to feed, as its console lists it. */
export interface Partnership {
  challengeId: string;
  /** The challenge's title, or words for a draft (partners cannot read a draft yet). */
  title: string;
  /** Whether the challenge is hidden from this organization for now (a draft). */
  hidden: boolean;
  /** The challenge's status (`draft`, `open`…), when the API says. */
  challengeStatus: string | null;
  unit: string | null;
  owner: { slug: string; name: string } | null;
  partner: Partner;
  /** This organization's own share, once the challenge counts. */
  share: Share | null;
}

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

const str = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * The challenges the organization `slug` was invited to feed, newest
 * first, with its own answer and, once a challenge counts, its share
 * (`GET /api/organizations/{slug}/partnerships`), plus the one the admin
 * names by its address (`?challenge=`, or a pasted one) when the list
 * does not hold it. `status` narrows the list (the overview asks for
 * `invited` only, and reads no shares).
 */
export async function loadPartnerships(
  event: RequestEvent,
  session: string,
  slug: string,
  named: string | null,
  status?: PartnerStatus,
): Promise<Partnership[]> {
  const { data } = await apiFor(event, session).GET('/api/organizations/{slug}/partnerships', {
    params: { path: { slug }, query: status ? { status } : {} },
  });
  const listed: Partnership[] = [];
  for (const item of data?.items ?? []) {
    const partner = parsePartner({ ...item, organization: slug, name: slug });
    if (!partner) continue;
    listed.push({
      challengeId: item.challenge.id,
      title: item.challenge.title,
      challengeStatus: item.challenge.status,
      unit: null,
      owner: { slug: item.challenge.organization.slug, name: item.challenge.organization.name },
      partner,
      share: null,
      hidden: false,
    });
  }
  // Figures for the challenges it feeds that count already (one read each).
  const counted = await Promise.all(
    listed.map(async (p) => {
      if (status || p.partner.status !== 'accepted' || p.challengeStatus === 'draft') return p;
      const { data: challenge } = await apiFor(event, session).GET('/api/challenges/{id}', {
        params: { path: { id: p.challengeId } },
      });
      if (!challenge) return p;
      return {
        ...p,
        unit: challenge.unit,
        share: sharesOf(challenge).find((s) => s.organization === slug) ?? null,
      };
    }),
  );
  const id = challengeIdIn(named);
  if (id && !counted.some((p) => p.challengeId === id)) {
    const found = await loadPartnership(event, session, slug, id);
    if (found) counted.unshift(found);
  }
  return counted;
}

/** One challenge as the invited organization `slug` sees it, or null when it is no partner of it. */
export async function loadPartnership(
  event: RequestEvent,
  session: string,
  slug: string,
  challengeId: string,
): Promise<Partnership | null> {
  const api = federationApi(event, session);
  const [partners, challenge] = await Promise.all([
    loadPartners(event, session, challengeId),
    api.GET('/api/challenges/{id}', { params: { path: { id: challengeId } } }),
  ]);
  const partner = partners?.find((p) => p.organization === slug);
  if (!partner) return null;
  const body = record(challenge.data);
  const shares = sharesOf(body);
  let owner: Partnership['owner'] = null;
  const campaignId = str(body?.['campaignId']);
  if (campaignId) {
    const campaign = record(
      (await api.GET('/api/campaigns/{id}', { params: { path: { id: campaignId } } })).data,
    );
    const ownerSlug = str(campaign?.['organization']);
    if (ownerSlug) {
      owner = { slug: ownerSlug, name: str(campaign?.['organizationName']) ?? ownerSlug };
    }
  }
  return {
    challengeId,
    // A draft is hidden from partners (ADR 0043): its title shows once it opens.
    title: str(body?.['title']) ?? m.fed_draft_title({ id: challengeId.slice(-6) }),
    hidden: body === null,
    // A 404 for a challenge this organization is a partner of: a draft, hidden from partners.
    challengeStatus: str(body?.['status']) ?? (challenge.response.status === 404 ? 'draft' : null),
    unit: str(body?.['unit']),
    owner,
    partner,
    share: shares.find((s) => s.organization === slug) ?? null,
  };
}
