import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { openDatabase, type Database } from '../store/database.js';
import { Type } from '@sinclair/typebox';
import { definePluginEvent } from '../sdk/events.js';
import {
  appendEvents,
  definedEvent,
  type DefinedNewEvent,
  EventTypes,
  type NewEvent,
  type OutboxEvent,
} from '../store/outbox.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { createLocalQueue } from './local/local-queue.js';
import { Jobs, type EnqueueOptions, type JobQueue } from './queue.js';
import { createOutboxRelay, type RelayOptions } from './relay.js';

// A plugin's own event: relayed like core's, never evaluated.
const tripLogged = definePluginEvent('bike-km', 'trip_logged', Type.Object({ km: Type.Number() }), {
  description: 'A trip was logged.',
});
const progress = { participants: 1, quantity: 0, co2eKg: 0 };

interface Enqueued {
  name: string;
  data: Record<string, unknown>;
  options: EnqueueOptions | undefined;
}

describe('outbox relay', () => {
  let testDb: TestDatabase | undefined;
  let db: Database;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('external');
    db = await openDatabase({ url: testDb.url });
    await db.migrate();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  /**
   * A started local queue whose evaluate-challenge handler records the
   * challenge ids it ran for, wrapped to record every enqueue too.
   */
  async function recordingQueue(
    options: { handlerMs?: number; failEnqueues?: number } = {},
  ): Promise<{ queue: JobQueue; runs: string[]; enqueued: Enqueued[] }> {
    const local = createLocalQueue();
    const runs: string[] = [];
    const enqueued: Enqueued[] = [];
    let failures = options.failEnqueues ?? 0;
    local.handle<{ challengeId: string }>(Jobs.evaluateChallenge, async ({ challengeId }) => {
      runs.push(challengeId);
      if (options.handlerMs) await sleep(options.handlerMs);
    });
    const queue: JobQueue = {
      ...local,
      async enqueue(name, data, enqueueOptions) {
        if (failures > 0) {
          failures--;
          throw new Error('queue unavailable');
        }
        enqueued.push({ name, data, options: enqueueOptions });
        await local.enqueue(name, data, enqueueOptions);
      },
    };
    await queue.start();
    closers.push(() => queue.close());
    return { queue, runs, enqueued };
  }

  function relay(options: Omit<RelayOptions, 'db'>) {
    const created = createOutboxRelay({ db, ...options });
    closers.push(() => created.close());
    return created;
  }

  const append = (events: (NewEvent | DefinedNewEvent)[]) =>
    db.transaction(async (tx) => {
      const ids: string[] = [];
      // Several statements, to stay under PostgreSQL's 65,535 parameters.
      for (let at = 0; at < events.length; at += 1_000) {
        ids.push(...(await appendEvents(tx, events.slice(at, at + 1_000))));
      }
      return ids;
    });

  const pending = async (ids: readonly string[]): Promise<number> => {
    const [row] = await db.query<{ n: number }>(
      'select count(*)::int as n from outbox_event where relayed_at is null and id in (?)',
      [ids],
    );
    return row?.n ?? 0;
  };

  const pledged = (challengeId: string, n = 0): NewEvent => ({
    type: EventTypes.pledgeConfirmed,
    challengeId,
    payload: { pledgeId: `pld_${n}`, participantId: 'prt_1', teamId: null, participantsDelta: 1 },
  });

  it('refuses to append a payload that does not match its event’s definition', async () => {
    const challengeId = newId('chl');
    const wrong = [{ type: EventTypes.pledgeConfirmed, challengeId, payload: { n: 1 } }];
    await expect(append(wrong as unknown as NewEvent[])).rejects.toThrow(
      /pledge\.confirmed refused: payload/,
    );
    await expect(
      append([{ type: 'nobody.defined_this', payload: {} } as unknown as NewEvent]),
    ).rejects.toThrow(/not in the event catalogue/);
    const [row] = await db.query<{ n: number }>(
      'select count(*)::int as n from outbox_event where challenge_id = ?',
      [challengeId],
    );
    expect(row?.n).toBe(0);
  });

  it('enqueues one evaluation per challenge that needs one, and marks everything relayed', async () => {
    const { queue, runs, enqueued } = await recordingQueue();
    const seen: OutboxEvent[] = [];
    const outboxRelay = relay({ queue, onEvents: (events) => seen.push(...events) });
    const [a, b, c] = [newId('chl'), newId('chl'), newId('chl')];
    const ids = await append([
      pledged(a, 1),
      pledged(a, 2),
      {
        type: EventTypes.pledgeWithdrawn,
        challengeId: b,
        payload: { pledgeId: 'pld_0', participantId: 'prt_1', participantsDelta: -1 },
      },
      pledged(a, 3),
      {
        type: EventTypes.contributionRecorded,
        challengeId: b,
        payload: {
          contributionId: 'ctb_1',
          participantId: 'prt_1',
          quantity: 3,
          co2eKg: 0.5,
          participantsDelta: 0,
        },
      },
      // Events that need no evaluation: relayed, but no job.
      {
        type: EventTypes.challengeUnlocked,
        challengeId: c,
        payload: { tierId: 't', unlockedAt: new Date().toISOString(), progress },
      },
      definedEvent(tripLogged, { km: 12 }),
    ]);

    expect(await outboxRelay.drain()).toBe(7);
    expect(enqueued).toEqual([
      {
        name: Jobs.evaluateChallenge,
        data: { challengeId: a },
        options: { dedupeKey: `evaluate-${a}` },
      },
      {
        name: Jobs.evaluateChallenge,
        data: { challengeId: b },
        options: { dedupeKey: `evaluate-${b}` },
      },
    ]);
    await queue.idle();
    expect(runs.sort()).toEqual([a, b].sort());
    expect(seen.map((e) => e.id)).toEqual(ids);
    expect(await pending(ids)).toBe(0);

    expect(await outboxRelay.drain()).toBe(0);
    await queue.idle();
    expect(enqueued).toHaveLength(2);
    expect(runs).toHaveLength(2);
  });

  it('turns 10,000 pledges on one challenge into a handful of evaluations', async () => {
    const { queue, runs, enqueued } = await recordingQueue({ handlerMs: 5 });
    const outboxRelay = relay({ queue });
    const challengeId = newId('chl');
    const ids = await append(Array.from({ length: 10_000 }, (_, n) => pledged(challengeId, n)));

    expect(await outboxRelay.drain()).toBe(10_000);
    await queue.idle();
    expect(await pending(ids)).toBe(0);
    // At most one enqueue per claimed batch (500 events by default): 20
    // evaluations for 10,000 pledges, whatever the handler's speed. Today each
    // batch outlasts a 5 ms evaluation, so it is exactly that many.
    const batches = Math.ceil(10_000 / 500);
    expect(enqueued.length).toBeLessThanOrEqual(batches);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(batches);
    expect(new Set(runs)).toEqual(new Set([challengeId]));
  });

  it('leaves events unrelayed when an enqueue throws, and relays them on the next drain', async () => {
    const { queue, runs } = await recordingQueue({ failEnqueues: 1 });
    const errors: unknown[] = [];
    const outboxRelay = relay({ queue, onError: (error) => errors.push(error) });
    const challengeId = newId('chl');
    const ids = await append([pledged(challengeId, 1), pledged(challengeId, 2)]);

    await expect(outboxRelay.drain()).rejects.toThrow('queue unavailable');
    expect(await pending(ids)).toBe(2);
    await queue.idle();
    expect(runs).toEqual([]);

    expect(await outboxRelay.drain()).toBe(2);
    expect(await pending(ids)).toBe(0);
    await queue.idle();
    expect(runs).toEqual([challengeId]);
    expect(errors).toEqual([]);
  });

  it('tells once that it works again after failing, so lost evaluations can be redone', async () => {
    const { queue } = await recordingQueue({ failEnqueues: 1 });
    const errors: unknown[] = [];
    let recovered = 0;
    const outboxRelay = relay({
      queue,
      pollMs: 20,
      onError: (error) => errors.push(error),
      onRecovered: () => recovered++,
    });
    const ids = await append([pledged(newId('chl'), 1)]);
    outboxRelay.start();
    for (let i = 0; i < 100 && (await pending(ids)) > 0; i++) await sleep(20);
    await sleep(100);
    expect(errors).toHaveLength(1);
    expect(recovered).toBe(1);
  });

  it('never relays one event twice when two relays drain side by side', async () => {
    const { queue } = await recordingQueue();
    const seen: [string[], string[]] = [[], []];
    const relays = seen.map((ids) =>
      relay({ queue, batchSize: 50, onEvents: (events) => ids.push(...events.map((e) => e.id)) }),
    );
    const challengeIds = Array.from({ length: 10 }, () => newId('chl'));
    const ids = await append(
      Array.from({ length: 2_000 }, (_, n) => pledged(challengeIds[n % 10] as string, n)),
    );

    const counts = await Promise.all(relays.map((r) => r.drain()));
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(2_000);
    const [first, second] = seen;
    expect(first.length + second.length).toBe(2_000);
    expect(new Set([...first, ...second])).toEqual(new Set(ids));
    expect(await pending(ids)).toBe(0);
  });
});
