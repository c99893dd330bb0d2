import type { Evaluation } from '../domain/lifecycle.js';
import { newId } from '../ids.js';
import { DEFAULT_DELIVERY_SQL } from './challenges.js';
import type { Tx } from './database.js';
import { insertAuditEntries, type AuditActor, type AuditRecord } from './audit.js';
import { appendEvents, EventTypes, type NewEvent } from './outbox.js';

// The rows an evaluation writes, apart from the job that runs it: a manual
// close (services/challenges.ts) writes the same rows (docs/decisions/0020).

export interface EvaluationOutcome {
  /** Tiers this run unlocked (an empty list when another run got there first). */
  unlockedTierIds: string[];
  status: string | null;
}

/**
 * Writes what an evaluation decided: unlock rows (guarded by their unique
 * key), the challenge's new status and closing time, their events and
 * their audit entries (ADR 0039). Shared by the evaluator and a manual
 * close, which names the admin who closed it as `actor`.
 */
export async function applyEvaluationRows(
  tx: Tx,
  challenge: { id: string; organizationId: string; status: string; closedAt: Date | null },
  progress: { participants: number; quantity: number; co2eKg: number },
  evaluation: Evaluation,
  actor: AuditActor = { kind: 'system', label: 'evaluation' },
): Promise<EvaluationOutcome> {
  const events: NewEvent[] = [];
  const audit: AuditRecord[] = [];
  const entry = (action: AuditRecord['action'], details: Record<string, unknown>) =>
    audit.push({ ...base, actor, action, details });
  const unlockedTierIds: string[] = [];
  const base = { challengeId: challenge.id, organizationId: challenge.organizationId };
  for (const unlock of evaluation.unlocks) {
    const inserted = await tx.query<{ id: string }>(
      `insert into unlock (id, challenge_id, tier_id, unlocked_at, progress, deliver_by)
       values (?, ?, ?, ?, ?::jsonb, ?::timestamptz + ${DEFAULT_DELIVERY_SQL})
       on conflict (challenge_id, tier_id) do nothing
       returning id`,
      [
        newId('unl'),
        challenge.id,
        unlock.tierId,
        unlock.unlockedAt,
        JSON.stringify(progress),
        unlock.unlockedAt,
      ],
    );
    if (inserted.length === 0) continue;
    unlockedTierIds.push(unlock.tierId);
    entry('tier.unlocked', { tierId: unlock.tierId, progress });
    events.push({
      ...base,
      type: EventTypes.challengeUnlocked,
      payload: { tierId: unlock.tierId, unlockedAt: unlock.unlockedAt.toISOString(), progress },
    });
  }
  const statusChanged = evaluation.status !== challenge.status;
  const closedNow = evaluation.closedAt !== null && challenge.closedAt === null;
  if (statusChanged || closedNow) {
    await tx.query(
      `update challenge set status = ?, closed_at = ?, updated_at = now() where id = ?`,
      [evaluation.status, evaluation.closedAt, challenge.id],
    );
  }
  if (statusChanged && evaluation.status === 'succeeded') {
    events.push({ ...base, type: EventTypes.challengeSucceeded, payload: { status: 'succeeded' } });
    entry('challenge.succeeded', { progress });
  }
  if (closedNow) {
    events.push({
      ...base,
      type: EventTypes.challengeClosed,
      payload: {
        status: evaluation.status,
        closedAt: evaluation.closedAt?.toISOString(),
        progress,
      },
    });
    entry('challenge.closed', { status: evaluation.status, progress });
  }
  await appendEvents(tx, events);
  await insertAuditEntries(tx, audit);
  return { unlockedTierIds, status: evaluation.status };
}
