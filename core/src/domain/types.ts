/**
 * The vocabulary of a reciprocal challenge, as plain data. Everything in
 * `core/src/domain` is pure: time and ids are passed in, nothing is read
 * from the outside world.
 */

/** ISO 4217 code; Tandem campaigns so far use EUR. */
export type Currency = string;

/** Money as the API speaks it: `value` in major units (5000 = €5,000). */
export interface Money {
  value: number;
  currency: Currency;
}

/** How a goal with both a people and a quantity target is met. */
export type GoalMatch = 'all' | 'any';

/** A target: participants ≥ N and/or quantity ≥ Q in the action type's unit. */
export interface Goal {
  participants?: number;
  quantity?: number;
  match: GoalMatch;
}

/** What a sponsor does when a tier is reached. */
export type Counterpart =
  | { kind: 'donation'; amount: Money; beneficiaryId: string }
  | { kind: 'act'; description: string }
  | { kind: 'matching'; perUnit: Money; cap: Money; beneficiaryId: string };

/** One rung of a challenge's ladder of goals; `rank` 0 is the lowest. */
export interface Tier {
  id: string;
  rank: number;
  goal: Goal;
  counterpart?: Counterpart;
  /** Organization id of the sponsor who delivers this tier's counterpart. */
  sponsorId?: string;
}

/** Aggregated progress of a challenge (or of a team within it). */
export interface Progress {
  participants: number;
  quantity: number;
  co2eKg: number;
}

export type ChallengeStatus = 'draft' | 'open' | 'succeeded' | 'failed' | 'fulfilled';

/** What the evaluator needs to know about a challenge. */
export interface ChallengeState {
  status: ChallengeStatus;
  tiers: readonly Tier[];
  /** tierId → when it unlocked. */
  unlocked: Readonly<Record<string, Date>>;
  /** tierIds whose counterpart the sponsor marked delivered. */
  fulfilled: readonly string[];
  deadline: Date | null;
  closedAt: Date | null;
}

/** The matching counterpart alone: `perUnit` per unit of progress, up to `cap`. */
export type MatchingCounterpart = Extract<Counterpart, { kind: 'matching' }>;

/** A goal as a request gives it, before defaults are applied. */
export interface GoalInput {
  participants?: number;
  quantity?: number;
  match?: GoalMatch;
}

/** A point on the globe in decimal degrees (WGS 84). */
export interface GeoPoint {
  lat: number;
  lon: number;
}
