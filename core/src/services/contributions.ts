import { isEmail } from '../domain/email.js';
import { TandemError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { roundQuantity } from '../store/progress.js';
import { hasRole } from './access.js';
import type { ServiceContext, Viewer } from './context.js';
import { applyParticipation } from './participation.js';
import { upsertParticipant } from './participants.js';
import { loadPledgeable } from './pledges.js';

export interface ContributionInput {
  details: unknown;
  occurredAt?: string;
  participant?: { email: string };
}

export interface ContributionAnswer {
  id: string;
  quantity: number;
  unit: string | null;
  occurredAt: string;
  impact: { co2eKg: number; source?: string };
}

/**
 * `POST /api/challenges/{id}/contributions`: a measured report of the action
 * done. The participant reports for themselves; an agent (or admin) of the
 * organization may record one for someone else, named by e-mail. The action
 * type validates, quantifies and converts it to avoided CO2e; the counters
 * move in the same transaction.
 */
export async function recordContribution(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  input: ContributionInput,
): Promise<ContributionAnswer> {
  if (viewer.kind === 'anonymous') {
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to report a contribution.');
  }
  const { challenge } = await loadPledgeable(ctx, viewer, challengeId);
  const forSomeoneElse = input.participant !== undefined;
  if (forSomeoneElse && !hasRole(viewer, challenge.organizationId, 'agent')) {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      "Only the organization's agents may record a contribution for someone else.",
    );
  }
  if (!forSomeoneElse && viewer.kind !== 'participant') {
    throw invalid('participant', 'is required: the admin token acts for no participant');
  }
  if (input.participant && !isEmail(input.participant.email)) {
    throw invalid('participant/email', 'is not an e-mail address');
  }
  const now = ctx.now();
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  if (occurredAt.getTime() > now.getTime() + 5 * 60_000) {
    throw invalid('occurredAt', 'is in the future');
  }
  const actionType = ctx.registry.actionType(challenge.actionType);

  const answer = await ctx.db.transaction(async (tx) => {
    const participantId =
      input.participant !== undefined
        ? (await upsertParticipant(tx, { email: input.participant.email })).id
        : (viewer as Extract<Viewer, { kind: 'participant' }>).participantId;
    const [pledge] = await tx.query<{ details: Record<string, unknown>; team_id: string | null }>(
      `select details, team_id from pledge where challenge_id = ? and participant_id = ? and status = 'confirmed'`,
      [challenge.id, participantId],
    );
    const measured = actionType.measure({
      details: input.details,
      settings: challenge.actionSettings,
      pledge: pledge?.details ?? null,
      occurredAt,
    });
    const quantity = roundQuantity(measured.quantity);
    const co2eKg = roundQuantity(measured.co2eKg);
    const id = newId('ctb');
    const recordedBy = viewer.kind === 'participant' ? viewer.participantId : null;
    await tx.query(
      `insert into contribution (id, challenge_id, participant_id, recorded_by, details, quantity, co2e_kg, occurred_at)
       values (?, ?, ?, ?, ?::jsonb, ?, ?, ?)`,
      [
        id,
        challenge.id,
        participantId,
        recordedBy,
        JSON.stringify(measured.details),
        quantity,
        co2eKg,
        occurredAt,
      ],
    );
    const delta = await applyParticipation(tx, challenge.id, participantId, {
      contributions: 1,
      quantity,
      co2eKg,
      teamId: pledge?.team_id ?? null,
    });
    await appendEvents(tx, [
      {
        type: EventTypes.contributionRecorded,
        challengeId: challenge.id,
        organizationId: challenge.organizationId,
        payload: { contributionId: id, participantId, quantity, co2eKg, participantsDelta: delta },
      },
    ]);
    return {
      id,
      quantity,
      unit: actionType.unit,
      occurredAt: occurredAt.toISOString(),
      impact: { co2eKg, ...(measured.source ? { source: measured.source } : {}) },
    };
  });
  ctx.notifyCommitted();
  return answer;
}
