/**
 * Scheduled work: deadlines (jobs/sweep.ts), milestones (written by the
 * evaluation, ./milestones.ts), the pacing check and its nudges
 * (./pacing.ts), contribution reminders (./reminders.ts) and the nightly
 * recount (./recount.ts).
 */
import type { Config } from '../../config.js';
import type { Mailer } from '../../mail/mailer.js';
import type { ServiceContext } from '../../services/context.js';
import type { Database } from '../../store/database.js';
import { Jobs, type JobQueue } from '../queue.js';
import { checkPacing } from './pacing.js';
import { purgeExpired } from './purge.js';
import { recountOpenChallenges } from './recount.js';
import { sendReminders } from './reminders.js';
import { runIfDue } from './runs.js';

export { MILESTONE_EVENT, recordMilestones } from './milestones.js';
export { MILESTONE_PERCENTS } from '../../domain/milestones.js';
export { MISMATCH_EVENT, recountChallenge, recountOpenChallenges } from './recount.js';
export { checkPacing, NUDGE_INTERVAL_MS } from './pacing.js';
export { purgeExpired, type PurgeSummary } from './purge.js';
export { sendReminders, unsubscribeFromReminders, REMINDER_INTERVAL_MS } from './reminders.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * How often each scheduled job ticks. Every job ticks hourly and does its
 * work once per `periodMs` (claimed in `scheduled_run`), so daily work
 * still runs daily when processes restart more often than that (the
 * in-process queue's timers start over at each start), and a tick taken by
 * two workers does the work once.
 */
export const SCHEDULED_WORK = [
  { name: Jobs.checkPacing, periodMs: HOUR },
  { name: Jobs.sendReminders, periodMs: DAY },
  { name: Jobs.recountProgress, periodMs: DAY },
  { name: Jobs.purgeExpired, periodMs: HOUR },
] as const;

/** The tick of every scheduled job. */
export const SCHEDULE_TICK_MS = HOUR;

/** A schedule to create with `queue.schedule(name, {}, { id, everyMs })`. */
export interface ScheduleSpec {
  name: string;
  id: string;
  everyMs: number;
}

export interface ScheduledWorkDeps {
  db: Database;
  queue: JobQueue;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl'>;
  registry: Pick<ServiceContext['registry'], 'actionTypes' | 'findActionType'>;
  now: () => Date;
  /** Where corrections are reported besides the outbox (default: console.warn). */
  warn?: (message: string) => void;
}

/**
 * Registers the handlers of the scheduled jobs (`check-pacing`,
 * `send-reminders`, `recount-progress`, `purge-expired`) and returns the schedules to
 * create once the process runs jobs. Jobs carry no data: each handler
 * finds its work in the database, and is safe to run twice.
 *
 * @example
 * const schedules = installScheduledWork({ db, queue, mailer, config, registry, now });
 * // later, in a process that runs jobs:
 * for (const s of schedules) await queue.schedule(s.name, {}, { id: s.id, everyMs: s.everyMs });
 */
export function installScheduledWork(deps: ScheduledWorkDeps): ScheduleSpec[] {
  const warn = deps.warn ?? ((message: string) => console.warn(message));
  const work: Record<(typeof SCHEDULED_WORK)[number]['name'], () => Promise<unknown>> = {
    [Jobs.checkPacing]: () => checkPacing(deps),
    [Jobs.sendReminders]: () => sendReminders(deps),
    [Jobs.purgeExpired]: () => purgeExpired(deps),
    [Jobs.recountProgress]: async () => {
      const summary = await recountOpenChallenges(deps);
      for (const { challengeId, expected, found } of summary.corrected) {
        warn(
          `recount corrected challenge ${challengeId}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`,
        );
      }
      return summary;
    },
  };
  for (const { name, periodMs } of SCHEDULED_WORK) {
    deps.queue.handle(name, async () => {
      await runIfDue(deps.db, name, periodMs, deps.now(), work[name]);
    });
  }
  return SCHEDULED_WORK.map(({ name }) => ({ name, id: name, everyMs: SCHEDULE_TICK_MS }));
}
