import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../../domain/types.js';
import type { Database } from '../../store/database.js';
import { Events } from '../../events/catalogue.js';
import { insertAuditEntries } from '../../store/audit.js';
import { appendEvents } from '../../store/outbox.js';
import { PROGRESS_SLOTS, shareKey, WHOLE_CHALLENGE } from '../../store/progress.js';
import { Jobs, type JobQueue } from '../queue.js';

/** The outbox event a correction writes (payload `{ expected, found }`). */
export const MISMATCH_EVENT = Events.progressMismatch.type;

/**
 * The counter slot that holds the recount's corrections. Writers pick slots
 * below {@link PROGRESS_SLOTS} at random; this one is the recount's alone,
 * so a correction never contends with pledges for a row (no serialization
 * failure while a burst is under way), and the sum of corrections ever
 * made to a challenge can be read in one row. Reads sum every slot of a
 * challenge, this one included.
 */
export const RECOUNT_SLOT = PROGRESS_SLOTS;

/** Attempts of one challenge's recount before giving up on serialization failures. */
const MAX_ATTEMPTS = 8;

/** What one challenge's recount found. */
export interface RecountResult {
  challengeId: string;
  /** Progress recomputed from the rows. */
  expected: Progress;
  /** The sum of its counter slots, in the same snapshot. */
  found: Progress;
  /** Whether the slots were wrong (the whole's or a share's) and have been corrected. */
  corrected: boolean;
  /**
   * The partners' shares of a federated challenge that were wrong (ADR
   * 0043), each with what the rows say and what its slots held; the
   * owner's share is the whole less these, so it is right once they are.
   */
  shares: ShareMismatch[];
}

/** A partner's share whose slots disagreed with the rows. */
export interface ShareMismatch {
  organizationId: string;
  expected: Progress;
  found: Progress;
}

interface ShareRow {
  organization_id: string;
  expected_participants: number;
  expected_quantity: string;
  expected_co2e: string;
  found_participants: number;
  found_quantity: string;
  found_co2e: string;
}

interface RecountRow {
  organization_id: string;
  expected_participants: number;
  expected_quantity: string;
  expected_co2e: string;
  found_participants: number;
  found_quantity: string;
  found_co2e: string;
  delta_participants: number;
  delta_quantity: string;
  delta_co2e: string;
  mismatched: boolean;
}

/**
 * Recomputes one challenge's progress from its rows and corrects its
 * counters if they disagree (DESIGN.md, "Trust": sponsors pay on counts).
 *
 * Truth (API.md, "Who counts"): participants are its participation rows
 * with a confirmed pledge or a contribution; quantity and CO2e are the sums
 * of its contribution rows, less those a batch invalidation took out (ADR
 * 0039, which also takes the person's participation off). Found: the sum of
 * its whole-challenge slots.
 *
 * Both are read in one REPEATABLE READ snapshot, so pledges confirmed while
 * it runs are either in both (committed before the snapshot) or in neither:
 * a busy challenge shows no false mismatch. The correction is the
 * difference, added to {@link RECOUNT_SLOT}; pledges committed meanwhile
 * add their own deltas to their own slots, so the sum stays true. A
 * mismatch writes a `recount_log` row and a `progress.mismatch` event in
 * the same transaction, never silently. Serialization failures (SQLSTATE
 * 40001: another recount of the same challenge) are retried.
 *
 * On a federated challenge (ADR 0043) each partner's share is checked the
 * same way — the people who count through it and their contributions
 * against its `org:` slots — and corrected in its own recount slot; the
 * owner's share, the whole less the partners', follows.
 *
 * Team counters are not recounted: a person's quantity goes to the team
 * they acted for at the time, which the rows do not keep.
 *
 * @returns what it found, or `null` when the challenge does not exist
 */
export async function recountChallenge(
  db: Database,
  challengeId: string,
  now: Date,
): Promise<RecountResult | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await recountOnce(db, challengeId, now);
    } catch (error) {
      if (!isSerializationFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
      // A short, growing, jittered pause lets the other transaction finish.
      await sleep(Math.random() * 20 * attempt);
    }
  }
}

