import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { TandemError } from '../../errors.js';
import { redactError } from '../../logging.js';
import {
  queueOf,
  Queues,
  type EnqueueOptions,
  type JobHandler,
  type JobQueue,
  type QueueCounts,
} from '../queue.js';

/**
 * Jobs run at once per queue when the options name no number. Evaluations
 * mostly wait on PostgreSQL (one unlocked read, and a short locked write
 * only when a threshold is crossed), so more of them run side by side: when
 * many challenges cross at once their unlocks do not queue behind four.
 */
function defaultConcurrency(queueName: string): number {
  return queueName === Queues.thresholds ? 16 : 4;
}

/** A connection to one Redis, or to a Redis Cluster (`TANDEM_REDIS_CLUSTER=1`). */
export type RedisClient = Redis | Cluster;

export interface BullQueueOptions {
  url: string;
  /** `url` names a node of a Redis Cluster (the prefix must then be a hash tag). */
  cluster?: boolean;
  /** Key prefix in Redis (default `tandem`); tests use one per run. */
  prefix?: string;
  /** Jobs run at once per queue in this process (default 4). */
  concurrency?: number;
  /** Default first retry delay (default 1000 ms), doubling each attempt. */
  backoffMs?: number;
  onError?: (error: unknown, job: { id: string; name: string; attempt: number }) => void;
  /** Fails enqueues that Redis does not answer in time, so no request or relay hangs on it. */
  commandTimeoutMs?: number;
  /**
   * How long a job stays locked to its worker without a renewal (default
   * 30 s): a job whose worker died is taken again after about this long.
   */
  lockDurationMs?: number;
}

/** The BullMQ adapter, with its BullMQ queues in view for operators' tools (bull-board). */
export interface BullJobQueue extends JobQueue {
  readonly kind: 'bullmq';
  /** The BullMQ queues opened so far (one per Tandem queue name); read-only use. */
  bullQueues(): Queue[];
}

/** Whether `queue` is the BullMQ adapter (and so exposes its BullMQ queues). */
export const isBullQueue = (queue: JobQueue): queue is BullJobQueue =>
  queue.kind === 'bullmq' && typeof (queue as Partial<BullJobQueue>).bullQueues === 'function';

/** Redacts the password of a connection string for messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

/**
 * Connects to Redis now and fails with a sentence if it cannot: a real
 * backend that cannot connect stops the process, it never falls back.
 */
export async function connectRedisOrFail(
  url: string,
  options: { forWorkers?: boolean; commandTimeoutMs?: number; cluster?: boolean } = {},
): Promise<RedisClient> {
  const settings: RedisOptions = {
    connectTimeout: 5000,
    // Producers fail fast while Redis is away (the outbox keeps the work);
    // workers wait for it to come back, as BullMQ requires.
    maxRetriesPerRequest: options.forWorkers ? null : 1,
    enableOfflineQueue: Boolean(options.forWorkers),
    ...(options.forWorkers || !options.commandTimeoutMs
      ? {}
      : { commandTimeout: options.commandTimeoutMs }),
  };
  const redis: RedisClient = options.cluster
    ? clusterOf(url, settings)
    : new Redis(url, { ...settings, lazyConnect: true });
  redis.on('error', () => undefined); // reported through the failing commands instead
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `Cannot reach Redis at REDIS_URL (${redactUrl(url)}): ${String(error)}`,
    );
  }
  return redis;
}

/**
 * A Cluster client that starts from the node `url` names and learns the
 * others from it; credentials and TLS (`rediss://`) apply to every node.
 */
function clusterOf(url: string, settings: RedisOptions): Cluster {
  const parsed = new URL(url);
  const redisOptions: RedisOptions = {
    ...settings,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
    lazyConnect: true,
    enableOfflineQueue: settings.enableOfflineQueue ?? true,
    redisOptions,
    ...(parsed.protocol === 'rediss:' ? { dnsLookup: (address, done) => done(null, address) } : {}),
  });
}

/**
 * The BullMQ adapter: one BullMQ queue per Tandem queue name, workers only in
 * processes that `start()` (`tandem worker`, or `tandem serve` without
 * Redis never uses this). Deduplication uses BullMQ's `keepLastIfActive`, so
 * at most one job per key runs and one waits, never two side by side.
 */
