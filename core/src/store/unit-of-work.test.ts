import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { openDatabase, type Database } from './database.js';
import { Type } from '@sinclair/typebox';
import { definePluginEvent } from '../sdk/events.js';
import { appendEvents, definedEvent } from './outbox.js';
import { withinUnitOfWork, type Tx } from './unit-of-work.js';

/** Test events of a made-up plugin, so that each test counts its own. */
const testEvent = (name: string) =>
  definedEvent(
    definePluginEvent('test', name, Type.Object({}), { description: 'A test event.' }),
    {},
  );

describe('unit of work', () => {
  let testDb: TestDatabase | undefined;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('external');
    db = await openDatabase({ url: testDb.url });
    await db.migrate();
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const pending = async (type: string) => {
    const [row] = await db.query<{ n: number }>(
      'select count(*)::int as n from outbox_event where type = ?',
      [type],
    );
    return row?.n ?? 0;
  };

  it('announces appended events once, after the commit, when the rows are visible', async () => {
    const seen: number[] = [];
    const stop = db.onEventsCommitted(() => {
      // Called after the commit: another connection already sees the event.
      void pending('test.after_commit').then((n) => seen.push(n));
    });
    try {
      await db.transaction(async (tx) => {
        await appendEvents(tx, [testEvent('after_commit')]);
        await appendEvents(tx, [testEvent('after_commit')]);
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([2]);
    } finally {
      stop();
    }
  });

  it('announces nothing when the unit of work rolls back or appended nothing', async () => {
    let announced = 0;
    const stop = db.onEventsCommitted(() => announced++);
    const after: string[] = [];
    try {
      await expect(
        db.transaction(async (tx) => {
          tx.afterCommit(() => after.push('rolled back'));
          await appendEvents(tx, [testEvent('rolled_back')]);
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      await db.transaction(async (tx) => {
        tx.afterCommit(() => after.push('committed'));
        await tx.query('select 1');
      });
      expect(announced).toBe(0);
      expect(after).toEqual(['committed']);
      expect(await pending('test.rolled_back')).toBe(0);
    } finally {
      stop();
    }
  });

  it('lets a service join its caller: one commit, one announcement, one rollback', async () => {
    let announced = 0;
    const stop = db.onEventsCommitted(() => announced++);
    // A "service" that opens its own unit of work unless given one.
    const service = (tx?: Tx) =>
      withinUnitOfWork(db, tx, (inner) => appendEvents(inner, [testEvent('joined')]));
    try {
      await service();
      expect(announced).toBe(1);
      await db.transaction(async (tx) => {
        await service(tx);
        await service(tx);
        expect(announced).toBe(1);
      });
      expect(announced).toBe(2);
      expect(await pending('test.joined')).toBe(3);
      await expect(
        db.transaction(async (tx) => {
          await service(tx);
          throw new Error('the caller changed its mind');
        }),
      ).rejects.toThrow('changed its mind');
      expect(announced).toBe(2);
      expect(await pending('test.joined')).toBe(3);
    } finally {
      stop();
    }
  });
});
