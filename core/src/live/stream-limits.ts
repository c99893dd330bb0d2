import { TandemError } from '../errors.js';

/** Caps on open live streams; `0` disables one. */
export interface StreamCaps {
  perIp: number;
  perProcess: number;
}

/** Counts the open streams of this process, per client IP and in all. */
export interface StreamLimiter {
  /**
   * Takes a place for a new stream from `ip`, or throws 429
   * (`TANDEM_RATE_LIMITED`, too many from that IP) or 503
   * (`TANDEM_UNAVAILABLE`, the process is full), both with a retry delay.
   * The returned release is idempotent: call it when the stream closes.
   */
  acquire(ip: string): () => void;
  /** Open streams, in all and from one IP (tests, operations). */
  open(ip?: string): number;
}

/** How long a refused client should wait before trying again. */
const RETRY_AFTER_SECONDS = 30;

/**
 * A stream costs a socket and a little memory for as long as it stays open:
 * without a cap one client can hold thousands. The per-IP cap is per
 * process, generous (an office behind one address), and the process cap
 * protects the process whoever asks.
 */
export function createStreamLimiter(caps: StreamCaps): StreamLimiter {
  const byIp = new Map<string, number>();
  let total = 0;
  return {
    acquire(ip) {
      const mine = byIp.get(ip) ?? 0;
      if (caps.perIp > 0 && mine >= caps.perIp) {
        throw new TandemError(
          'TANDEM_RATE_LIMITED',
          `Too many live streams open from this address (at most ${caps.perIp}); close some or retry later.`,
          [
            {
              message: 'live streams per IP',
              limit: caps.perIp,
              retryAfterSeconds: RETRY_AFTER_SECONDS,
            },
          ],
        );
      }
      if (caps.perProcess > 0 && total >= caps.perProcess) {
        throw new TandemError(
          'TANDEM_UNAVAILABLE',
          'This server holds as many live streams as it can; retry later.',
          [
            {
              message: 'live streams per process',
              limit: caps.perProcess,
              retryAfterSeconds: RETRY_AFTER_SECONDS,
            },
          ],
        );
      }
      byIp.set(ip, mine + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (byIp.get(ip) ?? 1) - 1;
        if (left <= 0) byIp.delete(ip);
        else byIp.set(ip, left);
      };
    },
    open(ip) {
      return ip === undefined ? total : (byIp.get(ip) ?? 0);
    },
  };
}
