import type { Static } from '@sinclair/typebox';
import {
  coreEventDefinition,
  Events,
  type CoreEventDefinition,
  type CoreEventType,
} from '../events/catalogue.js';
import { newId } from '../ids.js';
import { payloadProblems, type EventDefinition, type PayloadOf } from '../sdk/events.js';
import type { Sql, Tx } from './unit-of-work.js';

/**
 * Core's event types by name, taken from the catalogue
 * (`events/catalogue.ts`), where each is defined once with its payload. A
 * plugin's own events carry its id as a prefix (`bike-km.trip_logged`).
 */
export const EventTypes = Object.freeze(
  Object.fromEntries(Object.entries(Events).map(([name, event]) => [name, event.type])),
) as { readonly [Name in keyof typeof Events]: (typeof Events)[Name]['type'] };

export type EventType = CoreEventType | (string & {});

/** An event as written to the outbox, in the same transaction as the change it describes. */
export interface OutboxEvent {
  id: string;
  seq: number;
  type: EventType;
  challengeId: string | null;
  organizationId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  /**
   * The event's number among its challenge's events (1, 2, 3…), given when it
   * is relayed: what live pages show as the SSE id, so that they reveal
   * nothing of the platform-wide sequence.
   */
  challengeSeq?: number | null;
}

/**
 * An event to append: one of the catalogue's types with the payload its
 * definition describes (a payload that does not match is a compile error).
 */
export type NewEvent<Definition extends CoreEventDefinition = CoreEventDefinition> =
  Definition extends CoreEventDefinition
    ? {
        type: Definition['type'];
        challengeId?: string | null;
        organizationId?: string | null;
        /** Ids and numbers only: events are read by workers and integrations, never carry an e-mail. */
        payload: Static<Definition['payload']>;
      }
    : never;

/**
 * An event of a definition outside core's catalogue (a plugin's own,
 * declared in its manifest), built by {@link definedEvent} so that its
 * payload was checked against the definition's type.
 */
export interface DefinedNewEvent {
  readonly definition: EventDefinition;
  readonly type: string;
  readonly challengeId?: string | null;
  readonly organizationId?: string | null;
  readonly payload: unknown;
}

/**
 * Builds an event of `definition` to append with {@link appendEvents}.
 *
 * @example
 * await appendEvents(tx, [definedEvent(tripLogged, { km: 12 }, { challengeId })]);
 */
export function definedEvent<Definition extends EventDefinition>(
  definition: Definition,
  payload: PayloadOf<Definition>,
  where: { challengeId?: string | null; organizationId?: string | null } = {},
): DefinedNewEvent {
  return { definition, type: definition.type, payload, ...where };
}

/**
 * Appends events to the outbox inside the caller's unit of work (its commit
 * wakes the relay); returns their ids, in order. Each payload is checked against its definition first, so a
 * caller that escaped the types (a cast, plain JavaScript) fails here,
 * inside its transaction, rather than handing subscribers a payload they
 * misread.
 */
export function appendEvents(
  tx: Tx,
  events: readonly (NewEvent | DefinedNewEvent)[],
): Promise<string[]> {
  return insertEvents(
    tx,
    events.map((event) =>
      'definition' in event ? event : { ...event, definition: coreEventDefinition(event.type) },
    ),
  );
}

interface CheckedEvent {
  type: string;
  definition: EventDefinition | undefined;
  challengeId?: string | null;
  organizationId?: string | null;
  payload: unknown;
}

async function insertEvents(tx: Tx, events: readonly CheckedEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  tx.eventsAppended();
  for (const event of events) {
    const problems = event.definition
      ? payloadProblems(event.definition, event.payload)
      : [`"${event.type}" is not in the event catalogue`];
    if (problems.length > 0) {
      throw new TypeError(`Event ${event.type} refused: ${problems.join('; ')}.`);
    }
  }
  const ids = events.map(() => newId('evt'));
  const values = events.map(() => '(?, ?, ?, ?, ?::jsonb)').join(', ');
  const params = events.flatMap((event, index) => [
    ids[index],
    event.type,
    event.challengeId ?? null,
    event.organizationId ?? null,
    JSON.stringify(event.payload),
  ]);
  await tx.query(
    `insert into outbox_event (id, type, challenge_id, organization_id, payload) values ${values}`,
    params,
  );
  return ids;
}

/** An outbox row as selected with {@link OUTBOX_COLUMNS}. */
export interface OutboxRow {
  seq: string | number;
  id: string;
  type: string;
  challenge_id: string | null;
  organization_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** The columns {@link toOutboxEvent} reads. */
export const OUTBOX_COLUMNS = 'seq, id, type, challenge_id, organization_id, payload, created_at';

/** The one mapping of an outbox row to an event. */
export function toOutboxEvent(row: OutboxRow): OutboxEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    type: row.type,
    challengeId: row.challenge_id,
    organizationId: row.organization_id,
    payload: row.payload,
    createdAt: new Date(row.created_at),
  };
}

