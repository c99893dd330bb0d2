/**
 * What happens to a statement once read: it is claimed (one row per partner
 * and statement id), then, when it says a person finished a course that an
 * open challenge of the partner's organization counts, it becomes that
 * person's contribution — all in one transaction, so a statement counts at
 * most once and never half.
 */
import {
  services,
  storedEmail,
  TandemError,
  type EmailAddress,
  type PluginContext,
  type Tx,
} from '@tandem/core';
import { completionOf, type ReadStatement } from './xapi.js';

/** A partner authenticated by its key: statements only reach its organization's challenges. */
export interface Partner {
  id: string;
  organizationId: string;
}

/** What became of one statement. */
export interface Receipt {
  /** The statement id (generated when the partner sent none). */
  id: string;
  /**
   * `counted`: it became at least one contribution; `ignored`: stored, not
   * counted (`reason` says why); `replayed`: already received, nothing
   * done; `conflict`: already received with other content, nothing done.
   */
  outcome: 'counted' | 'ignored' | 'replayed' | 'conflict';
  reason?: string;
  challengeIds?: string[];
}

interface Decision {
  outcome: 'counted' | 'ignored';
  reasons: string[];
  challengeIds: string[];
  contributionIds: string[];
}

const ignored = (reason: string): Decision => ({
  outcome: 'ignored',
  reasons: [reason],
  challengeIds: [],
  contributionIds: [],
});

/** The e-mail address of the statement's actor, or why there is none. */
async function actorEmail(
  tx: Tx,
  partner: Partner,
  statement: ReadStatement,
): Promise<{ email: EmailAddress } | { reason: string }> {
  const { actor } = statement;
  if (actor.kind === 'unmapped') return { reason: actor.reason };
  // Parsed when the statement was read (readStatement): a refused mbox never gets here.
  if (actor.kind === 'email') return { email: actor.email };
  const [row] = await tx.query<{ email: string | null }>(
    `select p.canonical_email as email from elearning_account a join participant p on p.id = a.participant_id
      where a.partner_id = ? and a.home_page = ? and a.name = ?`,
    [partner.id, actor.homePage, actor.name],
  );
  if (!row) {
    return {
      reason: `the account ${actor.name} of ${actor.homePage} is not mapped to a participant`,
    };
  }
  const email = storedEmail(row.email);
  if (!email) return { reason: 'the mapped participant has no e-mail address' };
  return { email };
}

async function decide(
  context: PluginContext,
  tx: Tx,
  partner: Partner,
  statement: ReadStatement,
): Promise<Decision> {
  const completion = completionOf(statement);
  if (!completion.counts) return ignored(completion.reason);
  const who = await actorEmail(tx, partner, statement);
  if ('reason' in who) return ignored(who.reason);

  const challenges = await tx.query<{ id: string; opened_at: Date | null }>(
    `select id, opened_at from challenge
      where organization_id = ? and action_settings ->> 'courseId' = ?
        and status in ('open', 'succeeded') and closed_at is null
      order by created_at, id`,
    [partner.organizationId, completion.courseId],
  );
  if (challenges.length === 0) {
    return ignored(
      `no open challenge of this organization counts the course ${completion.courseId}`,
    );
  }

  const now = context.now();
  const completedAt = completion.completedAt ?? now;
  // A statement dated ahead of our clock is recorded as of now; the course
  // itself keeps the partner's date in `completedAt`.
  const occurredAt = completedAt.getTime() > now.getTime() ? now : completedAt;
  const decision: Decision = {
    outcome: 'ignored',
    reasons: [],
    challengeIds: [],
    contributionIds: [],
  };
  for (const challenge of challenges) {
    if (challenge.opened_at && completedAt.getTime() < new Date(challenge.opened_at).getTime()) {
      decision.reasons.push(`challenge ${challenge.id}: the course was finished before it opened`);
      continue;
    }
    // One savepoint per challenge: a refusal by one (closed meanwhile, the
    // action type's checks) leaves the others and the claim intact.
    await tx.query('savepoint elearning_challenge');
    try {
      const participant = await services.upsertParticipant(tx, context.services.keyring, {
        email: who.email,
      });
      const claimed = await tx.query(
        `insert into elearning_completion (challenge_id, participant_id, partner_id, statement_id)
         values (?, ?, ?, ?) on conflict (challenge_id, participant_id) do nothing
         returning challenge_id`,
        [challenge.id, participant.id, partner.id, statement.id],
      );
      if (claimed.length === 0) {
        await tx.query('rollback to savepoint elearning_challenge');
        decision.reasons.push(`challenge ${challenge.id}: this person's completion already counts`);
        continue;
      }
      // Joins this unit of work: the contribution commits (or rolls back) with the claim.
      const answer = await services.recordContribution(
        context.services,
        services.asAdmin,
        challenge.id,
        {
          details: {
            courseId: completion.courseId,
            completedAt: completedAt.toISOString(),
            ...(completion.scorePercent !== undefined ? { score: completion.scorePercent } : {}),
          },
          occurredAt: occurredAt.toISOString(),
          participant: { email: who.email.canonical },
        },
        tx,
      );
      await tx.query(
        'update elearning_completion set contribution_id = ? where challenge_id = ? and participant_id = ?',
        [answer.id, challenge.id, participant.id],
      );
      await tx.query('release savepoint elearning_challenge');
      decision.outcome = 'counted';
      decision.challengeIds.push(challenge.id);
      decision.contributionIds.push(answer.id);
    } catch (error) {
      if (!(error instanceof TandemError)) throw error;
      await tx.query('rollback to savepoint elearning_challenge');
      decision.reasons.push(`challenge ${challenge.id}: ${error.message}`);
    }
  }
  return decision;
}