async function recountOnce(
  db: Database,
  challengeId: string,
  now: Date,
): Promise<RecountResult | null> {
  return db.transaction(async (tx) => {
    // Must be the transaction's first statement: the snapshot is taken by
    // the first query after it, and serves every read below.
    await tx.query('set transaction isolation level repeatable read');
    const [row] = await tx.query<RecountRow>(
      `with truth as (
         select (select count(*) from participation
                  where challenge_id = ? and (pledged or contributions > 0))::int as participants,
                (select coalesce(sum(quantity), 0) from contribution
                  where challenge_id = ? and invalidation_id is null) as quantity,
                (select coalesce(sum(co2e_kg), 0) from contribution
                  where challenge_id = ? and invalidation_id is null) as co2e
       ), found as (
         select coalesce(sum(participants), 0)::int as participants,
                coalesce(sum(quantity), 0) as quantity, coalesce(sum(co2e_kg), 0) as co2e
           from progress_slot where challenge_id = ? and team_id = ?
       )
       select c.organization_id,
              t.participants as expected_participants, t.quantity::text as expected_quantity,
              t.co2e::text as expected_co2e,
              f.participants as found_participants, f.quantity::text as found_quantity,
              f.co2e::text as found_co2e,
              t.participants - f.participants as delta_participants,
              (t.quantity - f.quantity)::text as delta_quantity, (t.co2e - f.co2e)::text as delta_co2e,
              (t.participants <> f.participants or t.quantity <> f.quantity or t.co2e <> f.co2e)
                as mismatched
         from challenge c, truth t, found f
        where c.id = ?`,
      [challengeId, challengeId, challengeId, challengeId, WHOLE_CHALLENGE, challengeId],
    );
    if (!row) return null;
    // A partner's share, in the same snapshot: the people who count through
    // it, and their contributions; against its `org:` slots.
    const shareRows = await tx.query<ShareRow>(
      `with truth as (
         select p.via_organization_id as organization_id,
                count(*) filter (where p.pledged or p.contributions > 0)::int as participants,
                coalesce(sum(c.quantity), 0) as quantity, coalesce(sum(c.co2e_kg), 0) as co2e
           from participation p
           left join lateral (
             select sum(quantity) as quantity, sum(co2e_kg) as co2e_kg from contribution
              where challenge_id = p.challenge_id and participant_id = p.participant_id
                and invalidation_id is null
           ) c on true
          where p.challenge_id = ? and p.via_organization_id is not null
          group by p.via_organization_id
       ), found as (
         select substr(team_id, 5) as organization_id, sum(participants)::int as participants,
                sum(quantity) as quantity, sum(co2e_kg) as co2e
           from progress_slot where challenge_id = ? and team_id like 'org:%'
          group by team_id
       )
       select coalesce(t.organization_id, f.organization_id) as organization_id,
              coalesce(t.participants, 0) as expected_participants,
              coalesce(t.quantity, 0)::text as expected_quantity,
              coalesce(t.co2e, 0)::text as expected_co2e,
              coalesce(f.participants, 0) as found_participants,
              coalesce(f.quantity, 0)::text as found_quantity,
              coalesce(f.co2e, 0)::text as found_co2e
         from truth t full join found f on f.organization_id = t.organization_id
        where coalesce(t.participants, 0) <> coalesce(f.participants, 0)
           or coalesce(t.quantity, 0) <> coalesce(f.quantity, 0)
           or coalesce(t.co2e, 0) <> coalesce(f.co2e, 0)
        order by 1`,
      [challengeId, challengeId],
    );
    const shares: ShareMismatch[] = shareRows.map((r) => ({
      organizationId: r.organization_id,
      expected: {
        participants: Number(r.expected_participants),
        quantity: Number(r.expected_quantity),
        co2eKg: Number(r.expected_co2e),
      },
      found: {
        participants: Number(r.found_participants),
        quantity: Number(r.found_quantity),
        co2eKg: Number(r.found_co2e),
      },
    }));
    const expected: Progress = {
      participants: Number(row.expected_participants),
      quantity: Number(row.expected_quantity),
      co2eKg: Number(row.expected_co2e),
    };
    const found: Progress = {
      participants: Number(row.found_participants),
      quantity: Number(row.found_quantity),
      co2eKg: Number(row.found_co2e),
    };
    if (!row.mismatched && shares.length === 0) {
      return { challengeId, expected, found, corrected: false, shares };
    }

    for (const share of shareRows) {
      await tx.query(
        `insert into progress_slot (challenge_id, team_id, slot, participants, quantity, co2e_kg)
         values (?, ?, ?, ?, ?::numeric - ?::numeric, ?::numeric - ?::numeric)
         on conflict (challenge_id, team_id, slot) do update set
           participants = progress_slot.participants + excluded.participants,
           quantity = progress_slot.quantity + excluded.quantity,
           co2e_kg = progress_slot.co2e_kg + excluded.co2e_kg`,
        [
          challengeId,
          shareKey(share.organization_id),
          RECOUNT_SLOT,
          share.expected_participants - share.found_participants,
          share.expected_quantity,
          share.found_quantity,
          share.expected_co2e,
          share.found_co2e,
        ],
      );
    }
    const details = shares.length > 0 ? { expected, found, shares } : { expected, found };
    if (row.mismatched) {
      // Deltas stay numeric text so that PostgreSQL adds them exactly.
      await tx.query(
        `insert into progress_slot (challenge_id, team_id, slot, participants, quantity, co2e_kg)
         values (?, ?, ?, ?, ?::numeric, ?::numeric)
         on conflict (challenge_id, team_id, slot) do update set
           participants = progress_slot.participants + excluded.participants,
           quantity = progress_slot.quantity + excluded.quantity,
           co2e_kg = progress_slot.co2e_kg + excluded.co2e_kg`,
        [
          challengeId,
          WHOLE_CHALLENGE,
          RECOUNT_SLOT,
          row.delta_participants,
          row.delta_quantity,
          row.delta_co2e,
        ],
      );
    }
    await tx.query(
      `insert into recount_log (challenge_id, expected, found, corrected_at)
       values (?, ?::jsonb, ?::jsonb, ?)`,
      [challengeId, JSON.stringify(expected), JSON.stringify(found), now],
    );
    await insertAuditEntries(tx, [
      {
        challengeId,
        organizationId: row.organization_id,
        actor: { kind: 'system', label: 'recount' },
        action: 'count.corrected',
        details,
      },
    ]);
    await appendEvents(tx, [
      {
        type: MISMATCH_EVENT,
        challengeId,
        organizationId: row.organization_id,
        payload: details,
      },
    ]);
    return { challengeId, expected, found, corrected: true, shares };
  });
}

