import { contributionWindow, dayIn, isDay } from '../domain/days.js';
import { parseEmailField } from '../domain/email.js';
import { TandemError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import type { ActionType, RecordedSoFar } from '../sdk/action-type.js';
import type { ChallengeRecord } from '../store/challenges.js';
import type { Sql } from '../store/database.js';
import { withinUnitOfWork, type Tx } from '../store/unit-of-work.js';
import { appendEvents, EventTypes } from '../store/outbox.js';
import { bumpProgress, roundQuantity, WHOLE_CHALLENGE } from '../store/progress.js';
import { hasRole } from './access.js';
import { assertPersonInAudience } from './audience.js';
import type { ServiceContext, Viewer } from './context.js';
import { applyParticipation } from '../store/participation.js';
import {
  RESIDENT_CODE_PATTERN,
  upsertParticipant,
  upsertParticipantByCode,
  type ParticipantRef,
} from '../store/participants.js';
import type { CampaignRecord } from './organizations.js';
import { confirmPledgeRow, loadPledgeable } from './pledges.js';

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

/** The organization's time zone, which decides the day of a contribution without a date. */
async function timeZoneOf(sql: Sql, organizationId: string): Promise<string> {
  const [row] = await sql.query<{ time_zone: string }>(
    'select time_zone from organization where id = ?',
    [organizationId],
  );
  if (!row) throw new Error(`organization ${organizationId} vanished`);
  return row.time_zone;
}

/**
 * Serializes one person's contributions to one challenge until the
 * transaction ends, so that what they recorded that day, read next, cannot
 * change before this contribution is stored: 76 requests at once are
 * checked one after the other against a growing total.
 */
export async function lockPerson(
  tx: Sql,
  challengeId: string,
  participantId: string,
): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
    `contribution/${challengeId}/${participantId}`,
  ]);
}

/**
 * What the person recorded on the challenge that day, oldest first;
 * `except` leaves out the contribution being corrected, whose new figure
 * takes its place.
 */
export async function recordedThatDay(
  tx: Sql,
  challengeId: string,
  participantId: string,
  day: string,
  except: string | null = null,
): Promise<RecordedSoFar<Record<string, unknown>>> {
  const rows = await tx.query<{ details: Record<string, unknown>; quantity: string | number }>(
    `select details, quantity from contribution
      where challenge_id = ? and participant_id = ? and day = ?::date and id is distinct from ?
      order by created_at, id`,
    [challengeId, participantId, day, except],
  );
  const sameDay = rows.map((row) => ({ details: row.details, quantity: Number(row.quantity) }));
  const dayQuantity = roundQuantity(sameDay.reduce((sum, row) => sum + row.quantity, 0));
  return { day, sameDay, dayQuantity };
}

/**
 * What a contribution's details come to, as its action type says: the
 * references it names are checked (inside the transaction), then it is
 * measured against what the person already recorded that day. One path for
 * a new contribution and a corrected one, so a correction passes every
 * check a first report does.
 */
export async function checkAndMeasure(
  tx: Sql,
  actionType: ActionType,
  challenge: Pick<ChallengeRecord, 'id' | 'organizationId' | 'actionSettings'>,
  input: {
    details: Record<string, unknown>;
    pledge: Record<string, unknown> | null;
    occurredAt: Date;
    recordedBy: 'self' | 'agent';
    recorded: RecordedSoFar<Record<string, unknown>>;
  },
) {
  await actionType.checkReferences({
    details: input.details,
    settings: challenge.actionSettings,
    challenge: { id: challenge.id, organizationId: challenge.organizationId },
    sql: tx,
  });
  return actionType.measure({
    details: input.details,
    settings: challenge.actionSettings,
    pledge: input.pledge,
    occurredAt: input.occurredAt,
    recordedBy: input.recordedBy,
    recorded: input.recorded,
  });
}

/**
 * When a contribution happened: the time given, else now; never in the
 * future (five minutes of clock skew allowed).
 */
export function occurredAtOf(given: string | undefined, now: Date): Date {
  const occurredAt = given ? new Date(given) : now;
  if (occurredAt.getTime() > now.getTime() + 5 * 60_000) {
    throw invalid('occurredAt', 'is in the future');
  }
  return occurredAt;
}

