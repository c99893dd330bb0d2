import { newId } from '../../ids.js';
import type { EnqueueOptions, JobHandler, JobQueue } from '../queue.js';

interface LocalJob {
  id: string;
  name: string;
  data: Record<string, unknown>;
  dedupeKey: string | undefined;
  attempts: number;
  attempt: number;
}

export interface LocalQueueOptions {
  /** Jobs run at once (default 4). */
  concurrency?: number;
  /** First retry delay; doubles each attempt (default 100 ms). */
  backoffMs?: number;
  onError?: (error: unknown, job: { id: string; name: string; attempt: number }) => void;
}

/**
 * The in-process queue of the embedded default. Jobs live in memory, so a
 * crash loses what was waiting: the outbox (written in PostgreSQL with each
 * change) and the start-up sweep that evaluates open challenges are what
 * make this safe, not the queue.
 */
export function createLocalQueue(options: LocalQueueOptions = {}): JobQueue {
  const concurrency = options.concurrency ?? 4;
  const backoffMs = options.backoffMs ?? 100;
  const handlers = new Map<string, JobHandler>();
  const waiting: LocalJob[] = [];
  const waitingKeys = new Set<string>();
  // Keys of running jobs: a job waits while another with its key runs, so a
  // key has at most one job running and one waiting (EnqueueOptions.dedupeKey).
  const activeKeys = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let active = 0;
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
        later(backoffMs * 2 ** (job.attempt - 1), () => push(retry));
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
      void run(job).finally(() => {
        active--;
        if (key !== undefined) activeKeys.delete(key);
        pump();
        settleIdle();
      });
    }
  }

  return {
    kind: 'local',
    async enqueue(
      name: string,
      data: Record<string, unknown>,
      enqueueOptions: EnqueueOptions = {},
    ) {
      if (closing) throw new Error('The job queue is closing');
      const job: LocalJob = {
        id: newId('job'),
        name,
        data,
        dedupeKey: enqueueOptions.dedupeKey,
        attempts: enqueueOptions.attempts ?? 5,
        attempt: 1,
      };
      if (enqueueOptions.delayMs && enqueueOptions.delayMs > 0)
        later(enqueueOptions.delayMs, () => push(job));
      else push(job);
    },
    handle(name, handler) {
      handlers.set(name, handler as JobHandler);
    },
    async start() {
      started = true;
      pump();
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      waiting.length = 0;
      waitingKeys.clear();
      if (active > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      settleIdle();
    },
  };
}
