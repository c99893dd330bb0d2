import type { Cluster, Redis } from 'ioredis';

export interface RedoOnReconnectOptions {
  /** Wait between attempts while `work` fails (default 1000 ms). */
  retryMs?: number;
  /** Attempts per reconnection before giving up until the next one (default 60). */
  maxAttempts?: number;
  onError?: (error: unknown) => void;
}

/**
 * Runs `work` each time `redis` is ready again after losing its connection,
 * retrying it while it fails (the queue's own connections may come back a
 * moment later than this one). Redis can come back without the jobs it held
 * — a restart without persistence, a failover — while PostgreSQL has
 * already marked their events relayed: job processes use this to schedule
 * their work again and to evaluate every open challenge again, both
 * idempotent.
 *
 * @returns a function that stops watching and waits for a run in progress.
 *
 * @example
 * const stop = redoOnReconnect(redis, () => sweepChallenges(db, queue, 'all-open'));
 * platform.onClose(stop);
 */
export function redoOnReconnect(
  redis: Redis | Cluster,
  work: () => Promise<unknown>,
  options: RedoOnReconnectOptions = {},
): () => Promise<void> {
  const retryMs = options.retryMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 60;
  let isStopped = false;
  let again = false;
  let running: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = null;
    });

  const runOnce = async () => {
    for (let attempt = 1; !isStopped; attempt++) {
      try {
        await work();
        return;
      } catch (error) {
        options.onError?.(error);
        if (attempt >= maxAttempts) return;
        await pause();
      }
    }
  };

  const onReady = () => {
    if (isStopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await runOnce();
      } while (again && !isStopped);
    })().finally(() => {
      running = null;
    });
  };

  // Registered once the first connection is up, so only comebacks fire it.
  redis.on('ready', onReady);
  return async () => {
    isStopped = true;
    redis.off('ready', onReady);
    wake?.();
    await running;
  };
}
