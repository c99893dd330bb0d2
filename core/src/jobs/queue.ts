/**
 * The queue port. Jobs are safe to run twice and carry ids, never personal
 * data. The in-process adapter (./local) serves the embedded default; a
 * BullMQ adapter serves production.
 */

/** Queue names are nouns. */
export const Queues = { thresholds: 'thresholds' } as const;

/** Job names are verb-noun. */
export const Jobs = { evaluateChallenge: 'evaluate-challenge' } as const;

export interface EnqueueOptions {
  /**
   * Collapses bursts: while a job with this key is waiting, another enqueue
   * with the same key is dropped (one more may wait behind an active one).
   */
  dedupeKey?: string;
  /** Attempts before the job is given up (default 5), with exponential backoff. */
  attempts?: number;
  delayMs?: number;
}

export interface JobContext {
  jobId: string;
  attempt: number;
}

export type JobHandler<T = Record<string, unknown>> = (
  data: T,
  context: JobContext,
) => Promise<void>;

export interface JobQueue {
  readonly kind: 'local' | 'bullmq';
  enqueue(name: string, data: Record<string, unknown>, options?: EnqueueOptions): Promise<void>;
  /** Registers the handler of one job name; call before `start()`. */
  handle<T extends Record<string, unknown>>(name: string, handler: JobHandler<T>): void;
  /** Starts processing registered jobs (a serve-only process never calls it). */
  start(): Promise<void>;
  /** Resolves once nothing is waiting, delayed or running. */
  idle(): Promise<void>;
  /** Stops taking jobs, lets running ones finish, then releases resources. */
  close(): Promise<void>;
}
