import type { Sql } from '../../store/database.js';

/**
 * How late a tick may come and still count as on time: ticks from timers
 * and Redis drift by seconds, and a work whose period equals the tick must
 * not skip every other tick for a few milliseconds.
 */
export const TICK_TOLERANCE_MS = 5 * 60_000;

/**
 * Claims one run of the periodic work `name` if its last run started at
 * least `periodMs` ago (less {@link TICK_TOLERANCE_MS}); returns whether this
 * caller got it. The claim is one atomic upsert on `scheduled_run`, so of
 * several processes ticking at once, or of a tick replayed, one runs the
 * work and the others skip it; and a process restarted many times a day
 * still runs daily work once a day, which a timer reset at each start would
 * not.
 */
export async function claimRun(
  sql: Sql,
  name: string,
  periodMs: number,
  now: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `insert into scheduled_run (name, last_run_at) values (?, ?)
     on conflict (name) do update set last_run_at = excluded.last_run_at
      where scheduled_run.last_run_at <= ?
     returning name`,
    [name, now, new Date(now.getTime() - periodMs + TICK_TOLERANCE_MS)],
  );
  return rows.length > 0;
}

/** Gives a claimed run back (the work failed), so that the next tick tries again. */
export async function releaseRun(sql: Sql, name: string): Promise<void> {
  await sql.query(`update scheduled_run set last_run_at = '-infinity' where name = ?`, [name]);
}

/**
 * Runs `work` if {@link claimRun} grants it; a failure releases the claim
 * and is rethrown, for the queue to record.
 *
 * @returns the work's result, or `undefined` when it was not due
 */
export async function runIfDue<T>(
  sql: Sql,
  name: string,
  periodMs: number,
  now: Date,
  work: () => Promise<T>,
): Promise<T | undefined> {
  if (!(await claimRun(sql, name, periodMs, now))) return undefined;
  try {
    return await work();
  } catch (error) {
    await releaseRun(sql, name).catch(() => undefined);
    throw error;
  }
}