/**
 * The day a contribution counts for, inside the campaign's window (finding:
 * 1970 and 1900 were accepted): its details' own day when the action type
 * has one, else the day of `occurredAt` in the organization's time zone.
 *
 * @throws TandemError `TANDEM_REQUEST_INVALID` on `occurredAt` or
 *   `details/<dayField>` when the day falls outside the window
 */
export async function contributionDay(
  sql: Sql,
  where: { challenge: ChallengeRecord; campaign: CampaignRecord },
  actionType: ActionType,
  details: Record<string, unknown>,
  occurredAt: Date,
  now: Date,
): Promise<string> {
  const { challenge, campaign } = where;
  const timeZone = await timeZoneOf(sql, challenge.organizationId);
  const window = contributionWindow(
    {
      startsAt: campaign.startsAt,
      openedAt: challenge.openedAt,
      closedAt: challenge.closedAt,
      deadline: challenge.deadline,
      endsAt: campaign.endsAt,
    },
    now,
    timeZone,
  );
  const outside = (day: string) => day < window.first || day > window.last;
  const between = `must fall between ${window.first} and ${window.last} (the campaign's days so far, ${timeZone})`;
  const day = dayIn(occurredAt, timeZone);
  if (outside(day)) throw invalid('occurredAt', `${day} ${between}`);
  const ownDay = actionType.dayField === null ? undefined : details[actionType.dayField];
  if (typeof ownDay === 'string') {
    const path = `details/${actionType.dayField}`;
    if (!isDay(ownDay)) throw invalid(path, 'must be a calendar day, YYYY-MM-DD');
    if (outside(ownDay)) throw invalid(path, `${ownDay} ${between}`);
    return ownDay;
  }
  return day;
}

/**
 * `POST /api/challenges/{id}/contributions`: a measured report of the action
 * done. The participant reports for themselves, once they hold a live
 * pledge (409 `TANDEM_PLEDGE_REQUIRED` otherwise); an agent (or admin) of
 * the organization may record one for someone else, named by e-mail or
 * resident code, which confirms that person's pledge if they had none —
 * after the same audience check as a pledge. The audience of the caller is
 * checked before anything else (403 for an outsider).
 *
 * The action type validates and checks the references of the details, and
 * its limits hold per person and day: the contributions of one person to
 * one challenge are serialized, and the action type sees what they already
 * recorded that day. The day must fall in the campaign's window
 * ({@link contributionWindow}). The counters move in the same transaction.
 */
