import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { requireRole } from '$lib/server/admin';
import { apiError, apiFor } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

/** Ids the API hands out: short and plain; anything else never reaches it. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;
/** The kinds of group an alert (and so an invalidation form) names. */
const KINDS = ['email-domain', 'network', 'agent'] as const;
type Kind = (typeof KINDS)[number];

/** The statuses whose counts a sponsor may pay on: everything but drafts. */
const COUNTED = new Set(['open', 'succeeded', 'failed', 'fulfilled']);

export const load: PageServerLoad = async (event) => {
  const { session } = requireRole(event, event.params.slug, 'admin');
  // Counts and names of people: never kept by a shared cache.
  event.setHeaders({ 'cache-control': 'private, no-store' });
  const api = apiFor(event, session);
  const organization = await api.GET('/api/organizations/{slug}', {
    params: { path: { slug: event.params.slug } },
  });
  if (!organization.data) error(organization.response.status, m.error_generic());
  const campaigns = await Promise.all(
    organization.data.campaigns.map((campaign) =>
      api.GET('/api/campaigns/{id}', { params: { path: { id: campaign.id } } }),
    ),
  );
  const challenges = campaigns.flatMap(({ data }) =>
    (data?.challenges ?? [])
      .filter((challenge) => COUNTED.has(challenge.status))
      .map((challenge) => ({
        id: challenge.id,
        title: challenge.title,
        status: challenge.status,
        unit: challenge.unit,
        progress: {
          participants: challenge.progress.participants,
          quantity: challenge.progress.quantity,
        },
        campaign: data?.title ?? '',
      })),
  );
  const alerts = await Promise.all(
    challenges.map(async (challenge) => {
      const { data } = await api.GET('/api/challenges/{id}/integrity', {
        params: { path: { id: challenge.id } },
      });
      return [challenge.id, data ?? null] as const;
    }),
  );
  const alertsOf = Object.fromEntries(alerts);
  const search = event.url.searchParams;
  const asked = search.get('challenge');
  const selected = challenges.find((c) => c.id === asked) ?? challenges[0] ?? null;
  let invalidations: InvalidationRow[] = [];
  let audit: AuditPage = { entries: [], next: null };
  if (selected) {
    const before = search.get('before');
    const [listed, log] = await Promise.all([
      api.GET('/api/challenges/{id}/invalidations', {
        params: { path: { id: selected.id } },
      }),
      api.GET('/api/challenges/{id}/audit', {
        params: {
          path: { id: selected.id },
          query: { limit: 25, ...(before && /^[1-9][0-9]{0,17}$/.test(before) ? { before } : {}) },
        },
      }),
    ]);
    invalidations = listed.data?.invalidations ?? [];
    audit = log.data ?? audit;
  }
  return {
    challenges,
    alertsOf,
    selected,
    invalidations,
    audit,
    paged: search.has('before'),
    done: search.get('done'),
  };
};

type InvalidationRow = {
  id: string;
  at: string;
  by: string;
  reason: string;
  pledges: number;
  contributions: number;
  participants: number;
  quantity: number;
  co2eKg: number;
  restoredAt: string | null;
  restoredBy: string | null;
};

type AuditPage = {
  entries: {
    id: string;
    at: string;
    actor: { kind: 'participant' | 'admin' | 'system'; label: string };
    action: string;
    details: Record<string, unknown>;
  }[];
  next: string | null;
};

/** The form an alert's invalidation sends: which challenge, which group, and why. */
function readInvalidation(form: FormData) {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const challenge = text('challenge');
  const kind = text('kind') as Kind;
  const key = text('key');
  const reason = text('reason').slice(0, 500);
  if (!ID.test(challenge) || !KINDS.includes(kind) || key === '' || key.length > 253) {
    error(400, m.error_generic());
  }
  const filter =
    kind === 'email-domain'
      ? { emailDomain: key }
      : kind === 'network'
        ? { network: key }
        : { agent: key };
  return { challenge, kind, key, reason, filter, label: text('label').slice(0, 300) };
}

/** Back to the challenge, with what was done said at the top. */
function backTo(event: RequestEvent, challenge: string, done: string): never {
  redirect(
    303,
    `/admin/${event.params['slug']}/integrity?challenge=${encodeURIComponent(challenge)}&done=${done}`,
  );
}

/** A form's problems: one for the reason, or one for the whole form. */
const problems = (found: { reason?: string; form?: string }) => found;

/** What an API refusal means on this page. */
function refusal(body: unknown): string {
  const code = apiError(body).error;
  if (code === 'TANDEM_INVALIDATION_EMPTY') return m.igy_problem_empty();
  if (code === 'TANDEM_INVALIDATION_RESTORED') return m.igy_problem_restored();
  return apiError(body).message;
}

export const actions: Actions = {
  /** The confirmation step: what the batch would take, computed by the API and changed nothing. */
  preview: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const input = readInvalidation(await event.request.formData());
    const values = { challenge: input.challenge, kind: input.kind, key: input.key };
    if (input.reason === '') {
      return fail(400, {
        preview: { ...values, errors: problems({ reason: m.igy_problem_reason() }) },
      });
    }
    const { data, error: refused } = await apiFor(event, session).POST(
      '/api/challenges/{id}/invalidations',
      {
        params: { path: { id: input.challenge }, query: { dryRun: true } },
        body: { filter: input.filter, reason: input.reason },
      },
    );
    if (!data || !('dryRun' in data)) {
      return fail(409, { preview: { ...values, errors: problems({ form: refusal(refused) }) } });
    }
    return {
      confirm: { ...values, reason: input.reason, label: input.label, effect: data.effect },
    };
  },

  /** The batch goes: its pledges stop counting. */
  invalidate: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const input = readInvalidation(await event.request.formData());
    const values = { challenge: input.challenge, kind: input.kind, key: input.key };
    if (input.reason === '') {
      return fail(400, {
        preview: { ...values, errors: problems({ reason: m.igy_problem_reason() }) },
      });
    }
    const { response, error: refused } = await apiFor(event, session).POST(
      '/api/challenges/{id}/invalidations',
      {
        params: { path: { id: input.challenge } },
        body: { filter: input.filter, reason: input.reason },
      },
    );
    if (response.status !== 201) {
      return fail(response.status === 400 ? 400 : 409, {
        preview: { ...values, errors: problems({ form: refusal(refused) }) },
      });
    }
    backTo(event, input.challenge, 'invalidated');
  },

  /** A batch counts again. */
  restore: async (event) => {
    const { session } = requireRole(event, event.params.slug, 'admin');
    const form = await event.request.formData();
    const challenge = String(form.get('challenge') ?? '');
    const invalidation = String(form.get('invalidation') ?? '');
    if (!ID.test(challenge) || !ID.test(invalidation)) error(400, m.error_generic());
    const { response, error: refused } = await apiFor(event, session).POST(
      '/api/challenges/{id}/invalidations/{invalidationId}/restore',
      { params: { path: { id: challenge, invalidationId: invalidation } } },
    );
    if (response.status !== 200) {
      return fail(409, { restore: { invalidation, error: refusal(refused) } });
    }
    backTo(event, challenge, 'restored');
  },
};
