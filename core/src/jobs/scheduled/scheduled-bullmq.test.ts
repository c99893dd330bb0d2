import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../testing/index.js';
import { Jobs } from '../queue.js';

/**
 * The scheduled jobs go through the BullMQ adapter as they do through the
 * in-process queue (the other tests of this folder): each reaches its
 * handler on the `schedules` queue, and a replayed tick does the work once.
 */

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ redis: true });
});
afterAll(async () => {
  await platform?.stop();
});

it('runs check-pacing, send-reminders, recount-progress and purge-expired on BullMQ, once per period', async () => {
  expect(platform.queue.kind).toBe('bullmq');
  const names = [Jobs.checkPacing, Jobs.sendReminders, Jobs.recountProgress, Jobs.purgeExpired];
  for (const name of names) await platform.queue.enqueue(name, {});
  await platform.settle();
  const first = await platform.db.query<{ name: string; last_run_at: Date }>(
    'select name, last_run_at from scheduled_run order by name',
  );
  expect(first.map((r) => r.name)).toEqual([...names].sort());

  // A second tick within the period: claimed by nobody, the stamps stay.
  for (const name of names) await platform.queue.enqueue(name, {});
  await platform.settle();
  const second = await platform.db.query<{ name: string; last_run_at: Date }>(
    'select name, last_run_at from scheduled_run order by name',
  );
  expect(second).toEqual(first);
});