export async function recordContribution(
  ctx: ServiceContext,
  viewer: Viewer,
  challengeId: string,
  input: ContributionInput,
  /** The caller's unit of work to join; the contribution commits with it. */
  tx?: Tx,
): Promise<ContributionAnswer> {
  if (viewer.kind === 'anonymous') {
    throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to report a contribution.');
  }
  const sql: Sql = tx ?? ctx.db;
  const { challenge, campaign } = await loadPledgeable(ctx, viewer, challengeId, sql);
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
  const occurredAt = occurredAtOf(input.occurredAt, now);
  const actionType = ctx.registry.actionType(challenge.actionType);
  const details = actionType.validateContribution(input.details);
  const day = await contributionDay(
    sql,
    { challenge, campaign },
    actionType,
    details,
    occurredAt,
    now,
  );

  const answer = await withinUnitOfWork(ctx.db, tx, async (tx) => {
    let person: ParticipantRef | null;
    if (named === undefined) {
      const self = viewer as Extract<Viewer, { kind: 'participant' }>;
      person = { id: self.participantId, email: self.email, displayName: null };
    } else if (named === null) {
      person = null;
    } else if (namedEmail !== null) {
      person = await upsertParticipant(tx, ctx.keyring, { email: namedEmail });
    } else if ('code' in named) {
      person = await upsertParticipantByCode(tx, {
        organizationId: challenge.organizationId,
        code: named.code,
      });
    } else {
      throw new Error('a named participant has an e-mail or a code');
    }
    const participantId = person?.id ?? null;
    let pledge:
      | {
          details: Record<string, unknown>;
          team_id: string | null;
          via_organization_id: string | null;
        }
      | undefined;
    let recorded: RecordedSoFar<Record<string, unknown>> = { day, sameDay: [], dayQuantity: 0 };
    if (person) {
      if (named !== undefined) await assertPersonInAudience(tx, campaign, person);
      await lockPerson(tx, challenge.id, person.id);
      // Shared-locked: a batch invalidation (ADR 0039) that takes this pledge
      // waits for this contribution and then takes it too, or commits first
      // and this read sees it.
      const [live] = await tx.query<{
        details: Record<string, unknown>;
        team_id: string | null;
        via_organization_id: string | null;
        invalidation_id: string | null;
      }>(
        `select details, team_id, via_organization_id, invalidation_id from pledge
          where challenge_id = ? and participant_id = ? and status = 'confirmed' for share`,
        [challenge.id, person.id],
      );
      if (live?.invalidation_id) {
        throw new TandemError(
          'TANDEM_INVALIDATED',
          "The organizer invalidated this person's pledge: nothing more counts for it.",
        );
      }
      pledge = live;
      if (!pledge && named === undefined) {
        throw new TandemError(
          'TANDEM_PLEDGE_REQUIRED',
          'Pledge to this challenge first: only a live pledge can report what it did.',
        );
      }
      if (!pledge) {
        // The agent attests the person acts: they join as an assisted pledge
        // would. A pledge they left unconfirmed keeps what they chose (team,
        // details, name); otherwise there are no pledge details (the agent
        // reported a deed, not a plan).
        const [pending] = await tx.query<{
          details: Record<string, unknown>;
          display_name: string | null;
          map_cell: string | null;
          commune_code: string | null;
          show_as: 'name' | 'anonymous';
          team_id: string | null;
          via_organization_id: string | null;
        }>(
          `select details, display_name, map_cell, commune_code, show_as, team_id,
                  via_organization_id from pledge
            where challenge_id = ? and participant_id = ? and status = 'pending'`,
          [challenge.id, person.id],
        );
        const data = {
          details: pending?.details ?? {},
          displayName: pending?.display_name ?? null,
          mapCell: pending?.map_cell ?? null,
          communeCode: pending?.commune_code ?? null,
          showAs: pending?.show_as ?? ('anonymous' as const),
          teamId: pending?.team_id ?? null,
          viaOrganizationId: pending?.via_organization_id ?? null,
        };
        await confirmPledgeRow(tx, challenge, person.id, data, { assisted: true });
        pledge = {
          details: data.details,
          team_id: data.teamId,
          via_organization_id: data.viaOrganizationId,
        };
      }
      recorded = await recordedThatDay(tx, challenge.id, person.id, day);
    }
    const measured = await checkAndMeasure(tx, actionType, challenge, {
      details,
      pledge: pledge?.details ?? null,
      occurredAt,
      recordedBy: named === undefined ? 'self' : 'agent',
      recorded,
    });
    const onceKey = participantId
      ? actionType.onceKey({ details: measured.details, settings: challenge.actionSettings, day })
      : null;
    const quantity = roundQuantity(measured.quantity);
    const co2eKg = roundQuantity(measured.co2eKg);
    const id = newId('ctb');
    const recordedBy = viewer.kind === 'participant' ? viewer.participantId : null;
    const inserted = await tx.query<{ id: string }>(
      `insert into contribution (id, challenge_id, participant_id, recorded_by, details, quantity, co2e_kg, impact, occurred_at, day, once_key)
       values (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?::date, ?)
       on conflict (challenge_id, participant_id, once_key) where once_key is not null do nothing
       returning id`,
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
        day,
        onceKey,
      ],
    );
    if (inserted.length === 0) {
      throw new TandemError(
        'TANDEM_CONTRIBUTION_ALREADY_COUNTED',
        `This person's contribution for "${onceKey}" already counts on this challenge; it counts once.`,
      );
    }
    let delta = 0;
    if (participantId) {
      delta = await applyParticipation(tx, challenge.id, participantId, {
        contributions: 1,
        quantity,
        co2eKg,
        teamId: pledge?.team_id ?? null,
        // A newcomer counts in their pledge's share; without one, the owner's.
        via: pledge?.via_organization_id ?? null,
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
  return answer;
}
