import type { Sql } from '../store/database.js';
import { bumpProgress, WHOLE_CHALLENGE } from '../store/progress.js';

export interface ParticipationChange {
  /** Sets whether the person holds a confirmed pledge. */
  pledged?: boolean;
  /** Adds recorded contributions. */
  contributions?: number;
  quantity?: number;
  co2eKg?: number;
  /** The team they act for; applies when they start counting. */
  teamId?: string | null;
}

/**
 * Applies one person's change to a challenge's counters, in the caller's
 * transaction. A person counts once (API.md, "Who counts") whether a
 * confirmed pledge, contributions or both brought them in; their row is
 * locked so concurrent pledge and contribution cannot count them twice.
 *
 * @returns how the participant count moved (-1, 0 or +1)
 */
export async function applyParticipation(
  tx: Sql,
  challengeId: string,
  participantId: string,
  change: ParticipationChange,
): Promise<number> {
  await tx.query(
    `insert into participation (challenge_id, participant_id, team_id) values (?, ?, ?)
     on conflict (challenge_id, participant_id) do nothing`,
    [challengeId, participantId, change.teamId ?? WHOLE_CHALLENGE],
  );
  const [row] = await tx.query<{ pledged: boolean; contributions: number; team_id: string }>(
    `select pledged, contributions, team_id from participation
      where challenge_id = ? and participant_id = ? for update`,
    [challengeId, participantId],
  );
  if (!row) throw new Error('participation row vanished inside its transaction');
  const wasCounted = row.pledged || row.contributions > 0;
  const pledged = change.pledged ?? row.pledged;
  const contributions = row.contributions + (change.contributions ?? 0);
  const isCounted = pledged || contributions > 0;
  // A person who starts counting again may do so for another team.
  const teamId =
    !wasCounted && change.teamId !== undefined ? (change.teamId ?? WHOLE_CHALLENGE) : row.team_id;
  await tx.query(
    `update participation set pledged = ?, contributions = ?, team_id = ?
      where challenge_id = ? and participant_id = ?`,
    [pledged, contributions, teamId, challengeId, participantId],
  );
  const delta = Number(isCounted) - Number(wasCounted);
  await bumpProgress(tx, challengeId, teamId, {
    participants: delta,
    quantity: change.quantity ?? 0,
    co2eKg: change.co2eKg ?? 0,
  });
  return delta;
}
