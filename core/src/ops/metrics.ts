import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isBullQueue } from '../jobs/bullmq/bullmq-queue.js';
import type { JobQueue, QueueCounts } from '../jobs/queue.js';
import type { Sql } from '../store/database.js';
import { withTimeout } from './health.js';

/** How long the database and queue reads of one scrape may take. */
export const SCRAPE_TIMEOUT_MS = 2000;

/** The route label of a request that matched no route (keeps label values bounded). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** Names of Tandem's own metrics, as documented in docs/operations.md. */
export const MetricNames = {
  httpRequests: 'tandem_http_requests_total',
  httpDuration: 'tandem_http_request_duration_seconds',
  queueJobs: 'tandem_queue_jobs',
  queueOldestWaiting: 'tandem_queue_oldest_waiting_seconds',
  unlocks: 'tandem_unlocks',
  outboxUnrelayed: 'tandem_outbox_unrelayed_events',
  outboxLag: 'tandem_outbox_lag_seconds',
  sourceUp: 'tandem_metrics_source_up',
} as const;

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
] as const satisfies readonly (keyof QueueCounts)[];

export interface OpsMetrics {
  /** This app's own registry: never the global one, so two apps in one process do not clash. */
  readonly registry: Registry;
  /** Records one answered request (an `onResponse` hook). */
  observe(request: FastifyRequest, reply: FastifyReply): void;
  /** Reads queue and database gauges now, then renders every metric in Prometheus text format. */
  render(): Promise<string>;
}

export interface OpsMetricsDeps {
  db: Sql;
  queue: JobQueue;
  timeoutMs?: number;
}

/**
 * Prometheus metrics of one Tandem process: HTTP traffic (counted here, per
 * process), queue depth and the business totals (read on each scrape from
 * the queue and PostgreSQL, so every process reports the same truth), and
 * Node's default process metrics.
 *
 * @example
 * const metrics = createOpsMetrics({ db, queue });
 * app.addHook('onResponse', async (request, reply) => metrics.observe(request, reply));
 * const text = await metrics.render();
 */
export function createOpsMetrics(deps: OpsMetricsDeps): OpsMetrics {
  const timeoutMs = deps.timeoutMs ?? SCRAPE_TIMEOUT_MS;
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const labelNames = ['method', 'route', 'status_class'] as const;
  const requests = new Counter({
    name: MetricNames.httpRequests,
    help: 'HTTP requests answered by this process, by method, route pattern and status class.',
    labelNames,
    registers,
  });
  const duration = new Histogram({
    name: MetricNames.httpDuration,
    help: 'Time to answer HTTP requests in this process, in seconds (live event streams excepted).',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const queueJobs = new Gauge({
    name: MetricNames.queueJobs,
    help: 'Jobs per queue and state (waiting, active, delayed, failed), read at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers,
  });
  const oldestWaiting = new Gauge({
    name: MetricNames.queueOldestWaiting,
    help: 'Age in seconds of the oldest job waiting in each queue (BullMQ only; 0 when none waits).',
    labelNames: ['queue'] as const,
    registers,
  });
  const unlocks = new Gauge({
    name: MetricNames.unlocks,
    help: 'Tiers unlocked since the beginning, read from PostgreSQL at scrape time.',
    registers,
  });
  const unrelayed = new Gauge({
    name: MetricNames.outboxUnrelayed,
    help: 'Outbox events written but not yet relayed to the queue.',
    registers,
  });
  const outboxLag = new Gauge({
    name: MetricNames.outboxLag,
    help: 'Seconds since the oldest outbox event not yet relayed was written (0 when none).',
    registers,
  });
  const sourceUp = new Gauge({
    name: MetricNames.sourceUp,
    help: 'Whether the last scrape could read this source (1) or not (0): postgres, queue.',
    labelNames: ['source'] as const,
    registers,
  });

  const readQueue = async () => {
    const counts = await deps.queue.counts();
    const ages = new Map<string, number>();
    if (isBullQueue(deps.queue)) {
      const now = Date.now();
      for (const bull of deps.queue.bullQueues()) {
        const [oldest] = await bull.getWaiting(0, 0);
        ages.set(bull.name, oldest ? Math.max(0, (now - oldest.timestamp) / 1000) : 0);
      }
    }
    return { counts, ages };
  };

  const readDatabase = async () => {
    const [outbox] = await deps.db.query<{ n: number; lag: number }>(
      `select count(*)::int as n,
              coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as lag
         from outbox_event where relayed_at is null`,
    );
    const [unlocked] = await deps.db.query<{ n: number }>('select count(*)::int as n from unlock');
    return { unrelayed: outbox?.n ?? 0, lag: outbox?.lag ?? 0, unlocks: unlocked?.n ?? 0 };
  };

  // Gauges of a source that cannot be read are emptied (or NaN) rather than
  // left stale: a missing series alerts, an old number would lie.
  const collect = async () => {
    const [queueRead, dbRead] = await Promise.allSettled([
      withTimeout(readQueue(), timeoutMs),
      withTimeout(readDatabase(), timeoutMs),
    ]);
    queueJobs.reset();
    oldestWaiting.reset();
    if (queueRead.status === 'fulfilled') {
      for (const [queue, counts] of Object.entries(queueRead.value.counts)) {
        for (const state of QUEUE_STATES) queueJobs.set({ queue, state }, counts[state]);
      }
      for (const [queue, age] of queueRead.value.ages) oldestWaiting.set({ queue }, age);
    }
    sourceUp.set({ source: 'queue' }, queueRead.status === 'fulfilled' ? 1 : 0);
    // An unlabelled gauge cannot be removed; NaN says "unknown" to Prometheus.
    const db = dbRead.status === 'fulfilled' ? dbRead.value : undefined;
    unlocks.set(db?.unlocks ?? Number.NaN);
    unrelayed.set(db?.unrelayed ?? Number.NaN);
    outboxLag.set(db?.lag ?? Number.NaN);
    sourceUp.set({ source: 'postgres' }, dbRead.status === 'fulfilled' ? 1 : 0);
  };

  return {
    registry,
    observe(request, reply) {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      };
      requests.inc(labels);
      // A live stream's "duration" is how long a page stayed open, not how
      // fast it was served: it would drown the latency histogram.
      if (!String(reply.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
        duration.observe(labels, reply.elapsedTime / 1000);
      }
    },
    async render() {
      await collect();
      return registry.metrics();
    },
  };
}
