import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jobs } from '../jobs/queue.js';
import { createTestClient, type TestClient } from '../testing/client.js';
import { startTestPlatform, type TestPlatform } from '../testing/platform.js';
import { MetricNames } from './metrics.js';

/** The value of one sample line, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// An API-only process on BullMQ: nothing consumes the queues, so what is
// enqueued stays waiting for the dashboard and the gauges to show.
describe('operators tools on BullMQ', () => {
  let platform: TestPlatform;
  let client: TestClient;
  let session: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ redis: true, runJobs: false });
    client = createTestClient(platform.app);
    session = await client.signIn(`bullmq-ops-${Date.now()}@example.org`);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('guards every path under /ops/queues: 401 anonymous, 403 participant, 200 admin', async () => {
    const paths = [
      '/ops/queues',
      '/ops/queues/queue/thresholds',
      '/ops/queues/api/queues',
      '/ops/queues/static/images/logo.svg',
    ];
    for (const path of paths) {
      const anonymous = await client.get(path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.body.error, path).toBe('TANDEM_AUTH_REQUIRED');
      const participant = await client.get(path, { token: session });
      expect(participant.status, path).toBe(403);
      expect(participant.body.error, path).toBe('TANDEM_AUTH_FORBIDDEN');
      expect((await client.get(path, { token: platform.adminToken })).status, path).toBe(200);
    }
    const retry = await platform.app.inject({
      method: 'PUT',
      url: '/ops/queues/api/queues/thresholds/retry/failed',
    });
    expect(retry.statusCode).toBe(401);
  });

  it('serves the dashboard and lists Tandem queues to the admin', async () => {
    const page = await client.get<string>('/ops/queues', { token: platform.adminToken });
    expect(String(page.headers['content-type'])).toContain('text/html');
    expect(page.body).toContain('<base href="/ops/queues/"');
    // Its own policy: its scripts (same origin) load, nothing may frame it.
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    for (const [, src] of page.body.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) {
      const asset = new URL(src as string, 'http://tandem.test/ops/queues/').pathname;
      expect((await client.get(asset, { token: platform.adminToken })).status, asset).toBe(200);
    }
    const api = await client.get<{ queues: { name: string }[] }>('/ops/queues/api/queues', {
      token: platform.adminToken,
    });
    expect(api.body.queues.map((q) => q.name)).toEqual(
      expect.arrayContaining(['thresholds', 'events', 'schedules']),
    );
  });

  it('lets a browser in with the operator cookie', async () => {
    const signedIn = await client.post('/ops/session', { token: platform.adminToken });
    expect(signedIn.status).toBe(204);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
    const api = await platform.app.inject({ url: '/ops/queues/api/queues', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    const signedOut = await client.delete('/ops/session');
    expect(String(signedOut.headers['set-cookie'])).toMatch(/Max-Age=0/);
  });

  it('counts a waiting job in the queue gauges, with its age', async () => {
    const before = await client.get<string>('/ops/metrics', { token: platform.adminToken });
    const waiting = `${MetricNames.queueJobs}{queue="thresholds",state="waiting"}`;
    const initially = sample(before.body, waiting) ?? 0;
    await platform.queue.enqueue(Jobs.evaluateChallenge, { challengeId: 'chl_ops_waiting' });
    const after = await client.get<string>('/ops/metrics', { token: platform.adminToken });
    expect(sample(after.body, waiting)).toBe(initially + 1);
    expect(
      sample(after.body, `${MetricNames.queueOldestWaiting}{queue="thresholds"}`),
    ).toBeGreaterThan(0);
    const dashboard = await client.get<{ queues: { name: string; counts: { waiting: number } }[] }>(
      '/ops/queues/api/queues',
      { token: platform.adminToken },
    );
    expect(dashboard.body.queues.find((q) => q.name === 'thresholds')?.counts.waiting).toBe(
      initially + 1,
    );
  });

  it('is ready when PostgreSQL and Redis both answer', async () => {
    const ready = await client.get('/ops/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
  });
});