/**
 * The ids among `statements` already received from `partner` with other
 * content. Checked before a batch is processed so that a conflicting batch
 * changes nothing (xAPI answers it 409).
 */
export async function conflictingIds(
  context: PluginContext,
  partner: Partner,
  statements: readonly ReadStatement[],
): Promise<string[]> {
  const given = statements.filter((statement) => !statement.generatedId);
  if (given.length === 0) return [];
  const rows = await context.db.query<{ statement_id: string; fingerprint: string }>(
    'select statement_id, fingerprint from elearning_statement where partner_id = ? and statement_id in (?)',
    [partner.id, given.map((statement) => statement.id)],
  );
  const known = new Map(rows.map((row) => [row.statement_id, row.fingerprint]));
  return given
    .filter((statement) => {
      const fingerprint = known.get(statement.id);
      return fingerprint !== undefined && fingerprint !== statement.fingerprint;
    })
    .map((statement) => statement.id);
}

/**
 * Receives one statement from `partner`: claims its id (insert first, so a
 * concurrent twin waits on the unique key and then finds it taken), decides
 * whether it counts, records the contributions and the outcome — one
 * transaction. Safe to call any number of times with the same statement.
 *
 * @returns what became of it; `replayed` and `conflict` changed nothing
 */
export async function receiveStatement(
  context: PluginContext,
  partner: Partner,
  statement: ReadStatement,
): Promise<Receipt> {
  // Its commit wakes the relay when a contribution's event was appended.
  return context.db.transaction(async (tx): Promise<Receipt> => {
    const claimed = await tx.query(
      `insert into elearning_statement
         (partner_id, statement_id, fingerprint, verb_id, object_id, received_at, outcome)
       values (?, ?, ?, ?, ?, ?, 'ignored')
       on conflict (partner_id, statement_id) do nothing
       returning statement_id`,
      [
        partner.id,
        statement.id,
        statement.fingerprint,
        statement.verbId,
        statement.activityId,
        context.now(),
      ],
    );
    if (claimed.length === 0) {
      const [existing] = await tx.query<{ fingerprint: string }>(
        'select fingerprint from elearning_statement where partner_id = ? and statement_id = ?',
        [partner.id, statement.id],
      );
      const same = existing?.fingerprint === statement.fingerprint;
      return { id: statement.id, outcome: same ? 'replayed' : 'conflict' };
    }
    const decision = await decide(context, tx, partner, statement);
    const reason = decision.reasons.length > 0 ? decision.reasons.join('; ') : null;
    await tx.query(
      `update elearning_statement
          set outcome = ?, reason = ?, challenge_ids = ?::jsonb, contribution_ids = ?::jsonb
        where partner_id = ? and statement_id = ?`,
      [
        decision.outcome,
        reason,
        JSON.stringify(decision.challengeIds),
        JSON.stringify(decision.contributionIds),
        partner.id,
        statement.id,
      ],
    );
    return {
      id: statement.id,
      outcome: decision.outcome,
      ...(reason !== null ? { reason } : {}),
      ...(decision.challengeIds.length > 0 ? { challengeIds: decision.challengeIds } : {}),
    };
  });
}
