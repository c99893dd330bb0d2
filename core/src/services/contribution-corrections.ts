/**
 * A participant corrects or deletes a contribution they reported (a typo of
 * 250 km for 25), within `TANDEM_CONTRIBUTION_EDIT_DAYS` of recording it
 * (ADR 0029). The counters move by the difference in the same transaction,
 * and an event says so; an unlock already reached stays (API.md).
 */
import { TandemError, notFound } from '../errors.js';
import type { Sql } from '../store/database.js';
import { factorIdsLiteral, keepFactorVersions } from '../store/factors.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { applyParticipation } from '../store/participation.js';
import { roundQuantity } from '../store/progress.js';
import { requireParticipant } from './access.js';
import type { ServiceContext, Viewer } from './context.js';
import {
  checkAndMeasure,
  contributionDay,
  lockPerson,
  occurredAtOf,
  recordedThatDay,
  type ContributionAnswer,
} from './contributions.js';
import { editableUntil } from './me.js';
import { loadPledgeable } from './pledges.js';

/** `PATCH /api/contributions/{id}`: the new details, and when it happened if that changes. */
export interface ContributionCorrection {
  details: unknown;
  occurredAt?: string;
}

interface StoredContribution {
  id: string;
  challenge_id: string;
  participant_id: string | null;
  recorded_by: string | null;
  quantity: string;
  co2e_kg: string;
  occurred_at: Date;
  created_at: Date;
  closed_at: Date | null;
  invalidation_id: string | null;
}

const SELECT = `select k.id, k.challenge_id, k.participant_id, k.recorded_by,
                       k.quantity::text as quantity, k.co2e_kg::text as co2e_kg,
                       k.occurred_at, k.created_at, c.closed_at, k.invalidation_id
                  from contribution k join challenge c on c.id = k.challenge_id
                 where k.id = ?`;

/**
 * The contribution, if it is the viewer's own (someone else's does not
 * exist for them: 404) and may still change (409 `TANDEM_CONTRIBUTION_LOCKED`).
 */
function assertEditable(
  ctx: ServiceContext,
  participantId: string,
  id: string,
  row: StoredContribution | undefined,
): StoredContribution & { participant_id: string } {
  if (!row || row.participant_id !== participantId) throw notFound('contribution', id);
  if (row.invalidation_id !== null) {
    throw new TandemError(
      'TANDEM_INVALIDATED',
      'The organizer invalidated this contribution: it no longer counts and stays as it is.',
    );
  }
  const until = editableUntil(
    {
      recordedBy: row.recorded_by,
      participantId,
      recordedAt: new Date(row.created_at),
    },
    row.closed_at === null ? null : new Date(row.closed_at),
    ctx.config.contributionEditDays,
  );
  if (until === null) {
    throw new TandemError(
      'TANDEM_CONTRIBUTION_LOCKED',
      row.recorded_by !== participantId
        ? 'An agent of the organization recorded this contribution: their record stands; ask them to correct it.'
        : 'The challenge has closed: its figures no longer change.',
    );
  }
  if (ctx.now().getTime() > until.getTime()) {
    throw new TandemError(
      'TANDEM_CONTRIBUTION_LOCKED',
      `This contribution could be corrected until ${until.toISOString()}; it now stands as recorded.`,
    );
  }
  return { ...row, participant_id: participantId };
}

/**
 * Reads the contribution before and after taking its person's lock: the
 * first read says whose lock to take (and refuses strangers without
 * waiting), the second, under the lock, is the value the difference is
 * computed from, so two corrections at once apply one after the other.
 */
async function lockOwnContribution(
  ctx: ServiceContext,
  tx: Sql,
  participantId: string,
  id: string,
): Promise<StoredContribution & { participant_id: string }> {
  const [first] = await tx.query<StoredContribution>(SELECT, [id]);
  const own = assertEditable(ctx, participantId, id, first);
  await lockPerson(tx, own.challenge_id, participantId);
  const [locked] = await tx.query<StoredContribution>(`${SELECT} for update of k`, [id]);
  return assertEditable(ctx, participantId, id, locked);
}

/**
 * `PATCH /api/contributions/{id}`: re-validates the details with the action
 * type's schema, references and limits (the day's other contributions
 * count, this one's old figure does not), quantifies them again and moves
 * the challenge's counters (and its team's) by the difference.
 */
