/**
 * A challenge's goals, tiers and progress as the page shows them, parsed
 * once from the API's loosely typed answer (goal and counterpart are open
 * objects in the OpenAPI document). Pure functions: the server load, the
 * live updates in the browser and tests share them.
 */

/** Money as the API writes it: major units and an ISO currency. */
export interface Money {
  value: number;
  currency: string;
}

/** What a sponsor does when a tier is reached. */
export type Counterpart =
  | { kind: 'donation'; amount: Money; beneficiaryId: string | null }
  | { kind: 'matching'; perUnit: Money; cap: Money; beneficiaryId: string | null }
  | { kind: 'act'; description: string };

/** A tier's goal: people and/or a quantity in the action type's unit. */
export interface Goal {
  participants: number | null;
  quantity: number | null;
  match: 'all' | 'any';
}

/** The live counts of a challenge. */
export interface Progress {
  participants: number;
  quantity: number;
  co2eKg: number;
}

/** A tier, parsed. */
export interface Tier {
  id: string;
  rank: number;
  goal: Goal;
  counterpart: Counterpart | null;
  /** The sponsoring organization's slug, when it is not the organizer. */
  sponsor: string | null;
  unlockedAt: string | null;
  /** What a matching tier owes so far (capped), when the API says. */
  owed: Money | null;
}

/** One measure of a goal, with how far it is. */
export interface Measure {
  measure: 'participants' | 'quantity';
  current: number;
  target: number;
  /** current / target, not capped (1 = reached). */
  ratio: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const positive = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;

function money(value: unknown): Money | null {
  if (!isRecord(value)) return null;
  const amount = value['value'];
  const currency = value['currency'];
  return typeof amount === 'number' && typeof currency === 'string'
    ? { value: amount, currency }
    : null;
}

/** A goal from the API's open object; unknown shapes read as "no goal". */
export function parseGoal(value: unknown): Goal {
  const goal = isRecord(value) ? value : {};
  return {
    participants: positive(goal['participants']),
    quantity: positive(goal['quantity']),
    match: goal['match'] === 'any' ? 'any' : 'all',
  };
}

/** A counterpart from the API's open object, or null when its kind is unknown. */
export function parseCounterpart(value: unknown): Counterpart | null {
  if (!isRecord(value)) return null;
  const beneficiaryId = typeof value['beneficiaryId'] === 'string' ? value['beneficiaryId'] : null;
  switch (value['kind']) {
    case 'donation': {
      const amount = money(value['amount']);
      return amount ? { kind: 'donation', amount, beneficiaryId } : null;
    }
    case 'matching': {
      const perUnit = money(value['perUnit']);
      const cap = money(value['cap']);
      return perUnit && cap ? { kind: 'matching', perUnit, cap, beneficiaryId } : null;
    }
    case 'act':
      return typeof value['description'] === 'string'
        ? { kind: 'act', description: value['description'] }
        : null;
    default:
      return null;
  }
}

/** The tiers of a challenge answer, lowest first. */
export function parseTiers(tiers: readonly Record<string, unknown>[]): Tier[] {
  return tiers
    .map((tier, index) => ({
      id: String(tier['id']),
      rank: typeof tier['rank'] === 'number' ? tier['rank'] : index,
      goal: parseGoal(tier['goal']),
      counterpart: parseCounterpart(tier['counterpart']),
      sponsor: typeof tier['sponsor'] === 'string' ? tier['sponsor'] : null,
      unlockedAt: typeof tier['unlockedAt'] === 'string' ? tier['unlockedAt'] : null,
      owed: money(tier['owed']),
    }))
    .sort((a, b) => a.rank - b.rank);
}

/** A goal's measures with the current counts, people first. */
export function measures(goal: Goal, progress: Progress): Measure[] {
  const list: Measure[] = [];
  if (goal.participants !== null) {
    list.push({
      measure: 'participants',
      current: progress.participants,
      target: goal.participants,
      ratio: progress.participants / goal.participants,
    });
  }
  if (goal.quantity !== null) {
    list.push({
      measure: 'quantity',
      current: progress.quantity,
      target: goal.quantity,
      ratio: progress.quantity / goal.quantity,
    });
  }
  return list;
}

/**
 * How far a goal is, 0..1: the slowest measure when every one is needed,
 * the fastest when either will do.
 */
export function goalRatio(goal: Goal, progress: Progress): number {
  const ratios = measures(goal, progress).map((m) => m.ratio);
  if (ratios.length === 0) return 0;
  const ratio = goal.match === 'any' ? Math.max(...ratios) : Math.min(...ratios);
  return Math.min(Math.max(ratio, 0), 1);
}

/**
 * The tier shown as the goal: the lowest not unlocked yet; once every tier
 * is reached, the last one (the page then says it is all done).
 */
export function goalTier(tiers: readonly Tier[]): Tier | null {
  return tiers.find((tier) => tier.unlockedAt === null) ?? tiers[tiers.length - 1] ?? null;
}

/** The 10 % step a ratio is in (0, 10, …, 100), for announcements that do not chatter. */
export function tenPercentStep(ratio: number): number {
  return Math.min(100, Math.floor(Math.max(ratio, 0) * 10) * 10);
}

/**
 * What one more person brings to a donation tier counted in people: the
 * amount shared by its goal (`5 000 € / 200` = 25 €). Null when the tier
 * does not divide that way.
 */
export function sharePerPerson(tier: Tier): Money | null {
  if (tier.counterpart?.kind !== 'donation' || tier.goal.participants === null) return null;
  const { value, currency } = tier.counterpart.amount;
  return { value: Math.round((value / tier.goal.participants) * 100) / 100, currency };
}

/** Whole days, hours or minutes until a deadline, for a relative phrase; null when past. */
export function timeLeft(
  deadline: string | null,
  now: Date,
): { value: number; unit: 'day' | 'hour' | 'minute' } | null {
  if (!deadline) return null;
  const ms = Date.parse(deadline) - now.getTime();
  if (!Number.isFinite(ms) || ms <= 0) return null;
  const hours = ms / 3_600_000;
  if (hours >= 48) return { value: Math.floor(hours / 24), unit: 'day' };
  if (hours >= 1) return { value: Math.floor(hours), unit: 'hour' };
  return { value: Math.max(1, Math.floor(ms / 60_000)), unit: 'minute' };
}
