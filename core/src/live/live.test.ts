/* eslint-disable @typescript-eslint/no-explicit-any -- frames are read field by field; each assertion checks the shape it needs. */
import { EventSource, type FetchLike } from 'eventsource';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { createPlatform, type Platform } from '../platform.js';
import { createTestClient, type TestClient } from '../testing/client.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { deleteKeys, testRedisUrl } from '../testing/redis.js';
import { setUpClichy, unique } from '../testing/scenarios.js';
import { appendEvents, markRelayed } from '../store/outbox.js';
import { liveHubOf, type LiveOptions } from './index.js';
import { generateSecretKey } from '../keyring.js';

interface Frame {
  event: string;
  id: string;
  data: any;
}

/** One key for every process of this file: they share databases. */
const secretKey = generateSecretKey();
/** An off-the-shelf EventSource that records every frame it gets. */
function openStream(url: string, init: { fetch?: FetchLike } = {}) {
  const frames: Frame[] = [];
  const source = new EventSource(url, init);
  for (const event of ['progress', 'unlocked', 'milestone', 'status']) {
    source.addEventListener(event, (message) => {
      frames.push({ event, id: message.lastEventId, data: JSON.parse(message.data) });
    });
  }
  const waitFor = (what: string, match: (frame: Frame) => boolean, timeout = 10_000) =>
    vi.waitFor(
      () => {
        const found = frames.find(match);
        if (!found) throw new Error(`no ${what} yet; got ${JSON.stringify(frames)}`);
        return found;
      },
      { timeout, interval: 10 },
    );
  return {
    source,
    frames,
    waitFor,
    progress: () => frames.filter((f) => f.event === 'progress'),
    close: () => source.close(),
  };
}
type Stream = ReturnType<typeof openStream>;

/** A fetch that adds headers to every request an EventSource makes. */
const withHeaders =
  (headers: Record<string, string>): FetchLike =>
  (url, init) =>
    fetch(url, { ...init, headers: { ...init.headers, ...headers } });

interface Launched {
  platform: Platform;
  base: string;
  client: TestClient;
}

/** A platform as `tandem serve` / `tandem worker` make it, listening on a free port. */
async function launch(options: {
  databaseUrl: string;
  adminToken: string;
  queuePrefix: string;
  redis: boolean;
  runJobs: boolean;
  migrate: boolean;
  live?: LiveOptions;
}): Promise<Launched> {
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    TANDEM_SECRET_KEY: secretKey,
    TANDEM_ADMIN_TOKEN: options.adminToken,
    TANDEM_DEV_MAILBOX: '1',
    TANDEM_RATE_LIMIT_PER_IP: '0',
    TANDEM_RATE_LIMIT_PER_EMAIL: '0',
    TANDEM_PUBLIC_URL: 'http://tandem.test',
    ...(options.redis ? { REDIS_URL: testRedisUrl() } : {}),
  });
  const platform = await createPlatform({
    config,
    migrate: options.migrate,
    runJobs: options.runJobs,
    queuePrefix: options.queuePrefix,
    ...(options.live ? { live: options.live } : {}),
  });
  try {
    await platform.start();
    const base = await platform.app.listen({ port: 0, host: '127.0.0.1' });
    return { platform, base, client: createTestClient(platform.app) };
  } catch (error) {
    await platform.close();
    throw error;
  }
}

const tierOf = async (client: TestClient, challengeId: string): Promise<string> => {
  const challenge = await client.get(`/api/challenges/${challengeId}`);
  return challenge.body.tiers[0].id as string;
};

async function pledgeMany(client: TestClient, challengeId: string, count: number, at = 10) {
  const tag = unique();
  for (let start = 0; start < count; start += at) {
    await Promise.all(
      Array.from({ length: Math.min(at, count - start) }, (_, i) =>
        client.pledgeAndConfirm(challengeId, `p${start + i}-${tag}@example.org`),
      ),
    );
  }
}

