import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import type { paths } from '@tandem/client';
import {
  apiProblems,
  fieldNames,
  fieldsFromSchema,
  formValues,
  readSchemaForm,
  type FieldProblem,
  type JsonSchema,
} from '$lib/forms/schema-form';
import { apiError, apiFor } from '$lib/server/api';
import { loadFeed, loadPlace, loadPlaces, parseBranding } from '$lib/server/contract';
import { parseTiers } from '$lib/challenge/progress';
import { parseShares } from '$lib/challenge/federation';
import { parseDelivery } from '$lib/ledger/delivery';
import { getLocale } from '$lib/paraglide/runtime';
import { m } from '$lib/paraglide/messages';

/**
 * A challenge's public page, read and pledged on: the same page at
 * `/c/{id}` (the owner's) and, for a federated challenge, at
 * `/o/{partner}/c/{id}` (a partner's white-label page, ADR 0048), whose
 * pledges go `via` that partner.
 */

type PledgeBody =
  paths['/api/challenges/{id}/pledges']['post']['requestBody']['content']['application/json'];

/** The basemap the operator chose (ADR 0031): a tile URL, a same-site PMTiles file, or none. */
function basemap(): { tiles: string | null; pmtiles: string | null; attribution: string | null } {
  const tiles = env['TANDEM_MAP_TILES']?.trim() || null;
  const pmtiles = env['TANDEM_MAP_PMTILES']?.trim() ? '/map/basemap.pmtiles' : null;
  return { tiles, pmtiles, attribution: env['TANDEM_MAP_ATTRIBUTION']?.trim() || null };
}

async function pledgeFields(event: RequestEvent, actionType: string) {
  const { data } = await apiFor(event).GET('/api/action-types');
  const type = data?.actionTypes.find((t) => t.id === actionType);
  return fieldsFromSchema(type?.pledgeSchema as JsonSchema | null | undefined, {
    prefix: 'details',
  });
}

/** The challenge in the address, or the page that says why not (sign in, members only, 404). */
export async function loadChallenge(event: RequestEvent) {
  const id = event.params['id'] ?? '';
  const {
    data,
    response,
    error: refusal,
  } = await apiFor(event).GET('/api/challenges/{id}', {
    params: { path: { id } },
  });
  if (data) return data;
  // Members only: the API names the organization, and whether its own
  // sign-in can make the visitor a member (ADR 0044).
  const owner = (refusal?.details ?? []).find(
    (detail): detail is { organization: string; companySignIn: boolean } =>
      typeof detail['organization'] === 'string' && detail['companySignIn'] === true,
  );
  const next = encodeURIComponent(event.url.pathname);
  if (owner && (response.status === 401 || response.status === 403)) {
    redirect(
      303,
      `/sign-in?next=${next}&organization=${encodeURIComponent(owner.organization)}#sso`,
    );
  }
  if (response.status === 401) redirect(303, `/sign-in?next=${next}`);
  if (response.status === 403) error(403, m.c_members_only());
  error(404, m.error_not_found());
}

/** The shares of a challenge answer (the API's newer fields, read loosely until every server has them). */
function sharesOf(challenge: unknown) {
  const body = challenge as { federated?: unknown; shares?: unknown };
  const shares = parseShares(body.shares);
  return { federated: body.federated === true || shares.length > 0, shares };
}

/**
 * Everything the challenge page shows. With `host`, the page is that
 * partner's white-label page: its branding and words around the shared
 * challenge, its row marked in the ranking, its pledges counted in its
 * share; a slug that is no partner sharing the challenge is a 404.
 */
