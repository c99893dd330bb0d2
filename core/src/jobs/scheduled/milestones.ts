import { reachedMilestones, type Milestone } from '../../domain/milestones.js';
import type { Progress, Tier } from '../../domain/types.js';
import type { Tx } from '../../store/database.js';
import { Events } from '../../events/catalogue.js';
import { appendEvents, type NewEvent } from '../../store/outbox.js';

/** The outbox event a new milestone writes (payload `{ tierId, percent, progress }`). */
export const MILESTONE_EVENT = Events.challengeMilestone.type;

/** What {@link recordMilestones} needs to know of the challenge. */
export interface MilestoneChallenge {
  id: string;
  organizationId: string;
  status: string;
  deadline: Date | null;
  closedAt: Date | null;
  tiers: readonly Pick<Tier, 'id' | 'goal'>[];
}

/**
 * Records the milestones `progress` reaches that are not recorded yet, and
 * appends one `challenge.milestone` event for each row it inserts, in the
 * caller's transaction (the evaluation, which holds the challenge's row
 * lock). Each (challenge, tier, percent) is a primary key and its event is
 * written only when the insert took, so a replayed or concurrent
 * evaluation writes no second event. A milestone reached stays when
 * progress later drops, and is not announced again when it climbs back.
 *
 * A draft has no milestones. A challenge that closed keeps its progress as
 * it was (pledges and contributions are refused), so a late evaluation may
 * still record what was reached before the close, stamped no later than it.
 *
 * @returns the milestones recorded by this call
 */
export async function recordMilestones(
  tx: Tx,
  challenge: MilestoneChallenge,
  progress: Progress,
  now: Date,
): Promise<Milestone[]> {
  if (challenge.status === 'draft') return [];
  const reached = reachedMilestones(challenge.tiers, progress);
  if (reached.length === 0) return [];
  const known = await tx.query<{ tier_id: string; percent: number }>(
    'select tier_id, percent from challenge_milestone where challenge_id = ?',
    [challenge.id],
  );
  const isKnown = new Set(known.map((row) => `${row.tier_id}/${row.percent}`));
  const fresh = reached.filter((m) => !isKnown.has(`${m.tierId}/${m.percent}`));
  if (fresh.length === 0) return [];

  const ends = [challenge.closedAt, challenge.deadline].filter((d): d is Date => d !== null);
  const reachedAt = new Date(Math.min(now.getTime(), ...ends.map((d) => d.getTime())));
  const recorded: Milestone[] = [];
  const events: NewEvent[] = [];
  for (const milestone of fresh) {
    const inserted = await tx.query(
      `insert into challenge_milestone (challenge_id, tier_id, percent, reached_at, progress)
       values (?, ?, ?, ?, ?::jsonb)
       on conflict (challenge_id, tier_id, percent) do nothing
       returning percent`,
      [challenge.id, milestone.tierId, milestone.percent, reachedAt, JSON.stringify(progress)],
    );
    if (inserted.length === 0) continue;
    recorded.push(milestone);
    events.push({
      type: MILESTONE_EVENT,
      challengeId: challenge.id,
      organizationId: challenge.organizationId,
      payload: { tierId: milestone.tierId, percent: milestone.percent, progress },
    });
  }
  await appendEvents(tx, events);
  return recorded;
}
