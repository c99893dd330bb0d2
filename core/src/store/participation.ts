import type { Sql } from './unit-of-work.js';
import { progressBump, WHOLE_CHALLENGE } from './progress.js';

export interface ParticipationChange {
  /** Sets whether the person holds a confirmed pledge. */
  pledged?: boolean;
  /** Adds recorded contributions. */
  contributions?: number;
  quantity?: number;
  co2eKg?: number;
  /** The team they act for; applies when they start counting. */
  teamId?: string | null;
  /**
   * The partner organization they came through (ADR 0043), null for the
   * owner; applies only when their participation row is created: a person
   * counts in the share of the first organization that confirmed them,
   * and stays there.
   */
  via?: string | null;
}

/**
 * Applies one person's change to a challenge's counters, in the caller's
 * transaction. A person counts once (API.md, "Who counts") whether a
 * confirmed pledge, contributions or both brought them in.
 *
 * A newcomer (the usual pledge) costs one statement: their row is inserted
 * with its final values and the counters bumped in the same statement, only
 * if the insert took place. Otherwise — the row exists, or a concurrent
 * transaction is inserting it and wins — the row is locked and read, then
 * updated with the counters in a second statement, so concurrent pledge and
 * contribution cannot count them twice.
 *
 * @returns how the participant count moved (-1, 0 or +1)
 */
export async function applyParticipation(
  tx: Sql,
  challengeId: string,
  participantId: string,
  change: ParticipationChange,
): Promise<number> {
  const quantity = change.quantity ?? 0;
  const co2eKg = change.co2eKg ?? 0;
  const team = change.teamId ?? WHOLE_CHALLENGE;
  const via = change.via ?? null;

  // A newcomer: nothing counted before, so the delta is known in advance.
  const pledgedNew = change.pledged ?? false;
  const contributionsNew = change.contributions ?? 0;
  const newDelta = Number(pledgedNew || contributionsNew > 0);
  const bumpNew = progressBump(
    challengeId,
    team,
    { participants: newDelta, quantity, co2eKg },
    'fresh',
    via,
  );
  const [fresh] = await tx.query<{ fresh: number }>(
    `with fresh as (
       insert into participation (challenge_id, participant_id, team_id, pledged, contributions,
                                  via_organization_id)
       values (?, ?, ?, ?, ?, ?)
       on conflict (challenge_id, participant_id) do nothing
       returning team_id
     )${bumpNew ? `, bumped as (${bumpNew.sql})` : ''}
     select count(*)::int as fresh from fresh`,
    [
      challengeId,
      participantId,
      team,
      pledgedNew,
      contributionsNew,
      via,
      ...(bumpNew?.params ?? []),
    ],
  );
  if (fresh && fresh.fresh > 0) return newDelta;

  const [row] = await tx.query<{
    pledged: boolean;
    contributions: number;
    team_id: string;
    via_organization_id: string | null;
  }>(
    `select pledged, contributions, team_id, via_organization_id from participation
      where challenge_id = ? and participant_id = ? for update`,
    [challengeId, participantId],
  );
  if (!row) throw new Error('participation row vanished inside its transaction');
  const wasCounted = row.pledged || row.contributions > 0;
  const pledged = change.pledged ?? row.pledged;
  const contributions = row.contributions + contributionsNew;
  const isCounted = pledged || contributions > 0;
  // A person who starts counting again may do so for another team.
  const teamId =
    !wasCounted && change.teamId !== undefined ? (change.teamId ?? WHOLE_CHALLENGE) : row.team_id;
  const delta = Number(isCounted) - Number(wasCounted);
  // Their share is the one they first counted in, whatever brought them back.
  const bump = progressBump(
    challengeId,
    teamId,
    { participants: delta, quantity, co2eKg },
    undefined,
    row.via_organization_id,
  );
  const update = `update participation set pledged = ?, contributions = ?, team_id = ?
      where challenge_id = ? and participant_id = ?`;
  const updateParams = [pledged, contributions, teamId, challengeId, participantId];
  // The update and the counters in one statement.
  await tx.query(
    bump ? `with updated as (${update}) ${bump.sql}` : update,
    bump ? [...updateParams, ...bump.params] : updateParams,
  );
  return delta;
}