describe('live events, in one process', () => {
  let database: TestDatabase;
  let launched: Launched;
  const adminToken = `live-admin-${unique()}`;
  const streams: Stream[] = [];
  const stream = (url: string, init?: { fetch?: FetchLike }) => {
    const opened = openStream(url, init);
    streams.push(opened);
    return opened;
  };
  afterEach(() => {
    for (const opened of streams.splice(0)) opened.close();
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    launched = await launch({
      databaseUrl: database.url,
      adminToken,
      queuePrefix: `live-${unique()}`,
      redis: false,
      runJobs: true,
      migrate: true,
      live: { heartbeatMs: 200 },
    });
  });

  afterAll(async () => {
    for (const opened of streams) opened.close();
    await launched?.platform.close();
    await database?.drop();
  });

  it('sends a snapshot, then growing progress, then the unlock and the status', async () => {
    const { client, base, platform } = launched;
    const { challengeId } = await setUpClichy(client, adminToken, { participants: 3 });
    const tierId = await tierOf(client, challengeId);
    const live = stream(`${base}/api/challenges/${challengeId}/events`);

    const snapshot = await live.waitFor('snapshot', (f) => f.event === 'progress');
    expect(snapshot.data).toEqual({ participants: 0, quantity: 0, co2eKg: 0 });
    expect(Number(snapshot.id)).toBeGreaterThan(0); // the challenge.opened event

    for (const n of [1, 2, 3]) {
      await client.pledgeAndConfirm(challengeId, `cyclist${n}-${unique()}@example.org`);
      await live.waitFor(
        `progress ${n}`,
        (f) => f.event === 'progress' && f.data.participants === n,
      );
    }
    await platform.settle();
    const unlocked = await live.waitFor('unlock', (f) => f.event === 'unlocked');
    expect(unlocked.data).toEqual({ tierId, unlockedAt: expect.any(String) });
    const status = await live.waitFor('status', (f) => f.event === 'status');
    expect(status.data).toMatchObject({ status: 'succeeded' });

    const participants = live.progress().map((f) => f.data.participants as number);
    expect(participants).toEqual([...participants].sort((a, b) => a - b));
    const ids = live.frames.map((f) => Number(f.id));
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    expect(Number(unlocked.id)).toBeGreaterThan(Number(snapshot.id));
  });

  it("numbers a challenge's frames on their own: ids reveal nothing of other challenges' events", async () => {
    const { client, base, platform } = launched;
    // Busy elsewhere first: a few dozen events on another challenge.
    const busy = await setUpClichy(client, adminToken, { participants: 100 });
    await pledgeMany(client, busy.challengeId, 20);
    await platform.settle();
    const { challengeId } = await setUpClichy(client, adminToken, { participants: 2 });
    await platform.settle();
    const live = stream(`${base}/api/challenges/${challengeId}/events`);
    const snapshot = await live.waitFor('snapshot', (f) => f.event === 'progress');
    // Its only event so far is its opening: number 1, whatever the outbox holds.
    expect(snapshot.id).toBe('1');
    const [outbox] = await platform.db.query<{ max: string }>(
      'select max(seq) as max from outbox_event',
    );
    expect(Number(outbox?.max)).toBeGreaterThan(20);

    await pledgeMany(client, challengeId, 2);
    await platform.settle();
    const unlocked = await live.waitFor('unlock', (f) => f.event === 'unlocked');
    const [own] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from outbox_event where challenge_id = ?',
      [challengeId],
    );
    expect(Number(unlocked.id)).toBeGreaterThan(1);
    expect(Number(unlocked.id)).toBeLessThanOrEqual(own?.n ?? 0);
    // Numbered 1, 2, 3… without a gap or a repeat, in the order the relay
    // took them: two confirmations may commit in the other order than their
    // outbox sequence, and the relay numbers what it sees committed.
    const numbers = await platform.db.query<{ challenge_seq: string }>(
      'select challenge_seq from outbox_event where challenge_id = ? order by challenge_seq',
      [challengeId],
    );
    expect(numbers.map((row) => Number(row.challenge_seq))).toEqual(
      numbers.map((_, index) => index + 1),
    );
  });

  it('answers the SSE headers, sends heartbeats, and forgets a client that leaves', async () => {
    const { client, base, platform } = launched;
    const { challengeId } = await setUpClichy(client, adminToken, { participants: 50 });
    const hub = liveHubOf(platform);
    expect(hub).toBeDefined();
    const before = hub?.stats().connections ?? -1;

    const controller = new AbortController();
    const response = await fetch(`${base}/api/challenges/${challengeId}/events`, {
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const started = Date.now();
    while (!text.includes(': heartbeat\n\n') && Date.now() - started < 5000) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toMatch(/^id: \d+\nevent: progress\ndata: \{"participants":0,/);
    expect(text).toContain(': heartbeat\n\n');
    expect(hub?.stats().connections).toBe(before + 1);

    controller.abort();
    await vi.waitFor(() => expect(hub?.stats().connections).toBe(before), { timeout: 5000 });
  });

  it('replays an unlock missed while disconnected, from Last-Event-ID', async () => {
    const { client, base, platform } = launched;
    const { challengeId } = await setUpClichy(client, adminToken, { participants: 2 });
    const tierId = await tierOf(client, challengeId);
    const url = `${base}/api/challenges/${challengeId}/events`;

    // The real client reconnects by itself with Last-Event-ID; its second
    // request is held until the unlock has happened without it.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const sentIds: (string | null)[] = [];
    const live = stream(url, {
      fetch: async (input, init) => {
        sentIds.push(new Headers(init.headers).get('last-event-id'));
        if (sentIds.length > 1) await held;
        return fetch(input, init);
      },
    });
    const snapshot = await live.waitFor('snapshot', (f) => f.event === 'progress');
    platform.app.server.closeAllConnections(); // the network drops

    await pledgeMany(client, challengeId, 2);
    await platform.settle();
    expect(live.frames.some((f) => f.event === 'unlocked')).toBe(false);
    release();

    const unlocked = await live.waitFor('replayed unlock', (f) => f.event === 'unlocked');
    expect(sentIds[1]).toBe(snapshot.id);
    expect(unlocked.data).toEqual({ tierId, unlockedAt: expect.any(String) });
    const after = await live.waitFor(
      'snapshot after the replay',
      (f) => f.event === 'progress' && f.data.participants === 2,
    );
    expect(live.frames.indexOf(after)).toBeGreaterThan(live.frames.indexOf(unlocked));
    expect(Number(after.id)).toBeGreaterThanOrEqual(Number(unlocked.id));

    // The same through `?lastEventId=`; and without it, no replay at all.
    const byQuery = stream(`${url}?lastEventId=${snapshot.id}`);
    await byQuery.waitFor('replay by query', (f) => f.event === 'unlocked');
    const fresh = stream(url);
    await fresh.waitFor('fresh snapshot', (f) => f.event === 'progress');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fresh.frames.map((f) => f.event)).toEqual(['progress']);
  }, 20_000);

  it('catches up from the outbox after the bus lost messages (a milestone here)', async () => {
    const { client, base, platform } = launched;
    const { challengeId, organization } = await setUpClichy(client, adminToken, {
      participants: 8,
    });
    const tierId = await tierOf(client, challengeId);
    const live = stream(`${base}/api/challenges/${challengeId}/events`);
    await live.waitFor('snapshot', (f) => f.event === 'progress');

    // Written and marked relayed at once: it never crosses the bus, as if lost.
    await platform.db.transaction(async (tx) => {
      const [id] = await appendEvents(tx, [
        {
          type: 'challenge.milestone',
          challengeId,
          organizationId: organization.id,
          payload: { tierId, percent: 25, progress: { participants: 2, quantity: 0, co2eKg: 0 } },
        },
      ]);
      const [row] = await tx.query<{ seq: string }>('select seq from outbox_event where id = ?', [
        id,
      ]);
      await markRelayed(tx, [Number(row?.seq)]);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(live.frames.some((f) => f.event === 'milestone')).toBe(false);

    await liveHubOf(platform)?.resync();
    const milestone = await live.waitFor('milestone', (f) => f.event === 'milestone');
    expect(milestone.data).toEqual({ tierId, percent: 25 });
  });

  it('checks access like GET /api/challenges/{id}: 401 members-only, 404 unknown', async () => {
    const { client, base } = launched;
    const { organization } = await setUpClichy(client, adminToken, { participants: 5 });
    const auth = { token: adminToken };
    const campaign = await client.post(
      `/api/organizations/${organization.slug}/campaigns`,
      { title: 'Salariés seulement', audience: { type: 'members' } },
      auth,
    );
    expect(campaign.status).toBe(201);
    const challenge = await client.post(
      `/api/campaigns/${campaign.body.id}/challenges`,
      { title: 'Au bureau à vélo', actionType: 'pledge-only', goal: { participants: 5 } },
      auth,
    );
    expect(challenge.status).toBe(201);
    const members = `${base}/api/challenges/${challenge.body.id}/events`;
    // A draft is hidden from the public, as GET hides it.
    expect((await fetch(members)).status).toBe(404);
    expect(
      (await client.post(`/api/challenges/${challenge.body.id}/open`, undefined, auth)).status,
    ).toBe(200);

    const anonymous = await fetch(members);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('TANDEM_AUTH_REQUIRED');
    expect((await fetch(`${base}/api/challenges/chl_nope/events`)).status).toBe(404);
    const spec = await client.get('/docs/json');
    const operation = spec.body.paths['/api/challenges/{id}/events']?.get;
    expect(Object.keys(operation?.responses ?? {})).toEqual([
      '200',
      '401',
      '403',
      '404',
      '429',
      '503',
    ]);
    expect(operation.responses['200'].content).toHaveProperty('text/event-stream');

    // The off-the-shelf client sees the same refusal, and a token opens it.
    const refused = new EventSource(members);
    const code = await new Promise<number | undefined>((resolve) => {
      refused.onerror = (event) => resolve(event.code);
    });
    refused.close();
    expect(code).toBe(401);
    const allowed = stream(members, {
      fetch: withHeaders({ authorization: `Bearer ${adminToken}` }),
    });
    await allowed.waitFor('snapshot', (f) => f.event === 'progress');
  });

  it('coalesces a burst: 200 pledges, 10 pages, far fewer reads and frames than events', async () => {
    const { client, base, platform } = launched;
    const { challengeId } = await setUpClichy(client, adminToken, { participants: 1000 });
    const hub = liveHubOf(platform);
    const pages = Array.from({ length: 10 }, () =>
      stream(`${base}/api/challenges/${challengeId}/events`),
    );
    for (const page of pages) await page.waitFor('snapshot', (f) => f.event === 'progress');

    // Pending pledges move nothing; the burst is their 200 confirmations.
    const tag = unique();
    const tokens: string[] = [];
    for (let start = 0; start < 200; start += 20) {
      tokens.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const email = `burst${start + i}-${tag}@example.org`;
            const pledged = await client.post(`/api/challenges/${challengeId}/pledges`, { email });
            expect(pledged.status).toBe(202);
            return client.mailedToken(email, 'pledge-confirmation');
          }),
        )),
      );
    }
    expect(pages[0]?.progress()).toHaveLength(1);
    const readsBefore = hub?.stats().progressReads ?? 0;

    const started = Date.now();
    for (let start = 0; start < 200; start += 20) {
      const confirmed = await Promise.all(
        tokens
          .slice(start, start + 20)
          .map((token) => client.post('/api/pledges/confirm', { token })),
      );
      expect(confirmed.every((response) => response.status === 200)).toBe(true);
    }
    await platform.settle();
    for (const page of pages) {
      await page.waitFor('200', (f) => f.event === 'progress' && f.data.participants === 200);
    }
    const elapsed = Date.now() - started;
    const reads = (hub?.stats().progressReads ?? 0) - readsBefore;
    const frames = pages[0]?.progress().length ?? 0;
    console.warn(
      `200 confirmations in ${elapsed} ms: ${frames} progress frames per page, ${reads} progress reads for 10 pages`,
    );
    expect(frames).toBeGreaterThan(1);
    expect(frames).toBeLessThan(50);
    // One read per tick for all pages, not one per page.
    expect(reads).toBeLessThan(frames + 2);
    // At most one read per 250 ms tick (and the first one at once).
    expect(reads).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2);
    for (const page of pages) {
      expect(page.progress().at(-1)?.data.participants).toBe(200);
    }
  }, 30_000);
});

