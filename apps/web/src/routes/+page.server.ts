import { apiFor } from '$lib/server/api';
import { loadOrganizations } from '$lib/server/contract';
import { goalTier, measures, parseTiers } from '$lib/challenge/progress';
import type { PageServerLoad } from './$types';

/** Bars drawn on the home page at most; past it a challenge shows its count alone. */
const MAX_BARS = 24;

/**
 * The platform's home: public organizations and their open challenges, each
 * with its count and, for the first few, a bar toward the goal it is
 * heading for (the public list carries counts, not goals: one cached read
 * per challenge, in process).
 */
export const load: PageServerLoad = async (event) => {
  const organizations = await loadOrganizations(event);
  const api = apiFor(event);
  const ids = organizations.flatMap((org) => org.challenges.map((c) => c.id)).slice(0, MAX_BARS);
  const goals = new Map(
    await Promise.all(
      ids.map(async (id) => {
        const { data } = await api.GET('/api/challenges/{id}', { params: { path: { id } } });
        if (!data) return [id, null] as const;
        const tier = goalTier(parseTiers(data.tiers as unknown as Record<string, unknown>[]));
        const first = tier ? measures(tier.goal, data.progress)[0] : undefined;
        return [id, first ? { ...first, unit: data.unit } : null] as const;
      }),
    ),
  );
  return {
    organizations: organizations.map((org) => ({
      ...org,
      challenges: org.challenges.map((c) => ({ ...c, goal: goals.get(c.id) ?? null })),
    })),
  };
};
