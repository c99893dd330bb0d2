import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestPlatform,
} from '../testing/index.js';
import { createStreamLimiter } from './stream-limits.js';

/**
 * Slow clients and stream floods, over real sockets: a body trickled byte
 * by byte is cut off at the request timeout, and live streams are capped
 * per client IP (429) and per process (503), both with Retry-After, the
 * count going down as streams close.
 */

let platform: TestPlatform;
let base: URL;
let challengeId: string;

beforeAll(async () => {
  platform = await startTestPlatform({
    env: {
      TANDEM_STREAMS_PER_IP: '3',
      TANDEM_STREAMS_PER_PROCESS: '5',
      TANDEM_TRUST_PROXY: '1',
      TANDEM_REQUEST_TIMEOUT_MS: '1000',
      PORT: '0',
    },
  });
  ({ challengeId } = await openChallenge(createTestClient(platform.app), platform.adminToken, {
    title: 'Bike',
    actionType: 'pledge-only',
    goal: { participants: 4 },
  }));
  base = new URL(await platform.listen());
});
afterAll(() => platform?.stop());

interface Opened {
  status: number;
  headers: IncomingMessage['headers'];
  close(): void;
}

/** Opens the challenge's event stream as if from `ip`; resolves on the answer's head. */
function openStream(ip: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(
      {
        host: base.hostname,
        port: base.port,
        path: `/api/challenges/${challengeId}/events`,
        headers: { 'x-forwarded-for': ip, accept: 'text/event-stream' },
      },
      (response) => {
        response.on('error', () => undefined);
        if (response.statusCode !== 200) response.resume();
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end();
  });
}

describe('live stream caps', () => {
  it('refuses the 4th stream from one IP with 429 and Retry-After, and takes one again once a stream closes', async () => {
    const ip = '203.0.113.7';
    const open = [await openStream(ip), await openStream(ip), await openStream(ip)];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await openStream(ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is still welcome.
    const other = await openStream('203.0.113.8');
    expect(other.status).toBe(200);

    open[0]?.close();
    const again = await vi.waitFor(
      async () => {
        const attempt = await openStream(ip);
        if (attempt.status !== 200) throw new Error(`still ${attempt.status}`);
        return attempt;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(again.status).toBe(200);
    // 4 open (3 from `ip`, one closed and replaced, and `other`); a 5th fills the process.
    const fifth = await openStream('203.0.113.10');
    expect(fifth.status).toBe(200);
    const full = await openStream('203.0.113.9');
    expect(full.status).toBe(503);
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
    for (const stream of [...open, other, again, fifth]) stream.close();
  });

  it('0 disables a cap', () => {
    const limiter = createStreamLimiter({ perIp: 0, perProcess: 0 });
    for (let i = 0; i < 1000; i++) limiter.acquire('198.51.100.1');
    expect(limiter.open('198.51.100.1')).toBe(1000);
  });

  it('counts down once per stream, however often a stream reports closing', () => {
    const limiter = createStreamLimiter({ perIp: 1, perProcess: 10 });
    const release = limiter.acquire('198.51.100.2');
    expect(() => limiter.acquire('198.51.100.2')).toThrow();
    release();
    release();
    expect(limiter.open()).toBe(0);
    limiter.acquire('198.51.100.2');
    expect(limiter.open('198.51.100.2')).toBe(1);
  });
});

describe('request timeouts', () => {
  /** Sends `head` then one byte of `trickle` every `everyMs`; resolves when the server closes the socket. */
  const trickle = (head: string, dribble: string, everyMs: number) =>
    new Promise<{ closedAfterMs: number; answer: string }>((resolve) => {
      const started = Date.now();
      const socket = connect(Number(base.port), base.hostname);
      let answer = '';
      let index = 0;
      const timer = setInterval(() => {
        if (index < dribble.length && !socket.destroyed) socket.write(dribble[index++] as string);
      }, everyMs);
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ closedAfterMs: Date.now() - started, answer });
      });
      socket.write(head);
    });

  it('cuts off a body trickled one byte at a time, with 408', async () => {
    const body = JSON.stringify({ email: 'slow@example.org', padding: 'x'.repeat(40) });
    const result = await trickle(
      `POST /api/auth/magic-link HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
      200,
    );
    // 1 s of timeout and a check every 250 ms; the body alone would take 12 s.
    expect(result.closedAfterMs).toBeLessThan(4000);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts off headers trickled one byte at a time', async () => {
    const result = await trickle(
      '',
      `GET /api/health HTTP/1.1\r\nHost: ${base.host}\r\nX-Slow: ${'y'.repeat(60)}\r\n\r\n`,
      200,
    );
    expect(result.closedAfterMs).toBeLessThan(4000);
  });
});