export async function loadChallengePage(event: RequestEvent, host: string | null = null) {
  const challenge = await loadChallenge(event);
  const api = apiFor(event);
  const { federated, shares } = sharesOf(challenge);
  const [campaign, fields, feed, places] = await Promise.all([
    api
      .GET('/api/campaigns/{id}', { params: { path: { id: challenge.campaignId } } })
      .then((r) => r.data ?? null),
    pledgeFields(event, challenge.actionType),
    loadFeed(event, challenge.id),
    loadPlaces(event, challenge.id),
  ]);
  const organizerSlug = campaign?.organization ?? null;
  if (host !== null) {
    // The owner's own page is /c/{id}; another organization's only while it shares the challenge.
    if (host === organizerSlug) redirect(308, `/c/${challenge.id}`);
    if (!shares.some((share) => share.organization === host)) error(404, m.error_not_found());
  }
  const tiers = parseTiers(challenge.tiers as unknown as Record<string, unknown>[]);
  const slugs = new Set<string>(organizerSlug ? [organizerSlug] : []);
  if (host) slugs.add(host);
  for (const tier of tiers) if (tier.sponsor) slugs.add(tier.sponsor);
  const organizations = await Promise.all(
    [...slugs].map(async (slug) => {
      const { data } = await api.GET('/api/organizations/{slug}', {
        params: { path: { slug } },
      });
      return data ?? null;
    }),
  );
  const names: Record<string, string> = {};
  const beneficiaries: Record<string, string> = {};
  for (const org of organizations) {
    if (!org) continue;
    names[org.slug] = org.name;
    for (const b of org.beneficiaries) beneficiaries[b.id] = b.name;
  }
  for (const share of shares) names[share.organization] ??= share.name;
  const organizer = organizations.find((o) => o?.slug === organizerSlug) ?? null;
  const partner = host ? (organizations.find((o) => o?.slug === host) ?? null) : null;
  const postcode = event.locals.me?.place?.postcode ?? null;
  const near = postcode ? await loadPlace(event, challenge.id, postcode) : null;
  const origin = env['TANDEM_PUBLIC_URL'] || event.url.origin;
  const path = host ? `/o/${host}/c/${challenge.id}` : `/c/${challenge.id}`;

  return {
    challenge: {
      id: challenge.id,
      title: challenge.title,
      description: challenge.description,
      status: challenge.status,
      deadline: challenge.deadline,
      unit: challenge.unit,
      progress: {
        participants: challenge.progress.participants,
        quantity: challenge.progress.quantity,
        co2eKg: challenge.progress.co2eKg,
      },
      forecast: challenge.progress.forecast ?? null,
      federated,
    },
    shares,
    tiers,
    // Each unlocked tier's delivery: due by, overdue, or delivered with its proof (ADR 0035).
    deliveries: challenge.tiers
      .filter((tier) => tier.unlockedAt)
      .map((tier) => ({
        tierId: tier.id,
        delivery: parseDelivery(tier as unknown as Record<string, unknown>),
      })),
    organizer: {
      slug: organizerSlug,
      name: organizer?.name ?? campaign?.organizationName ?? '',
      kind: organizer?.kind ?? 'city',
      branding: parseBranding((organizer as { branding?: unknown } | null)?.branding),
    },
    // The partner whose white-label page this is (null on the owner's page).
    host:
      host && partner
        ? {
            slug: partner.slug,
            name: partner.name,
            branding: parseBranding((partner as { branding?: unknown }).branding),
          }
        : null,
    campaign: campaign ? { id: campaign.id, title: campaign.title, teams: campaign.teams } : null,
    names,
    beneficiaries,
    fields,
    feed,
    places,
    near,
    signedIn: event.locals.me !== null,
    me: event.locals.me
      ? {
          displayName: event.locals.me.displayName ?? null,
          showAs: event.locals.me.showAs ?? 'anonymous',
          postcode,
        }
      : null,
    pledgedParam: event.url.searchParams.get('pledged') === '1',
    map: basemap(),
    shareUrl: new URL(path, origin).href,
    origin,
  };
}

