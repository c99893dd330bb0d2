import { randomUUID } from 'node:crypto';
import { fail, type RequestEvent } from '@sveltejs/kit';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import { fieldErrors } from '$lib/server/form-errors';
import { readEnrolment, readWeighIn, WASTE_STREAMS } from '$lib/agent/records';
import { getLocale } from '$lib/paraglide/runtime';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

/** The action types the agent mode records for. */
const KINDS = ['sorting', 'collection'] as const;
type Kind = (typeof KINDS)[number];

/** An open challenge the agent can record for, as the page needs it. */
export interface AgentChallenge {
  id: string;
  title: string;
  kind: Kind;
  campaign: string;
  /** For sorting: the streams it is about (every stream when the challenge names none). */
  streams: string[];
}

/** An active collection point with its opening hours. */
export interface AgentPoint {
  id: string;
  name: string;
  address: string | null;
  openingHours: { day: string; from: string; to: string }[];
}

/**
 * The organization's open sorting and collection challenges and its active
 * collection points: what the tablet needs to record, also offline (the
 * service worker keeps this page).
 */
async function whatToRecord(
  event: RequestEvent,
  session: string,
  slug: string,
): Promise<{ challenges: AgentChallenge[]; points: AgentPoint[] }> {
  const api = apiFor(event, session);
  const [organization, points] = await Promise.all([
    api.GET('/api/organizations/{slug}', { params: { path: { slug } } }),
    api.GET('/api/organizations/{slug}/collection-points', { params: { path: { slug } } }),
  ]);
  const campaigns = await Promise.all(
    (organization.data?.campaigns ?? []).map((campaign) =>
      api.GET('/api/campaigns/{id}', { params: { path: { id: campaign.id } } }),
    ),
  );
  const challenges: AgentChallenge[] = [];
  for (const { data: campaign } of campaigns) {
    for (const challenge of campaign?.challenges ?? []) {
      const kind = KINDS.find((one) => one === challenge.actionType);
      if (!kind || challenge.status !== 'open') continue;
      const named = challenge.actionSettings['streams'];
      challenges.push({
        id: challenge.id,
        title: challenge.title,
        kind,
        campaign: campaign?.title ?? '',
        streams: Array.isArray(named)
          ? named.filter((stream): stream is string => typeof stream === 'string')
          : [...WASTE_STREAMS],
      });
    }
  }
  return {
    challenges,
    points: (points.data?.points ?? [])
      .filter((point) => point.active)
      .map(({ id, name, address, openingHours }) => ({ id, name, address, openingHours })),
  };
}

export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'agent');
  return {
    ...(await whatToRecord(event, session, event.params.slug)),
    // A fresh key per page render: without JavaScript, a form sent twice
    // (a double tap, a resend after a timeout) is still recorded once.
    formKey: randomUUID(),
  };
};

/** The challenge a form names, when it is one the agent may record for here. */
async function challengeOf(
  event: RequestEvent,
  session: string,
  slug: string,
  form: FormData,
  kind: Kind,
): Promise<{ challenge: AgentChallenge; points: AgentPoint[] } | null> {
  const id = form.get('challengeId');
  const known = await whatToRecord(event, session, slug);
  const challenge = known.challenges.find((one) => one.id === id && one.kind === kind);
  return challenge ? { challenge, points: known.points } : null;
}

const idempotencyKey = (form: FormData): string => {
  const key = form.get('key');
  return typeof key === 'string' && /^[\x21-\x7e]{8,100}$/.test(key) ? key : randomUUID();
};

export const actions: Actions = {
  /** Without JavaScript: one enrolment, sent at once. */
  enrol: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'agent');
    const form = await event.request.formData();
    const found = await challengeOf(event, session, event.params.slug, form, 'sorting');
    if (!found)
      return fail(400, { kind: 'enrolment' as const, errors: { form: m.agt_error_form() } });
    const reading = readEnrolment(form, {
      when: new Date().toISOString(),
      deviceId: 'web-form',
      locale: getLocale(),
      streams: found.challenge.streams,
    });
    if (!reading.ok) return fail(400, { kind: 'enrolment' as const, errors: reading.errors });
    const { data, error } = await apiFor(event, session).POST('/api/challenges/{id}/enrolments', {
      params: { path: { id: found.challenge.id } },
      headers: { 'idempotency-key': idempotencyKey(form) },
      body: reading.body,
    });
    if (error || !data) {
      const errors = fieldErrors(apiError(error));
      // The API names `resident/email` and `consent/given`; the form, `email` and `consent`.
      const named: Record<string, string> = {};
      for (const [path, message] of Object.entries(errors)) {
        named[
          path
            .replace(/^resident\//, '')
            .replace(/^consent\/given$/, 'consent')
            .replace(/^details\/household\/size$/, 'household')
        ] = message;
      }
      return fail(400, { kind: 'enrolment' as const, errors: named });
    }
    return { kind: 'enrolment' as const, done: { code: data.code ?? null } };
  },

  /** Without JavaScript: one weigh-in, sent at once. */
  weigh: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'agent');
    const form = await event.request.formData();
    const found = await challengeOf(event, session, event.params.slug, form, 'collection');
    if (!found)
      return fail(400, { kind: 'weighIn' as const, errors: { form: m.agt_error_form() } });
    const reading = readWeighIn(form, {
      when: new Date().toISOString(),
      points: found.points.map((point) => point.id),
    });
    if (!reading.ok) return fail(400, { kind: 'weighIn' as const, errors: reading.errors });
    const { data, error } = await apiFor(event, session).POST('/api/challenges/{id}/weigh-ins', {
      params: { path: { id: found.challenge.id } },
      headers: { 'idempotency-key': idempotencyKey(form) },
      body: reading.body,
    });
    if (error || !data) {
      const errors = fieldErrors(apiError(error));
      const named: Record<string, string> = {};
      for (const [path, message] of Object.entries(errors)) {
        named[path.replace(/^participant(\/email)?$/, 'email')] = message;
      }
      return fail(400, { kind: 'weighIn' as const, errors: named });
    }
    return { kind: 'weighIn' as const, done: { kg: data.quantity } };
  },
};