/**
 * Locks up to `limit` events not yet relayed, oldest first, skipping rows
 * another relay holds; the caller marks them relayed in the same transaction.
 */
export async function claimPendingEvents(tx: Sql, limit: number): Promise<OutboxEvent[]> {
  const rows = await tx.query<OutboxRow>(
    `select seq, id, type, challenge_id, organization_id, payload, created_at
       from outbox_event
      where relayed_at is null
      order by seq
      limit ?
      for update skip locked`,
    [limit],
  );
  return rows.map(toOutboxEvent);
}

/**
 * The numbering both relay statements share, after a `batch` CTE of
 * `(seq, challenge_id, n)` (n: the event's rank within its challenge in the
 * batch): each challenge's counter row is bumped by its count, in challenge
 * order so two relays cannot deadlock, and `numbered` gives every event of
 * the batch its challenge number (`cs`).
 */
const NUMBERING = `counts as (
       select challenge_id, count(*) as c from batch group by challenge_id
     ), bumped as (
       insert into challenge_event_counter (challenge_id, last)
       select challenge_id, c from counts order by challenge_id
       on conflict (challenge_id)
       do update set last = challenge_event_counter.last + excluded.last
       returning challenge_id, last
     ), numbered as (
       select batch.seq, bumped.last - counts.c + batch.n as cs
         from batch
         join counts on counts.challenge_id = batch.challenge_id
         join bumped on bumped.challenge_id = batch.challenge_id
     )`;

/**
 * Claims up to `limit` events not yet relayed, oldest first, and marks them
 * relayed with their challenge numbers — one statement: the rows it updates
 * stay locked until the caller's transaction ends, rows another relay holds
 * are skipped, and a rollback (the queue was down) hands them all back
 * unrelayed and unnumbered. Same numbering as {@link markRelayed}.
 *
 * @returns the claimed events, oldest first, with their `challengeSeq`
 */
export async function claimEvents(tx: Sql, limit: number): Promise<OutboxEvent[]> {
  const rows = await tx.query<OutboxRow & { challenge_seq: string | number | null }>(
    `with claimed as (
       select seq, challenge_id, challenge_seq
         from outbox_event
        where relayed_at is null
        order by seq
        limit ?
        for update skip locked
     ), batch as (
       select seq, challenge_id,
              row_number() over (partition by challenge_id order by seq) as n
         from claimed
        where challenge_id is not null and challenge_seq is null
     ), ${NUMBERING}
     update outbox_event o
        set relayed_at = now(), challenge_seq = coalesce(numbered.cs, o.challenge_seq)
       from claimed left join numbered on numbered.seq = claimed.seq
      where o.seq = claimed.seq
     returning o.seq, o.id, o.type, o.challenge_id, o.organization_id, o.payload, o.created_at,
               o.challenge_seq`,
    [limit],
  );
  return rows
    .map((row) => ({
      ...toOutboxEvent(row),
      challengeSeq: row.challenge_seq === null ? null : Number(row.challenge_seq),
    }))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Marks events relayed and numbers each challenge's events in order
 * (`challenge_seq`), from a per-challenge counter: relays running side by
 * side on one challenge take turns on its counter row, so numbers are
 * unique, and increase in the order events become visible. Counter rows are
 * taken in challenge order so two relays cannot deadlock.
 *
 * @returns each marked event's challenge number, by outbox seq
 */
export async function markRelayed(tx: Sql, seqs: readonly number[]): Promise<Map<number, number>> {
  if (seqs.length === 0) return new Map();
  const rows = await tx.query<{ seq: string | number; challenge_seq: string | number | null }>(
    `with batch as (
       select seq, challenge_id,
              row_number() over (partition by challenge_id order by seq) as n
         from outbox_event
        where seq in (?) and challenge_id is not null and challenge_seq is null
     ), ${NUMBERING}
     update outbox_event o
        set relayed_at = now(), challenge_seq = coalesce(numbered.cs, o.challenge_seq)
       from outbox_event mine left join numbered on numbered.seq = mine.seq
      where mine.seq = o.seq and o.seq in (?)
     returning o.seq, o.challenge_seq`,
    [seqs, seqs],
  );
  const numbers = new Map<number, number>();
  for (const row of rows) {
    if (row.challenge_seq !== null) numbers.set(Number(row.seq), Number(row.challenge_seq));
  }
  return numbers;
}