/** What the challenge page gives its component. */
export type ChallengePageData = Awaited<ReturnType<typeof loadChallengePage>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Coordinates rounded to 2 decimals (about 1 km), again, whatever the browser sent. */
function coarse(raw: FormDataEntryValue | null, limit: number): number | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || Math.abs(value) > limit) return null;
  return Math.round(value * 100) / 100;
}

/**
 * The pledge, as a plain form post (works without JavaScript; `use:enhance`
 * adds itself on top): 202 "check your mail" without a session, confirmed
 * at once with one, or the API's refusals next to their fields. `via` is
 * the organization the pledge comes through: the partner whose page it is
 * (from the address, never from the form), none on the owner's page. The
 * API checks it again (400 for an organization that does not share the
 * challenge).
 */
export async function pledge(event: RequestEvent, via: string | null) {
  const challenge = await loadChallenge(event);
  const form = await event.request.formData();
  const fields = await pledgeFields(event, challenge.actionType);
  const values = formValues(form);
  const errors: Record<string, FieldProblem> = {};
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };

  const details = readSchemaForm(fields, form);
  if (!details.ok) Object.assign(errors, details.errors);
  const signedIn = event.locals.me !== null;
  const email = text('email');
  if (!signedIn && !EMAIL.test(email))
    errors['email'] = { code: 'api', message: m.pledge_email_invalid() };
  const postcode = text('location/postcode');
  if (postcode && !/^\d{5}$/.test(postcode)) {
    errors['location/postcode'] = { code: 'api', message: m.pledge_postcode_invalid() };
  }
  const lat = coarse(form.get('location/lat'), 90);
  const lon = coarse(form.get('location/lon'), 180);
  if (Object.keys(errors).length > 0) return fail(400, { errors, values });

  const displayName = text('displayName');
  const showAs = text('showAs') === 'name' ? 'name' : 'anonymous';
  // Teams are the owner's: a pledge through a partner joins none.
  const team = via ? '' : text('team');
  const location =
    postcode || (lat !== null && lon !== null)
      ? {
          ...(postcode ? { postcode } : {}),
          ...(lat !== null && lon !== null ? { lat, lon } : {}),
        }
      : undefined;
  const body = {
    ...(signedIn ? {} : { email }),
    ...(displayName ? { displayName } : {}),
    showAs,
    ...(team ? { team } : {}),
    ...(location ? { location } : {}),
    ...(details.ok && Object.keys(details.value).length > 0 ? { details: details.value } : {}),
    ...(via ? { via } : {}),
    locale: getLocale(),
  };
  const {
    data,
    error: refused,
    response,
  } = await apiFor(event).POST('/api/challenges/{id}/pledges', {
    params: { path: { id: challenge.id } },
    body: body as unknown as PledgeBody,
  });
  if (!data) {
    const problem = apiError(refused);
    if (response.status === 400) {
      const known = fieldNames(fields);
      for (const name of ['email', 'displayName', 'showAs', 'team', 'location/postcode', 'via'])
        known.add(name);
      const found = apiProblems(problem.details ?? [{ path: '', message: problem.message }], known);
      // A refused location from "use my location" is said at the postcode field.
      if (found['location/lat'] || found['location/lon'] || found['location']) {
        found['location/postcode'] ??= { code: 'api', message: m.pledge_location_refused() };
      }
      // A refused `via`: this organization no longer takes pledges for the challenge.
      if (found['via']) {
        delete found['via'];
        found['form'] ??= { code: 'api', message: m.fed_via_refused() };
      }
      return fail(400, { errors: found, values });
    }
    const message =
      response.status === 409
        ? m.pledge_closed()
        : response.status === 429
          ? m.pledge_too_many()
          : problem.message;
    const errors: Record<string, FieldProblem> = { form: { code: 'api', message } };
    return fail(response.status, { errors, values });
  }
  const near = postcode ? await loadPlace(event, challenge.id, postcode) : null;
  return {
    pledged: data.status === 'confirmed' ? ('confirmed' as const) : ('pending' as const),
    email: signedIn ? null : email,
    near,
  };
}
