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
  const started = performance.now();
  const result = await autocannon({ timeout: 30, ...options });
  const seconds = (performance.now() - started) / 1000;
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