export async function createBullQueue(options: BullQueueOptions): Promise<BullJobQueue> {
  const prefix = options.prefix ?? 'tandem';
  const producer = await connectRedisOrFail(options.url, {
    commandTimeoutMs: options.commandTimeoutMs ?? 3000,
    ...(options.cluster ? { cluster: true } : {}),
  });
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const workerConnections: RedisClient[] = [];
  const handlers = new Map<string, JobHandler>();
  let closing = false;

  const queueFor = (name: string): Queue => {
    const queueName = queueOf(name);
    let queue = queues.get(queueName);
    if (!queue) {
      queue = new Queue(queueName, { connection: producer, prefix });
      queue.on('error', () => undefined);
      queues.set(queueName, queue);
    }
    return queue;
  };

  const jobOptions = (enqueue: EnqueueOptions): JobsOptions => ({
    attempts: enqueue.attempts ?? 5,
    backoff: { type: 'exponential', delay: enqueue.backoffMs ?? options.backoffMs ?? 1000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
    ...(enqueue.jobId ? { jobId: enqueue.jobId } : {}),
    ...(enqueue.delayMs ? { delay: enqueue.delayMs } : {}),
    ...(enqueue.dedupeKey
      ? { deduplication: { id: enqueue.dedupeKey, keepLastIfActive: true } }
      : {}),
  });

  const process = async (job: Job) => {
    const handler = handlers.get(job.name);
    if (!handler) throw new Error(`No handler for job "${job.name}" in this process`);
    try {
      await handler(job.data as Record<string, unknown>, {
        jobId: job.id ?? '',
        attempt: job.attemptsMade + 1,
      });
    } catch (error) {
      options.onError?.(error, { id: job.id ?? '', name: job.name, attempt: job.attemptsMade + 1 });
      // BullMQ keeps the failure's message and stack in Redis: never a statement's values.
      throw redactError(error);
    }
  };

  // Read in one MULTI: with separate reads, a retry moving from delayed to
  // active between them was counted in neither, and idle() resolved early.
  const pendingCounts = async () => {
    let total = 0;
    for (const queue of queues.values()) {
      const replies = await producer
        .multi()
        .llen(queue.toKey('wait'))
        .llen(queue.toKey('paused'))
        .llen(queue.toKey('active'))
        .zcard(queue.toKey('prioritized'))
        .zcard(queue.toKey('waiting-children'))
        .zrange(queue.toKey('delayed'), '0', '-1')
        .exec();
      for (const [error, reply] of replies ?? []) {
        if (error) throw error;
        // Retries wait as delayed jobs; schedules' next runs are delayed too
        // but never end. Those are BullMQ's `repeat:<id>:<time>` ids; ours
        // never hold a `:` (EnqueueOptions.jobId).
        if (Array.isArray(reply)) total += reply.filter((id) => !String(id).includes(':')).length;
        else total += Number(reply);
      }
    }
    return total;
  };

  return {
    kind: 'bullmq',
    bullQueues: () => [...queues.values()],
    async enqueue(name, data, enqueueOptions = {}) {
      if (closing) throw new Error('The job queue is closing');
      await queueFor(name).add(name, data, jobOptions(enqueueOptions));
    },
    async schedule(name, data, scheduleOptions) {
      await queueFor(name).upsertJobScheduler(
        scheduleOptions.id,
        { every: scheduleOptions.everyMs },
        {
          name,
          data,
          opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
        },
      );
    },
    handle(name, handler) {
      handlers.set(name, handler as JobHandler);
      queueFor(name);
    },
    async start() {
      const names = new Set([...handlers.keys()].map(queueOf));
      for (const queueName of names) {
        const connection = await connectRedisOrFail(options.url, {
          forWorkers: true,
          ...(options.cluster ? { cluster: true } : {}),
        });
        workerConnections.push(connection);
        const worker = new Worker(queueName, process, {
          connection,
          prefix,
          concurrency: options.concurrency ?? defaultConcurrency(queueName),
          // A job whose worker died keeps its lock until the lock expires; the
          // next stalled check of a live worker then puts it back to wait.
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: Math.min(5000, Math.ceil((options.lockDurationMs ?? 30_000) / 2)),
          maxStalledCount: 5,
        });
        worker.on('error', () => undefined);
        workers.push(worker);
      }
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    async idle() {
      while ((await pendingCounts()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async counts() {
      const result: Record<string, QueueCounts> = {};
      for (const [queueName, queue] of queues) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        result[queueName] = {
          waiting: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0),
          active: c['active'] ?? 0,
          delayed: c['delayed'] ?? 0,
          failed: c['failed'] ?? 0,
        };
      }
      return result;
    },
    async close() {
      closing = true;
      // Stop fetching and let active jobs finish, then the queues, then Redis.
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      for (const connection of workerConnections) connection.disconnect();
      producer.disconnect();
    },
  };
}
