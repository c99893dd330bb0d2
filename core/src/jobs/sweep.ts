import type { Database } from '../store/database.js';
import { Jobs, type JobQueue } from './queue.js';

/**
 * Enqueues an evaluation for challenges that need one without a new event:
 * every open challenge at start-up (the in-process queue forgets what was
 * waiting when a process dies) and, on each tick, those whose deadline has
 * passed but are not closed yet.
 */
export async function sweepChallenges(
  db: Database,
  queue: JobQueue,
  scope: 'all-open' | 'past-deadline',
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `select id from challenge
      where closed_at is null and status in ('open', 'succeeded')
        ${scope === 'past-deadline' ? 'and deadline <= now()' : ''}`,
  );
  for (const row of rows) {
    await queue.enqueue(
      Jobs.evaluateChallenge,
      { challengeId: row.id },
      { dedupeKey: `evaluate-${row.id}` },
    );
  }
  return rows.length;
}
