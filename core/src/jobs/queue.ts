/**
 * The queue port. Jobs are safe to run twice and carry ids, never personal
 * data. The in-process adapter (./local) serves the embedded default; the
 * BullMQ adapter (./bullmq) serves production. One contract suite
 * (testing/queue.contract.ts) runs against both.
 */

/** Queue names are nouns. */
export const Queues = {
  thresholds: 'thresholds',
  events: 'events',
  schedules: 'schedules',
} as const;

/** Job names are verb-noun. */
export const Jobs = {
  evaluateChallenge: 'evaluate-challenge',
  deliverEvent: 'deliver-event',
  sweepDeadlines: 'sweep-deadlines',
  recountProgress: 'recount-progress',
  checkPacing: 'check-pacing',
  sendReminders: 'send-reminders',
  purgeExpired: 'purge-expired',
  sendNotifications: 'send-notifications',
} as const;

const CORE_ROUTES: Record<string, string> = {
  [Jobs.evaluateChallenge]: Queues.thresholds,
  [Jobs.deliverEvent]: Queues.events,
  [Jobs.sendNotifications]: Queues.events,
};

/**
 * The queue a job goes to: core's jobs by table, a plugin's jobs
 * (`<pluginId>.<job>`) to the plugin's own queue, scheduled work to
 * `schedules`.
 */
export function queueOf(jobName: string): string {
  const routed = CORE_ROUTES[jobName];
  if (routed) return routed;
  const dot = jobName.indexOf('.');
  if (dot > 0) return jobName.slice(0, dot);
  return Queues.schedules;
}

export interface EnqueueOptions {
  /**
   * A deterministic job id (no `:`, not all digits): a second enqueue with
   * the same id while the first is known is ignored.
   */
  jobId?: string;
  /**
   * Collapses bursts: at most one job of this key runs and one waits; more
   * enqueues while one waits are dropped. Jobs of one key never run side by
   * side.
   */
  dedupeKey?: string;
  /** Attempts before the job is given up (default 5). */
  attempts?: number;
  /** First retry delay in ms (default 1000), doubling each attempt. */
  backoffMs?: number;
  delayMs?: number;
}

export interface ScheduleOptions {
  /** Stable id of the schedule: scheduling again with it replaces, never duplicates. */
  id: string;
  everyMs: number;
}

export interface JobContext {
  jobId: string;
  attempt: number;
}

export type JobHandler<T = Record<string, unknown>> = (
  data: T,
  context: JobContext,
) => Promise<void>;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueue {
  readonly kind: 'local' | 'bullmq';
  enqueue(name: string, data: Record<string, unknown>, options?: EnqueueOptions): Promise<void>;
  /** Runs `name` every `everyMs` (in the processes that `start()`). */
  schedule(name: string, data: Record<string, unknown>, options: ScheduleOptions): Promise<void>;
  /** Registers the handler of one job name; call before `start()`. */
  handle<T extends Record<string, unknown>>(name: string, handler: JobHandler<T>): void;
  /** Starts processing registered jobs (a serve-only process never calls it). */
  start(): Promise<void>;
  /** Resolves once no job is waiting, running or waiting to be retried (schedules excepted). */
  idle(): Promise<void>;
  /** Jobs by state, per queue, for operators' metrics. */
  counts(): Promise<Record<string, QueueCounts>>;
  /** Stops taking jobs, lets running ones finish, then releases resources. */
  close(): Promise<void>;
}
