import autocannon, { type Request } from 'autocannon';

/** What one load run gave. */
export interface Load {
  /** 2xx answers per second of the run. */
  rate: number;
  ok: number;
  /** Answers other than 2xx, and connection errors (timeouts included). */
  failed: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  seconds: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Either a number of requests… */
  amount?: number;
  /** …or a duration in seconds. */
  duration?: number;
  /** Requests per second over all connections (none: as fast as answers come). */
  overallRate?: number;
  requests?: Request[];
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Runs autocannon (its programmatic API, in this process) and reduces its result. */
export async function load(options: LoadOptions): Promise<Load> {
  // Autocannon ends a run of `amount` requests on its next one-second tick,
  // not at the last answer: timed from outside, 300 pledges answered in
  // 0.4 s read as 300/s. The clock stops at the last answer instead.
  let lastAnswer = 0;
  const timed = (request: Request): Request => ({
    ...request,
    onResponse: (status, body, context, headers) => {
      lastAnswer = performance.now();
      request.onResponse?.(status, body, context, headers);
    },
  });
  const requests =
    options.requests?.map(timed) ?? (options.amount !== undefined ? [timed({})] : undefined);
  const started = performance.now();
  const result = await autocannon({ timeout: 30, ...options, ...(requests ? { requests } : {}) });
  const ended =
    options.amount !== undefined && lastAnswer > started ? lastAnswer : performance.now();
  const seconds = (ended - started) / 1000;
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = Number(count);
  const ok = result['2xx'];
  return {
    rate: ok / seconds,
    ok,
    failed: result.non2xx + result.errors,
    statuses,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds,
  };
}