export async function correctContribution(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
  input: ContributionCorrection,
): Promise<ContributionAnswer> {
  const me = requireParticipant(viewer);
  return ctx.db.transaction(async (tx) => {
    const stored = await lockOwnContribution(ctx, tx, me.participantId, id);
    const { challenge, campaign } = await loadPledgeable(ctx, viewer, stored.challenge_id, tx);
    const now = ctx.now();
    const occurredAt =
      input.occurredAt === undefined
        ? new Date(stored.occurred_at)
        : occurredAtOf(input.occurredAt, now);
    const actionType = ctx.registry.actionType(challenge.actionType);
    const details = actionType.validateContribution(input.details);
    const day = await contributionDay(
      tx,
      { challenge, campaign },
      actionType,
      details,
      occurredAt,
      now,
    );
    const [pledge] = await tx.query<{ details: Record<string, unknown> }>(
      'select details from pledge where challenge_id = ? and participant_id = ?',
      [challenge.id, me.participantId],
    );
    const recorded = await recordedThatDay(tx, challenge.id, me.participantId, day, id);
    const measured = await checkAndMeasure(tx, actionType, challenge, {
      details,
      pledge: pledge?.details ?? null,
      occurredAt,
      recordedBy: 'self',
      recorded,
    });
    const onceKey = actionType.onceKey({
      details: measured.details,
      settings: challenge.actionSettings,
      day,
    });
    if (onceKey !== null) {
      // Under the person's lock, so no other of their contributions can take the key meanwhile.
      const taken = await tx.query(
        `select 1 from contribution
          where challenge_id = ? and participant_id = ? and once_key = ? and id <> ?`,
        [challenge.id, me.participantId, onceKey, id],
      );
      if (taken.length > 0) {
        throw new TandemError(
          'TANDEM_CONTRIBUTION_ALREADY_COUNTED',
          `Another of your contributions already counts for "${onceKey}"; it counts once.`,
        );
      }
    }
    const quantity = roundQuantity(measured.quantity);
    const co2eKg = roundQuantity(measured.co2eKg);
    // A correction is measured again, so with the factors in force now (ADR 0045).
    const factorIds = await keepFactorVersions(tx, ctx.db, measured.cites ?? []);
    await tx.query(
      `update contribution
          set details = ?::jsonb, quantity = ?, co2e_kg = ?, impact = ?::jsonb,
              occurred_at = ?, day = ?::date, once_key = ?, corrected_at = ?,
              factor_ids = ?::text[]
        where id = ?`,
      [
        JSON.stringify(measured.details),
        quantity,
        co2eKg,
        JSON.stringify({ source: measured.source ?? null, factors: measured.factors ?? {} }),
        occurredAt,
        day,
        onceKey,
        now,
        factorIdsLiteral(factorIds),
        id,
      ],
    );
    const quantityDelta = roundQuantity(quantity - Number(stored.quantity));
    const co2eKgDelta = roundQuantity(co2eKg - Number(stored.co2e_kg));
    await applyParticipation(tx, challenge.id, me.participantId, {
      quantity: quantityDelta,
      co2eKg: co2eKgDelta,
    });
    await appendEvents(tx, [
      {
        type: EventTypes.contributionCorrected,
        challengeId: challenge.id,
        organizationId: challenge.organizationId,
        payload: {
          contributionId: id,
          participantId: me.participantId,
          quantity,
          co2eKg,
          quantityDelta,
          co2eKgDelta,
        },
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
}

/**
 * `DELETE /api/contributions/{id}`: takes the contribution off the
 * challenge's counters; a person it alone counted (no live pledge, no other
 * contribution) stops counting.
 */
export async function deleteContribution(
  ctx: ServiceContext,
  viewer: Viewer,
  id: string,
): Promise<{ status: 'deleted' }> {
  const me = requireParticipant(viewer);
  return ctx.db.transaction(async (tx) => {
    const stored = await lockOwnContribution(ctx, tx, me.participantId, id);
    const { challenge } = await loadPledgeable(ctx, viewer, stored.challenge_id, tx);
    await tx.query('delete from contribution where id = ?', [id]);
    const quantity = Number(stored.quantity);
    const co2eKg = Number(stored.co2e_kg);
    const participantsDelta = await applyParticipation(tx, challenge.id, me.participantId, {
      contributions: -1,
      quantity: -quantity,
      co2eKg: -co2eKg,
    });
    await appendEvents(tx, [
      {
        type: EventTypes.contributionDeleted,
        challengeId: challenge.id,
        organizationId: challenge.organizationId,
        payload: {
          contributionId: id,
          participantId: me.participantId,
          quantity,
          co2eKg,
          participantsDelta,
        },
      },
    ]);
    return { status: 'deleted' as const };
  });
}