/** SQLSTATE 40001 (serialization failure) or 40P01 (deadlock), however the driver wraps it. */
export function isSerializationFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { code, sqlState } = e as { code?: unknown; sqlState?: unknown };
    if (code === '40001' || code === '40P01' || sqlState === '40001') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What a recount of every open challenge did. */
export interface RecountSummary {
  checked: number;
  corrected: RecountResult[];
}

/** How many challenge ids are read at a time. */
const PAGE = 200;

/**
 * The nightly recount (job `recount-progress`): recounts every open
 * challenge (`open` or `succeeded`, not closed) one at a time, each in its
 * own short transaction, and asks for an evaluation of those it corrected
 * (a correction upwards may reach a tier). Safe to run twice: a second run
 * finds nothing left to correct.
 */
export async function recountOpenChallenges(deps: {
  db: Database;
  queue: JobQueue;
  now: () => Date;
}): Promise<RecountSummary> {
  const summary: RecountSummary = { checked: 0, corrected: [] };
  let after = '';
  for (;;) {
    const page = await deps.db.query<{ id: string }>(
      `select id from challenge
        where status in ('open', 'succeeded') and closed_at is null and id > ?
        order by id limit ?`,
      [after, PAGE],
    );
    for (const { id } of page) {
      const result = await recountChallenge(deps.db, id, deps.now());
      summary.checked++;
      if (!result?.corrected) continue;
      summary.corrected.push(result);
      await deps.queue.enqueue(
        Jobs.evaluateChallenge,
        { challengeId: id },
        { dedupeKey: `evaluate-${id}` },
      );
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) return summary;
    after = last.id;
  }
}
