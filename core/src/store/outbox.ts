import { newId } from '../ids.js';
import type { Sql } from './database.js';

/**
 * Event types written by core. A plugin's own events carry its id as a
 * prefix (`bike-km.trip_logged`).
 */
export const EventTypes = {
  pledgeConfirmed: 'pledge.confirmed',
  pledgeWithdrawn: 'pledge.withdrawn',
  contributionRecorded: 'contribution.recorded',
  challengeOpened: 'challenge.opened',
  challengeUnlocked: 'challenge.unlocked',
  challengeSucceeded: 'challenge.succeeded',
  challengeClosed: 'challenge.closed',
  counterpartFulfilled: 'counterpart.fulfilled',
} as const;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes] | (string & {});

/** An event as written to the outbox, in the same transaction as the change it describes. */
export interface OutboxEvent {
  id: string;
  seq: number;
  type: EventType;
  challengeId: string | null;
  organizationId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface NewEvent {
  type: EventType;
  challengeId?: string | null;
  organizationId?: string | null;
  /** Ids and numbers only: events are read by workers and integrations, never carry an e-mail. */
  payload: Record<string, unknown>;
}

/** Appends events to the outbox inside the caller's transaction; returns their ids. */
export async function appendEvents(tx: Sql, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
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

interface OutboxRow {
  seq: string | number;
  id: string;
  type: string;
  challenge_id: string | null;
  organization_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
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
  return rows.map((row) => ({
    id: row.id,
    seq: Number(row.seq),
    type: row.type,
    challengeId: row.challenge_id,
    organizationId: row.organization_id,
    payload: row.payload,
    createdAt: new Date(row.created_at),
  }));
}

export async function markRelayed(tx: Sql, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await tx.query(`update outbox_event set relayed_at = now() where seq in (?)`, [seqs]);
}
