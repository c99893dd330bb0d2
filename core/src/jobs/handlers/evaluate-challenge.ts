import { evaluateChallenge as evaluate } from '../../domain/lifecycle.js';
import type { ChallengeState, Progress } from '../../domain/types.js';
import { reachedMilestones } from '../../domain/milestones.js';
import { definitionsOf, type ChallengeDefinition } from '../../store/challenge-definitions.js';
import type { Database, Sql } from '../../store/database.js';
import { loadChallenge, toChallengeState } from '../../store/challenges.js';
import { applyEvaluationRows, type EvaluationOutcome } from '../../store/evaluations.js';
import { readChallengeProgress, roundQuantity } from '../../store/progress.js';
import { reachedPartnerTiers, unlockPartnerTiers } from '../../store/partners.js';
import { recordMilestones } from '../scheduled/milestones.js';

export type { EvaluationOutcome } from '../../store/evaluations.js';

/**
 * Evaluates one challenge: locks its row, reads its progress, records the
 * milestones it reached, runs the pure evaluation and writes unlocks and
 * events in one transaction. Safe to run twice or concurrently: the row
 * lock orders runs, and the unique keys on (challenge, tier) and
 * (challenge, tier, percent) make a second unlock or milestone impossible
 * even if a run were to slip past the lock.
 *
 * Most runs change nothing (a pledge that crosses no threshold), so a run
 * first looks without the lock — one statement, the definition remembered —
 * and takes the lock only when the same pure evaluation says something is
 * to be written (an unlock, a status, a close, a milestone). Evaluations of
 * a busy challenge then no longer queue behind its row lock.
 */
export async function evaluateChallengeNow(
  db: Database,
  challengeId: string,
  now: Date = new Date(),
): Promise<EvaluationOutcome> {
  const definition = await definitionsOf(db).challenge(db, challengeId);
  if (!definition) return { unlockedTierIds: [], status: null };
  await unlockPartnerSubGoals(db, definition.organizationId, challengeId, now);
  const glance = await glanceAt(db, definition, challengeId);
  if (glance && glance.status !== 'draft') {
    const evaluation = evaluate(glance.state, glance.progress, now);
    const milestones = reachedMilestones(definition.tiers, glance.progress).filter(
      (m) => !glance.milestones.has(`${m.tierId}/${m.percent}`),
    );
    if (!evaluation.changed && milestones.length === 0) {
      return { unlockedTierIds: [], status: glance.status };
    }
  }
  return db.transaction(async (tx) => {
    const challenge = await loadChallenge(tx, challengeId, { lock: true });
    if (!challenge) return { unlockedTierIds: [], status: null };
    const progress = await readChallengeProgress(tx, challengeId);
    // Milestones first: their events precede the unlock a 100 % brings.
    await recordMilestones(tx, challenge, progress, now);
    const evaluation = evaluate(toChallengeState(challenge), progress, now);
    if (!evaluation.changed) return { unlockedTierIds: [], status: challenge.status };
    return applyEvaluationRows(tx, challenge, progress, evaluation);
  });
}

/**
 * A federated challenge's partner sub-goals (ADR 0043) unlock on their
 * partner's share, apart from the challenge's own tiers and lifecycle: one
 * read, and a transaction only when one is reached, which marks it once and
 * logs it in the audit.
 */
async function unlockPartnerSubGoals(
  db: Database,
  organizationId: string,
  challengeId: string,
  now: Date,
): Promise<void> {
  const reached = await reachedPartnerTiers(db, challengeId);
  if (reached.length === 0) return;
  await db.transaction((tx) => unlockPartnerTiers(tx, organizationId, challengeId, reached, now));
}

/**
 * What an evaluation reads, in one statement without locks: the live state,
 * the unlocks, fulfilments and milestones so far, and the progress.
 */
async function glanceAt(
  sql: Sql,
  definition: ChallengeDefinition,
  challengeId: string,
): Promise<
  { status: string; state: ChallengeState; progress: Progress; milestones: Set<string> } | undefined
> {
  const [row] = await sql.query<{
    status: ChallengeState['status'];
    deadline: Date | null;
    closed_at: Date | null;
    unlocked: { tierId: string; at: string }[];
    fulfilled: string[];
    milestones: string[];
    participants: string | number | null;
    quantity: string | number | null;
    co2e_kg: string | number | null;
  }>(
    `select c.status, c.deadline, c.closed_at,
            (select coalesce(json_agg(json_build_object('tierId', u.tier_id, 'at', u.unlocked_at)), '[]'::json)
               from unlock u where u.challenge_id = c.id) as unlocked,
            (select coalesce(json_agg(t.id), '[]'::json)
               from tier t where t.challenge_id = c.id and t.fulfilled_at is not null) as fulfilled,
            (select coalesce(json_agg(m.tier_id || '/' || m.percent), '[]'::json)
               from challenge_milestone m where m.challenge_id = c.id) as milestones,
            p.participants, p.quantity, p.co2e_kg
       from challenge c
       left join lateral (
         select sum(participants) as participants, sum(quantity) as quantity,
                sum(co2e_kg) as co2e_kg
           from progress_slot where challenge_id = c.id and team_id = ''
       ) p on true
      where c.id = ?`,
    [challengeId],
  );
  if (!row) return undefined;
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  const unlocked: Record<string, Date> = {};
  for (const unlock of row.unlocked) unlocked[unlock.tierId] = new Date(unlock.at);
  return {
    status: row.status,
    state: {
      status: row.status,
      tiers: definition.tiers,
      unlocked,
      fulfilled: row.fulfilled,
      deadline: date(row.deadline),
      closedAt: date(row.closed_at),
    },
    progress: {
      participants: Number(row.participants ?? 0),
      quantity: roundQuantity(Number(row.quantity ?? 0)),
      co2eKg: roundQuantity(Number(row.co2e_kg ?? 0)),
    },
    milestones: new Set(row.milestones),
  };
}
