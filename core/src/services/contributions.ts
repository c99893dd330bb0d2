import { parseEmailField } from '../domain/email.js';
import { TandemError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { bumpProgress, roundQuantity, WHOLE_CHALLENGE } from '../store/progress.js';
import { hasRole } from './access.js';
import type { ServiceContext, Viewer } from './context.js';
import { applyParticipation } from './participation.js';
import {
  RESIDENT_CODE_PATTERN,
  upsertParticipant,
  upsertParticipantByCode,
} from './participants.js';
import { loadPledgeable } from './pledges.js';

export interface ContributionInput {
  details: unknown;
  occurredAt?: string;
  /**
   * Omitted: the signed-in participant reports for themselves. An e-mail or
   * a resident code: an agent records for that person. `null`: an agent
   * records an unnamed contribution (a weigh-in nobody claimed), which adds
   * to the quantity but counts nobody.
   */
  participant?: { email: string } | { code: string } | null;
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
  const named = input.participant;
  const forSomeoneElse = named !== undefined;
  if (forSomeoneElse && !hasRole(viewer, challenge.organizationId, 'agent')) {
    throw new TandemError(
      'TANDEM_AUTH_FORBIDDEN',
      "Only the organization's agents may record a contribution for someone else.",
    );
  }
  if (!forSomeoneElse && viewer.kind !== 'participant') {
    throw invalid('participant', 'is required: the admin token acts for no participant');
  }
  const namedEmail =
    named && 'email' in named ? parseEmailField(named.email, 'participant/email') : null;
  if (named && 'code' in named && !RESIDENT_CODE_PATTERN.test(named.code)) {
    throw invalid('participant/code', 'must be 4 to 32 letters, digits or dashes');
  }
  const now = ctx.now();
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  if (occurredAt.getTime() > now.getTime() + 5 * 60_000) {
    throw invalid('occurredAt', 'is in the future');
  }
  const actionType = ctx.registry.actionType(challenge.actionType);

  const answer = await ctx.db.transaction(async (tx) => {
    let participantId: string | null;
    if (named === undefined) {
      participantId = (viewer as Extract<Viewer, { kind: 'participant' }>).participantId;
    } else if (named === null) {
      participantId = null;
    } else if (namedEmail !== null) {
      participantId = (await upsertParticipant(tx, { email: namedEmail })).id;
    } else if ('code' in named) {
      participantId = (
        await upsertParticipantByCode(tx, {
          organizationId: challenge.organizationId,
          code: named.code,
        })
      ).id;
    } else {
      throw new Error('a named participant has an e-mail or a code');
    }
    const [pledge] = participantId
      ? await tx.query<{ details: Record<string, unknown>; team_id: string | null }>(
          `select details, team_id from pledge where challenge_id = ? and participant_id = ? and status = 'confirmed'`,
          [challenge.id, participantId],
        )
      : [];
    const measured = actionType.measure({
      details: input.details,
      settings: challenge.actionSettings,
      pledge: pledge?.details ?? null,
      occurredAt,
      recordedBy: named === undefined ? 'self' : 'agent',
    });
    const quantity = roundQuantity(measured.quantity);
    const co2eKg = roundQuantity(measured.co2eKg);
    const id = newId('ctb');
    const recordedBy = viewer.kind === 'participant' ? viewer.participantId : null;
    await tx.query(
      `insert into contribution (id, challenge_id, participant_id, recorded_by, details, quantity, co2e_kg, impact, occurred_at)
       values (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?)`,
      [
        id,
        challenge.id,
        participantId,
        recordedBy,
        JSON.stringify(measured.details),
        quantity,
        co2eKg,
        JSON.stringify({ source: measured.source ?? null, factors: measured.factors ?? {} }),
        occurredAt,
      ],
    );
    let delta = 0;
    if (participantId) {
      delta = await applyParticipation(tx, challenge.id, participantId, {
        contributions: 1,
        quantity,
        co2eKg,
        teamId: pledge?.team_id ?? null,
      });
    } else {
      await bumpProgress(tx, challenge.id, WHOLE_CHALLENGE, { participants: 0, quantity, co2eKg });
    }
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
