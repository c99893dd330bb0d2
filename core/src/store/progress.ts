import type { Progress } from '../domain/types.js';
import type { Sql } from './database.js';

/**
 * A challenge's counters are spread over this many rows. Concurrent writers
 * pick a slot at random, so a popular challenge does not queue every pledge
 * behind one row lock; a read sums at most SLOTS rows, whatever the number
 * of pledges (docs/decisions/0003-slotted-counters.md).
 */
export const PROGRESS_SLOTS = 16;

/** The key of the whole-challenge counters; a team's counters use its id. */
export const WHOLE_CHALLENGE = '';

/**
 * A partner's share of a federated challenge (ADR 0043) sits beside the
 * whole under `org:<organization id>`; readers of team counters skip these
 * keys. The owner's share has no key: it is the whole less the partners'.
 */
export const SHARE_PREFIX = 'org:';

/** The counter key of a partner organization's share. */
export const shareKey = (organizationId: string): string => `${SHARE_PREFIX}${organizationId}`;

export interface ProgressDelta {
  participants: number;
  quantity: number;
  co2eKg: number;
}

/**
 * The statement that adds `delta` to the challenge's counters (and its
 * team's when a team is given, and a partner's share when `via` names one)
 * in one random slot, or `null` when the delta is nothing. `source`, when
 * given, names a CTE the rows are taken from: the bump then happens only if
 * that CTE yields a row (see `applyParticipation`).
 */
export function progressBump(
  challengeId: string,
  teamId: string,
  delta: ProgressDelta,
  source?: string,
  /** The partner organization whose share takes the delta too; null or absent for the owner. */
  via?: string | null,
): { sql: string; params: unknown[] } | null {
  if (delta.participants === 0 && delta.quantity === 0 && delta.co2eKg === 0) return null;
  const slot = Math.floor(Math.random() * PROGRESS_SLOTS);
  const keys = teamId === WHOLE_CHALLENGE ? [WHOLE_CHALLENGE] : [WHOLE_CHALLENGE, teamId];
  if (via) keys.push(shareKey(via));
  const head = `insert into progress_slot (challenge_id, team_id, slot, participants, quantity, co2e_kg)`;
  const tail = `on conflict (challenge_id, team_id, slot) do update set
       participants = progress_slot.participants + excluded.participants,
       quantity = progress_slot.quantity + excluded.quantity,
       co2e_kg = progress_slot.co2e_kg + excluded.co2e_kg`;
  if (source) {
    const keyRows = keys.map(() => '(?::text)').join(', ');
    return {
      sql: `${head}
     select ?::text, k.key, ?::smallint, ?::integer, ?::numeric, ?::numeric
       from ${source} cross join (values ${keyRows}) as k(key)
     ${tail}`,
      params: [challengeId, slot, delta.participants, delta.quantity, delta.co2eKg, ...keys],
    };
  }
  const values = keys.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
  return {
    sql: `${head} values ${values} ${tail}`,
    params: keys.flatMap((key) => [
      challengeId,
      key,
      slot,
      delta.participants,
      delta.quantity,
      delta.co2eKg,
    ]),
  };
}

/**
 * Adds `delta` to the challenge's counters, and to its team's when a team is
 * given, inside the caller's transaction.
 */
export async function bumpProgress(
  tx: Sql,
  challengeId: string,
  teamId: string,
  delta: ProgressDelta,
  via?: string | null,
): Promise<void> {
  const bump = progressBump(challengeId, teamId, delta, undefined, via);
  if (bump) await tx.query(bump.sql, bump.params);
}

interface ProgressRow {
  challenge_id: string;
  participants: string | number | null;
  quantity: string | number | null;
  co2e_kg: string | number | null;
}

const toProgress = (row: ProgressRow | undefined): Progress => ({
  participants: Number(row?.participants ?? 0),
  quantity: roundQuantity(Number(row?.quantity ?? 0)),
  co2eKg: roundQuantity(Number(row?.co2e_kg ?? 0)),
});

/** Sums are exact in the database (numeric); this only trims binary noise. */
export const roundQuantity = (value: number): number => Math.round(value * 1e6) / 1e6;

/** Progress of several challenges at once (their whole-challenge counters). */
export async function readProgress(
  sql: Sql,
  challengeIds: readonly string[],
): Promise<Map<string, Progress>> {
  const result = new Map<string, Progress>();
  if (challengeIds.length === 0) return result;
  const rows = await sql.query<ProgressRow>(
    `select challenge_id, sum(participants) as participants, sum(quantity) as quantity,
            sum(co2e_kg) as co2e_kg
       from progress_slot
      where challenge_id in (?) and team_id = ''
      group by challenge_id`,
    [challengeIds],
  );
  for (const id of challengeIds) result.set(id, toProgress(undefined));
  for (const row of rows) result.set(row.challenge_id, toProgress(row));
  return result;
}

/** Progress of one challenge. */
export async function readChallengeProgress(sql: Sql, challengeId: string): Promise<Progress> {
  const all = await readProgress(sql, [challengeId]);
  return all.get(challengeId) ?? toProgress(undefined);
}

/** Progress of each team of a challenge, by team id. */
export async function readTeamProgress(
  sql: Sql,
  challengeId: string,
): Promise<Map<string, Progress>> {
  const rows = await sql.query<ProgressRow & { team_id: string }>(
    `select challenge_id, team_id, sum(participants) as participants, sum(quantity) as quantity,
            sum(co2e_kg) as co2e_kg
       from progress_slot
      where challenge_id = ? and team_id <> '' and team_id not like 'org:%'
      group by challenge_id, team_id`,
    [challengeId],
  );
  return new Map(rows.map((row) => [row.team_id, toProgress(row)]));
}
