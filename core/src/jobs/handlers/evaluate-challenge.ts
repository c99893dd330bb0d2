import { evaluateChallenge as evaluate } from '../../domain/lifecycle.js';
import type { Database } from '../../store/database.js';
import { loadChallenge, toChallengeState } from '../../store/challenges.js';
import { applyEvaluationRows, type EvaluationOutcome } from '../../store/evaluations.js';
import { readChallengeProgress } from '../../store/progress.js';
import { recordMilestones } from '../scheduled/milestones.js';

export type { EvaluationOutcome } from '../../store/evaluations.js';

/**
 * Evaluates one challenge: locks its row, reads its progress, records the
 * milestones it reached, runs the pure evaluation and writes unlocks and
 * events in one transaction. Safe to run twice or concurrently: the row
 * lock orders runs, and the unique keys on (challenge, tier) and
 * (challenge, tier, percent) make a second unlock or milestone impossible
 * even if a run were to slip past the lock.
 */
export async function evaluateChallengeNow(
  db: Database,
  challengeId: string,
  now: Date = new Date(),
): Promise<EvaluationOutcome> {
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
