import type { Sql } from '../store/database.js';
import {
  OUTBOX_COLUMNS,
  toOutboxEvent,
  type OutboxEvent,
  type OutboxRow,
} from '../store/outbox.js';

/** Handles one relayed event; delivered at least once, so it must be idempotent. */
export type EventHandler = (event: OutboxEvent) => Promise<void>;

interface Subscription {
  types: ReadonlySet<string> | '*';
  handler: EventHandler;
}

/**
 * Who reacts to which events, by subscriber key (`notifications`, a plugin
 * id). The relay enqueues one `deliver-event` job per event and subscriber,
 * with a deterministic job id, so a failing subscriber is retried alone and
 * a replayed event is not delivered twice while its job is known.
 */
export interface EventDispatcher {
  /** Adds a subscriber; a key may subscribe once. */
  subscribe(key: string, types: readonly string[] | '*', handler: EventHandler): void;
  /** The subscriber keys interested in this event type. */
  keysFor(type: string): string[];
  /** Runs one subscriber on one event. */
  deliver(key: string, event: OutboxEvent): Promise<void>;
}

export function createEventDispatcher(): EventDispatcher {
  const subscriptions = new Map<string, Subscription>();
  return {
    subscribe(key, types, handler) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(key)) {
        throw new Error(`Subscriber key "${key}" must be kebab-case (it goes into job ids).`);
      }
      if (subscriptions.has(key)) throw new Error(`Subscriber "${key}" is already registered.`);
      subscriptions.set(key, { types: types === '*' ? '*' : new Set(types), handler });
    },
    keysFor(type) {
      const keys: string[] = [];
      for (const [key, subscription] of subscriptions) {
        if (subscription.types === '*' || subscription.types.has(type)) keys.push(key);
      }
      return keys;
    },
    async deliver(key, event) {
      const subscription = subscriptions.get(key);
      if (!subscription) throw new Error(`No subscriber "${key}" in this process.`);
      await subscription.handler(event);
    },
  };
}

/** Reads one event back from the outbox (jobs carry ids only). */
export async function loadEvent(sql: Sql, id: string): Promise<OutboxEvent | undefined> {
  const [row] = await sql.query<OutboxRow>(
    `select ${OUTBOX_COLUMNS} from outbox_event where id = ?`,
    [id],
  );
  return row ? toOutboxEvent(row) : undefined;
}