describe('live events across processes, over Redis', () => {
  let database: TestDatabase;
  let worker: Launched; // A: API and jobs, where pledges and unlocks happen
  let api: Launched | undefined; // B: API only, where the page is open
  const adminToken = `live-admin-${unique()}`;
  const queuePrefix = `live-${unique()}`;
  const streams: Stream[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const common = { databaseUrl: database.url, adminToken, queuePrefix, redis: true };
    worker = await launch({ ...common, runJobs: true, migrate: true });
    api = await launch({ ...common, runJobs: false, migrate: false });
    // B relays nothing itself: whatever its page shows crossed Redis.
    await api.platform.relay.close();
  });

  afterAll(async () => {
    for (const opened of streams) opened.close();
    await api?.platform.close();
    await worker?.platform.close();
    await deleteKeys(queuePrefix);
    await database?.drop();
  });

  it("delivers A's progress and unlock to a page open on B, and B closes with the page open", async () => {
    const { challengeId } = await setUpClichy(worker.client, adminToken, { participants: 3 });
    const tierId = await tierOf(worker.client, challengeId);
    const b = api as Launched;
    const live = openStream(`${b.base}/api/challenges/${challengeId}/events`);
    streams.push(live);
    await live.waitFor('snapshot', (f) => f.event === 'progress' && f.data.participants === 0);

    // Only processes serving pages or reads subscribed: B for its page, A
    // for the challenge it read, whose cached view the bus keeps fresh
    // (ADR 0023; views.test.ts checks that a process serving neither does not).
    const probe = new Redis(testRedisUrl());
    try {
      const [, subscribers] = (await probe.pubsub('NUMSUB', `${queuePrefix}:live`)) as [
        string,
        number,
      ];
      expect(Number(subscribers)).toBe(2);
    } finally {
      probe.disconnect();
    }

    await worker.client.pledgeAndConfirm(challengeId, `a-${unique()}@example.org`);
    await live.waitFor('progress 1', (f) => f.event === 'progress' && f.data.participants === 1);
    await pledgeMany(worker.client, challengeId, 2);
    await live.waitFor('progress 3', (f) => f.event === 'progress' && f.data.participants === 3);
    const unlocked = await live.waitFor('unlock', (f) => f.event === 'unlocked');
    expect(unlocked.data).toEqual({ tierId, unlockedAt: expect.any(String) });
    await live.waitFor('status', (f) => f.event === 'status' && f.data.status === 'succeeded');

    const closing = Date.now();
    await b.platform.close();
    api = undefined;
    expect(Date.now() - closing).toBeLessThan(3000);
    live.close();
  }, 30_000);
});
