import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createPlatform, type Platform } from '../platform.js';
import { createTestClient, type TestClient } from '../testing/client.js';
import { startTestPlatform, type TestPlatform } from '../testing/platform.js';
import { ADMIN_COOKIE } from './auth.js';
import { checkReadiness } from './health.js';
import { MetricNames } from './metrics.js';

/** The value of one sample line, e.g. `tandem_unlocks 0`, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('operators tools, in-process queue', () => {
  let platform: TestPlatform;
  let client: TestClient;
  /** Platforms opened on the same database with another configuration. */
  const variants: Platform[] = [];

  const variant = async (env: Record<string, string>) => {
    const opened = await createPlatform({
      config: loadConfig({
        DATABASE_URL: platform.config.databaseUrl,
        TANDEM_SECRET_KEY: (platform.config.secretKey as Buffer).toString('base64'),
        TANDEM_DEV_MAILBOX: '1',
        ...env,
      }),
      runJobs: false,
    });
    variants.push(opened);
    return opened;
  };

  beforeAll(async () => {
    platform = await startTestPlatform();
    client = createTestClient(platform.app);
  });

  afterAll(async () => {
    for (const opened of variants) await opened.close();
    await platform?.stop();
  });

  it('answers liveness without looking at anything', async () => {
    const live = await client.get('/ops/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL answers, Redis being absent', async () => {
    const ready = await client.get('/ops/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'absent' } });
  });

  it('is unready when Redis refuses or hangs, unless Redis is optional', async () => {
    // A port nothing listens on, and a server that accepts and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const refusing = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    const hanging = new Redis(`redis://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      maxRetriesPerRequest: 0,
    });
    for (const redis of [refusing, hanging]) redis.on('error', () => undefined);
    try {
      for (const redis of [refusing, hanging]) {
        const started = Date.now();
        const strict = await checkReadiness({ db: platform.db, redis, timeoutMs: 300 });
        expect(Date.now() - started).toBeLessThan(2000);
        expect(strict.status).toBe('unavailable');
        expect(strict.checks.postgres).toBe('ok');
        expect(strict.checks.redis).toMatch(/^failed: /);
        const lenient = await checkReadiness({
          db: platform.db,
          redis,
          timeoutMs: 300,
          redisRequired: false,
        });
        expect(lenient.status).toBe('ok');
        expect(lenient.checks.redis).toMatch(/^failed: /);
      }
    } finally {
      refusing.disconnect();
      hanging.disconnect();
      silent.close();
    }
  });

  it('keeps /ops out of the public OpenAPI document and /api/health as it was', async () => {
    const health = await client.get('/api/health');
    expect(health.body).toEqual({ status: 'ok' });
    const spec = await client.get<{ paths: Record<string, unknown> }>('/docs/json');
    expect(Object.keys(spec.body.paths).filter((path) => path.startsWith('/ops'))).toEqual([]);
  });

  describe('/ops/metrics', () => {
    it('refuses callers without the token (401), with a wrong one (401) or a session (401)', async () => {
      const anonymous = await client.get('/ops/metrics');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
      const wrong = await client.get('/ops/metrics', { token: 'not-the-token-at-all' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('TANDEM_AUTH_INVALID');
      const session = await client.signIn(`ops-${Date.now()}@example.org`);
      expect((await client.get('/ops/metrics', { token: session })).status).toBe(401);
    });

    it('serves every documented metric in Prometheus text format to the admin token', async () => {
      await client.get('/api/health');
      const scraped = await client.get<string>('/ops/metrics', { token: platform.adminToken });
      expect(scraped.status).toBe(200);
      expect(String(scraped.headers['content-type'])).toContain('text/plain');
      for (const name of Object.values(MetricNames)) {
        if (name === MetricNames.queueOldestWaiting) continue; // BullMQ only (queues.test.ts)
        expect(scraped.body).toContain(`# TYPE ${name} `);
      }
      expect(scraped.body).toContain('process_cpu_user_seconds_total');
      expect(scraped.body).toContain('nodejs_eventloop_lag_seconds');
      expect(
        sample(
          scraped.body,
          `${MetricNames.httpRequests}{method="GET",route="/api/health",status_class="2xx"}`,
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(
          scraped.body,
          `${MetricNames.httpRequests}{method="GET",route="/ops/metrics",status_class="4xx"}`,
        ),
      ).toBeGreaterThanOrEqual(2);
      expect(sample(scraped.body, MetricNames.unlocks)).toBe(0);
      expect(sample(scraped.body, `${MetricNames.sourceUp}{source="postgres"}`)).toBe(1);
      expect(sample(scraped.body, `${MetricNames.sourceUp}{source="queue"}`)).toBe(1);
    });

    it('shows the outbox lag of an event nobody relays', async () => {
      // With the relay stopped, an event written 42 s ago stays unrelayed.
      await platform.relay.close();
      await platform.db.query(
        `insert into outbox_event (id, type, payload, created_at)
         values (?, 'ops.test_lagging', '{}', now() - interval '42 seconds')`,
        [`evt_ops_${Date.now().toString(36)}`],
      );
      const scraped = await client.get<string>('/ops/metrics', { token: platform.adminToken });
      expect(sample(scraped.body, MetricNames.outboxUnrelayed)).toBeGreaterThanOrEqual(1);
      expect(sample(scraped.body, MetricNames.outboxLag)).toBeGreaterThanOrEqual(42);
    });

    it('shows a job waiting in the in-process queue', async () => {
      const apiOnly = await variant({ TANDEM_ADMIN_TOKEN: 'admin-token-of-a-variant' });
      await apiOnly.queue.enqueue('evaluate-challenge', { challengeId: 'chl_none' });
      const scraped = await createTestClient(apiOnly.app).get<string>('/ops/metrics', {
        token: 'admin-token-of-a-variant',
      });
      expect(
        sample(scraped.body, `${MetricNames.queueJobs}{queue="thresholds",state="waiting"}`),
      ).toBe(1);
    });

    it('takes only the metrics token once TANDEM_METRICS_TOKEN is set', async () => {
      const withToken = await variant({
        TANDEM_ADMIN_TOKEN: 'admin-token-of-a-variant',
        TANDEM_METRICS_TOKEN: 'metrics-token-of-a-variant',
      });
      const variantClient = createTestClient(withToken.app);
      const byAdmin = await variantClient.get('/ops/metrics', {
        token: 'admin-token-of-a-variant',
      });
      expect(byAdmin.status).toBe(401);
      const byScraper = await variantClient.get<string>('/ops/metrics', {
        token: 'metrics-token-of-a-variant',
      });
      expect(byScraper.status).toBe(200);
      expect(byScraper.body).toContain(MetricNames.httpRequests);
    });

    it('is 404 when neither token is set', async () => {
      const bare = await variant({});
      const answer = await createTestClient(bare.app).get('/ops/metrics', {
        token: 'any-token-whatsoever',
      });
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe('TANDEM_NOT_FOUND');
    });
  });

  describe('/ops/queues with the in-process queue', () => {
    it('is 401 anonymous, 403 for a participant, and 404 for the admin', async () => {
      const anonymous = await client.get('/ops/queues');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('TANDEM_AUTH_REQUIRED');
      const session = await client.signIn(`queues-${Date.now()}@example.org`);
      const participant = await client.get('/ops/queues/api/queues', { token: session });
      expect(participant.status).toBe(403);
      expect(participant.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
      const admin = await client.get('/ops/queues', { token: platform.adminToken });
      expect(admin.status).toBe(404);
      expect(admin.body.error).toBe('TANDEM_NOT_FOUND');
      expect(admin.body.message).toMatch(/in-process/);
    });

    it('lets a browser in with the cookie of POST /ops/session, and only with the right token', async () => {
      const wrong = await client.post('/ops/session', { token: 'not-the-admin-token' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const signedIn = await client.post('/ops/session', { token: platform.adminToken });
      expect(signedIn.status).toBe(204);
      const setCookie = String(signedIn.headers['set-cookie']);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      const cookie = setCookie.split(';')[0] as string;
      expect(cookie.startsWith(`${ADMIN_COOKIE}=`)).toBe(true);
      expect(cookie).not.toContain(platform.adminToken);
      const withCookie = await platform.app.inject({ url: '/ops/queues', headers: { cookie } });
      expect(withCookie.statusCode).toBe(404); // through the guard: queues are in-process
      const forged = await platform.app.inject({
        url: '/ops/queues',
        headers: { cookie: `${ADMIN_COOKIE}=${Date.now() + 60_000}.forged` },
      });
      expect(forged.statusCode).toBe(401);
    });
  });

  it('limits admin-token guesses on POST /ops/session per client IP (429, even for the right token)', async () => {
    const attempt = (token: string, remoteAddress: string) =>
      platform.app.inject({
        method: 'POST',
        url: '/ops/session',
        remoteAddress,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token }),
      });
    const guesser = `198.51.100.${Math.floor(Math.random() * 200) + 20}`;
    const answers: number[] = [];
    for (let i = 0; i < 12; i++)
      answers.push((await attempt(`guess-${i}-xxxxxxxxxxxx`, guesser)).statusCode);
    expect(answers.filter((status) => status === 401)).toHaveLength(10);
    expect(answers.slice(10)).toEqual([429, 429]);
    const right = await attempt(platform.adminToken, guesser);
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(right.headers['set-cookie']).toBeUndefined();
    // Another address is not held back.
    expect((await attempt(platform.adminToken, '203.0.113.250')).statusCode).toBe(204);
  });

  it('is not ready (503) once its database is unreachable, and says which check failed', async () => {
    // The variant reaches PostgreSQL through a TCP relay that the test cuts.
    const target = new URL(platform.config.databaseUrl as string);
    const sockets = new Set<Socket>();
    const relay = createServer((inbound) => {
      const outbound = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const viaRelay = new URL(target);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String((relay.address() as AddressInfo).port);
    try {
      const cut = await variant({ DATABASE_URL: viaRelay.toString() });
      const cutClient = createTestClient(cut.app);
      expect((await cutClient.get('/ops/ready')).status).toBe(200);
      relay.close();
      for (const socket of sockets) socket.destroy();
      const ready = await cutClient.get('/ops/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.checks.postgres).toMatch(/^failed: /);
      expect(ready.body.checks.redis).toBe('absent');
      expect((await cutClient.get('/ops/live')).status).toBe(200);
    } finally {
      relay.close();
      for (const socket of sockets) socket.destroy();
    }
  });
});
