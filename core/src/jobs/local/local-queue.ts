import { newId } from '../../ids.js';
import {
  queueOf,
  type EnqueueOptions,
  type JobHandler,
  type JobQueue,
  type QueueCounts,
} from '../queue.js';

interface LocalJob {
  id: string;
  name: string;
  data: Record<string, unknown>;
  dedupeKey: string | undefined;
  attempts: number;
  attempt: number;
  backoffMs: number;
}

export interface LocalQueueOptions {
  /** Jobs run at once (default 4). */
  concurrency?: number;
  /** Default first retry delay; doubles each attempt (default 100 ms). */
  backoffMs?: number;
  onError?: (error: unknown, job: { id: string; name: string; attempt: number }) => void;
}

/** How many finished job ids are remembered, so a replayed jobId is ignored like BullMQ does. */
const REMEMBERED_IDS = 10_000;

/**
 * The in-process queue of the embedded default. Jobs live in memory, so a
 * crash loses what was waiting: the outbox (written in PostgreSQL with each
 * change) and the start-up sweep that evaluates open challenges are what
 * make this safe, not the queue.
 */
export function createLocalQueue(options: LocalQueueOptions = {}): JobQueue {
  const concurrency = options.concurrency ?? 4;
  const defaultBackoffMs = options.backoffMs ?? 100;
  const handlers = new Map<string, JobHandler>();
  const waiting: LocalJob[] = [];
  const waitingKeys = new Set<string>();
  // Keys of running jobs: a job waits while another with its key runs, so a
  // key has at most one job running and one waiting (EnqueueOptions.dedupeKey).
  const activeKeys = new Set<string>();
  // Ids of jobs waiting, running or recently finished (insertion-ordered, bounded).
  const knownIds = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const schedules = new Map<
    string,
    { timer: NodeJS.Timeout | null; run: () => void; everyMs: number }
  >();
  let active = 0;
  const activeByQueue = new Map<string, number>();
  const failedByQueue = new Map<string, number>();
  const bump = (map: Map<string, number>, name: string, by: number) =>
    map.set(queueOf(name), (map.get(queueOf(name)) ?? 0) + by);
  let started = false;
  let closing = false;
  let idleWaiters: Array<() => void> = [];

  const isIdle = () => waiting.length === 0 && active === 0 && timers.size === 0;
  const settleIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const remember = (id: string) => {
    knownIds.add(id);
    if (knownIds.size > REMEMBERED_IDS) {
      const oldest = knownIds.values().next().value;
      if (oldest !== undefined) knownIds.delete(oldest);
    }
  };

  const push = (job: LocalJob) => {
    if (job.dedupeKey !== undefined) {
      if (waitingKeys.has(job.dedupeKey)) return;
      waitingKeys.add(job.dedupeKey);
    }
    waiting.push(job);
    pump();
  };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
      settleIdle();
    }, ms);
    timers.add(timer);
  };

  const run = async (job: LocalJob) => {
    const handler = handlers.get(job.name);
    try {
      if (!handler) throw new Error(`No handler for job "${job.name}"`);
      await handler(job.data, { jobId: job.id, attempt: job.attempt });
    } catch (error) {
      options.onError?.(error, { id: job.id, name: job.name, attempt: job.attempt });
      if (job.attempt < job.attempts && !closing) {
        const retry = { ...job, attempt: job.attempt + 1 };
        later(job.backoffMs * 2 ** (job.attempt - 1), () => push(retry));
      } else {
        bump(failedByQueue, job.name, 1);
      }
    }
  };

  function pump() {
    if (!started || closing) return;
    for (let i = 0; active < concurrency && i < waiting.length;) {
      const job = waiting[i] as LocalJob;
      const key = job.dedupeKey;
      if (key !== undefined && activeKeys.has(key)) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      if (key !== undefined) {
        waitingKeys.delete(key);
        activeKeys.add(key);
      }
      active++;
      bump(activeByQueue, job.name, 1);
      void run(job).finally(() => {
        active--;
        bump(activeByQueue, job.name, -1);
        if (key !== undefined) activeKeys.delete(key);
        pump();
        settleIdle();
      });
    }
  }

  const startSchedule = (entry: {
    timer: NodeJS.Timeout | null;
    run: () => void;
    everyMs: number;
  }) => {
    if (entry.timer) clearInterval(entry.timer);
    entry.timer = setInterval(entry.run, entry.everyMs);
    entry.timer.unref();
  };

  return {
    kind: 'local',
    async enqueue(
      name: string,
      data: Record<string, unknown>,
      enqueueOptions: EnqueueOptions = {},
    ) {
      if (closing) throw new Error('The job queue is closing');
      if (enqueueOptions.jobId !== undefined) {
        if (knownIds.has(enqueueOptions.jobId)) return;
        remember(enqueueOptions.jobId);
      }
      const job: LocalJob = {
        id: enqueueOptions.jobId ?? newId('job'),
        name,
        data,
        dedupeKey: enqueueOptions.dedupeKey,
        attempts: enqueueOptions.attempts ?? 5,
        attempt: 1,
        backoffMs: enqueueOptions.backoffMs ?? defaultBackoffMs,
      };
      if (enqueueOptions.delayMs && enqueueOptions.delayMs > 0) {
        later(enqueueOptions.delayMs, () => push(job));
      } else push(job);
    },
    async schedule(name, data, scheduleOptions) {
      if (closing) throw new Error('The job queue is closing');
      const previous = schedules.get(scheduleOptions.id);
      if (previous?.timer) clearInterval(previous.timer);
      const entry = {
        timer: null as NodeJS.Timeout | null,
        everyMs: scheduleOptions.everyMs,
        run: () => {
          if (!closing)
            push({
              id: newId('job'),
              name,
              data,
              dedupeKey: `schedule-${scheduleOptions.id}`,
              attempts: 1,
              attempt: 1,
              backoffMs: defaultBackoffMs,
            });
        },
      };
      schedules.set(scheduleOptions.id, entry);
      if (started) startSchedule(entry);
    },
    handle(name, handler) {
      handlers.set(name, handler as JobHandler);
    },
    async start() {
      started = true;
      for (const entry of schedules.values()) startSchedule(entry);
      pump();
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async counts() {
      const byQueue: Record<string, QueueCounts> = {};
      const at = (queue: string) =>
        (byQueue[queue] ??= { waiting: 0, active: 0, delayed: 0, failed: 0 });
      for (const job of waiting) at(queueOf(job.name)).waiting++;
      for (const [queue, n] of activeByQueue) at(queue).active += n;
      for (const [queue, n] of failedByQueue) at(queue).failed += n;
      return byQueue;
    },
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const entry of schedules.values()) if (entry.timer) clearInterval(entry.timer);
      schedules.clear();
      waiting.length = 0;
      waitingKeys.clear();
      if (active > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      settleIdle();
    },
  };
}
