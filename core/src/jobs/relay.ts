import { EVALUATED_TYPES } from '../events/catalogue.js';
import type { Database } from '../store/database.js';
import { claimEvents, type OutboxEvent } from '../store/outbox.js';
import type { EventDispatcher } from './events.js';
import { Jobs, type JobQueue } from './queue.js';

/** Events after which a challenge's goals must be evaluated again (the catalogue's `evaluates`). */
const EVALUATED_AFTER = EVALUATED_TYPES;

/** An event as a `deliver-event` job carries it (JSON: the date as a string). */
export type CarriedEvent = Omit<OutboxEvent, 'createdAt'> & { createdAt: string };

const carriedEvent = (event: OutboxEvent): CarriedEvent => ({
  ...event,
  createdAt: event.createdAt.toISOString(),
});

/** The event a `deliver-event` job carries, as the relay relayed it. */
export const carriedToEvent = (carried: CarriedEvent): OutboxEvent => ({
  ...carried,
  createdAt: new Date(carried.createdAt),
});

export interface OutboxRelay {
  /** Asks for a relay pass soon; many kicks in a burst make one pass. */
  kick(): void;
  /** Relays everything pending now; returns how many events it relayed. */
  drain(): Promise<number>;
  start(): void;
  close(): Promise<void>;
}

export interface RelayOptions {
  db: Database;
  queue: JobQueue;
  /** Subscribers that get a `deliver-event` job per event they listen to. */
  dispatcher?: EventDispatcher;
  /** Listeners of relayed events in this process (live pages), after the batch commits. */
  onEvents?: (events: OutboxEvent[]) => void;
  /** Poll for events written by other processes (default 1000 ms). */
  pollMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
  /**
   * Called once when a pass succeeds after one failed (the database is
   * back): jobs enqueued meanwhile may have used up their attempts, so the
   * platform evaluates open challenges again.
   */
  onRecovered?: () => void;
}

/**
 * Moves outbox events to the queue, at least once: an event is marked
 * relayed in the same transaction that enqueued its jobs, and events are
 * claimed with SKIP LOCKED so several relays can run side by side.
 * Evaluation jobs are deduplicated per challenge, so a burst of 10,000
 * pledges makes a handful of evaluations, not 10,000.
 */
export function createOutboxRelay(options: RelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  let running: Promise<number> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const relayBatch = () =>
    options.db.transaction(async (tx) => {
      // Claimed and marked relayed in one statement; the enqueues below
      // happen before the commit, so a failure hands the batch back.
      const events = await claimEvents(tx, batchSize);
      const challengeIds = new Set<string>();
      for (const event of events) {
        if (event.challengeId && EVALUATED_AFTER.has(event.type))
          challengeIds.add(event.challengeId);
      }
      // Enqueued side by side, not one round trip after another, while the
      // batch's rows stay locked; a failure rolls the batch back, and the
      // deterministic job ids and dedupe keys make the retry harmless.
      await Promise.all([
        ...events.flatMap((event) =>
          (options.dispatcher?.keysFor(event.type) ?? []).map((key) =>
            options.queue.enqueue(
              Jobs.deliverEvent,
              // The event travels with the job (ids and numbers only, like
              // every payload): the delivery need not read it back.
              { eventId: event.id, subscriber: key, event: carriedEvent(event) },
              { jobId: `dlv-${event.id}-${key}` },
            ),
          ),
        ),
        ...[...challengeIds].map((challengeId) =>
          options.queue.enqueue(
            Jobs.evaluateChallenge,
            { challengeId },
            { dedupeKey: `evaluate-${challengeId}` },
          ),
        ),
      ]);
      return events;
    });

  const pass = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const events = await relayBatch();
      total += events.length;
      if (events.length > 0) options.onEvents?.(events);
      if (events.length < batchSize) return total;
    }
  };

  const drain = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          total += await pass();
        } while (again && !closed);
      } finally {
        running = null;
      }
      return total;
    })();
    return running;
  };

  let failing = false;
  const kick = () => {
    if (closed) return;
    drain().then(
      () => {
        if (!failing) return;
        failing = false;
        options.onRecovered?.();
      },
      (error: unknown) => {
        failing = true;
        options.onError?.(error);
      },
    );
  };

  return {
    kick,
    drain,
    start() {
      if (timer || closed) return;
      timer = setInterval(kick, options.pollMs ?? 1000);
      timer.unref();
      kick();
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = null;
      if (running) await running.catch(() => 0);
    },
  };
}
