/* eslint-disable @typescript-eslint/no-explicit-any -- answers and frames are read field by field; each assertion checks the shape it needs. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, recountChallenge, type Database } from '@tandem/core';
import { createTestDatabase, deleteKeys, testRedisUrl, unique } from '@tandem/core/testing';
import { buildOnce, startTandem, type RunningTandem } from './process.js';
import {
  eventually,
  faultClient,
  pg,
  runTandem,
  setUpCampaign,
  unlockFacts,
  type FaultClient,
} from './faults/harness.js';

/**
 * Issue 11, "deployment beyond one machine" (ADR 0046): three `tandem
 * serve` and three `tandem worker` processes, real child processes on one
 * PostgreSQL database and one Redis (the shared one, under a hash-tagged
 * key prefix of this run's own, as a Redis Cluster requires). The
 * challenge is federated (ADR 0043): two partner organizations accept it
 * before it opens. People pledge `via` the owner or either partner and
 * confirm through the three servers in turn, and a few pledge through two
 * organizations at once on two servers and confirm both links at once
 * (each must count once, in one share); a live stream is open on each
 * server from before the first pledge; the challenge crosses its threshold
 * while pledges still arrive on all three. Then: exactly one unlock (one
 * row, one event, one audit entry, at most one mail per person), every
 * stream received the unlock over its own connection (no reconnection, so
 * no replay from the database could stand in for the fan-out), every
 * stream's last progress equals the acknowledged confirmations, each
 * organization's share holds exactly the people who came through it and
 * the shares add up to the whole, and a recount of the rows agrees with
 * the counters, the shares' included.
 */

const SERVERS = 3;
const WORKERS = 3;
const GOAL = 24;
/** A few past the goal, so confirmations keep arriving on every server after the crossing. */
const PEOPLE = GOAL + 6;
const LANES = 6;
const PARTNERS = ['Villeurbanne', 'Vaulx-en-Velin'];
/**
 * People who pledge through two organizations at once, on two servers, and
 * confirm both at once: each must count once, in one share.
 */
const TWINS = 3;
/** Generous: the machine running this may be loaded. */
const READY_MS = 120_000;
const SETTLE_MS = 45_000;
/** Set-up may build the workspace first (its sources changed): minutes on a loaded machine. */
const SETUP_MS = 600_000;

interface Frame {
  event: string;
  data: any;
}

/** A live stream read by hand: every frame kept, and no reconnection, ever. */
interface Stream {
  server: number;
  frames: Frame[];
  /** Set when the connection ended or failed; a healthy stream stays open. */
  ended: string | null;
  close(): void;
}

async function openStream(server: number, url: string): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`stream on server ${server + 1} answered ${response.status}`);
  }
  const stream: Stream = {
    server,
    frames: [],
    ended: null,
    close: () => controller.abort(),
  };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) stream.frames.push({ event, data: JSON.parse(data.join('\n')) });
        }
      }
      stream.ended = 'the server ended the stream';
    } catch (error) {
      stream.ended = String(error);
    }
  })();
  return stream;
}

const lastProgress = (stream: Stream) =>
  stream.frames.filter((f) => f.event === 'progress').at(-1)?.data;
const unlockedFrames = (stream: Stream) => stream.frames.filter((f) => f.event === 'unlocked');

describe('three servers and three workers on one PostgreSQL and one Redis, three organizations', () => {
  const adminToken = `scale-admin-${randomUUID()}`;
  /** Hash-tagged, as on a Redis Cluster: every key of the run in one slot. */
  const prefix = `{${unique('scale')}}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  /** The database as the recount sees it, and a plain pool for the assertions' reads. */
  let db: Database | undefined;
  let pool: pg.Pool | undefined;
  const servers: RunningTandem[] = [];
  const workers: RunningTandem[] = [];
  const streams: Stream[] = [];
  let env: Record<string, string> = {};

  beforeAll(async () => {
    buildOnce();
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      TANDEM_REDIS_PREFIX: prefix,
      TANDEM_ADMIN_TOKEN: adminToken,
      TANDEM_DEV_MAILBOX: '1',
      TANDEM_RATE_LIMIT_PER_IP: '0',
      TANDEM_RATE_LIMIT_PER_EMAIL: '0',
      // Six processes share the database server with other work: small pools.
      TANDEM_DB_POOL_SIZE: '4',
    };
    runTandem('migrate', env);
    // Started side by side; each one that starts is kept, so that all are stopped whatever fails.
    const results = await Promise.allSettled([
      ...Array.from({ length: SERVERS }, async () => {
        const server = await startTandem('serve', env, { timeoutMs: READY_MS });
        servers.push(server);
      }),
      ...Array.from({ length: WORKERS }, async () => {
        const worker = await startTandem('worker', env, {
          ready: /is processing jobs/,
          timeoutMs: READY_MS,
        });
        workers.push(worker);
      }),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    db = await openDatabase({ url: database.url, poolSize: 2 });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  }, SETUP_MS);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await Promise.allSettled([...servers, ...workers].map((child) => child.stop()));
    await db?.close();
    await pool?.end();
    await database?.drop();
    await deleteKeys(prefix);
  }, 60_000);

  it('unlocks a federated challenge once, every server streams it, the shares add up, the counters equal a recount', async () => {
    const began = Date.now();
    const apis: FaultClient[] = servers.map((server) => faultClient(server.url, 20_000));
    const setup = apis[0]!;
    const campaign = await setUpCampaign(setup, adminToken);
    const challenge = await setup.must(
      setup.post(
        `/api/campaigns/${campaign.campaignId}/challenges`,
        {
          title: 'Je vais au travail à vélo',
          actionType: 'pledge-only',
          goal: { participants: GOAL },
          counterpart: {
            kind: 'donation',
            amount: { value: 5000, currency: 'EUR' },
            beneficiaryId: campaign.beneficiaryId,
          },
        },
        adminToken,
      ),
      201,
      'create challenge',
    );
    const challengeId = challenge.id as string;
    // Two partner organizations invited and accepting before it opens (ADR 0043).
    const organizations = [campaign.slug];
    for (const name of PARTNERS) {
      const slug = unique('partner');
      await setup.must(
        setup.post('/api/organizations', { slug, name, kind: 'city' }, adminToken),
        201,
        `create ${name}`,
      );
      await setup.must(
        setup.post(`/api/challenges/${challengeId}/partners`, { organization: slug }, adminToken),
        201,
        `invite ${name}`,
      );
      await setup.must(
        setup.post(
          `/api/challenges/${challengeId}/partners/${slug}/decision`,
          { accept: true, audience: { type: 'public' } },
          adminToken,
        ),
        200,
        `${name} accepts`,
      );
      organizations.push(slug);
    }
    await setup.must(
      setup.post(`/api/challenges/${challengeId}/open`, undefined, adminToken),
      200,
      'open challenge',
    );

    // Each server is ready by the check a load balancer uses: PostgreSQL and Redis answer.
    for (const [index, api] of apis.entries()) {
      const ready = await api.get('/ops/ready');
      expect({ server: index + 1, status: ready.status, body: ready.body }).toEqual({
        server: index + 1,
        status: 200,
        body: { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } },
      });
    }

    // A stream on every server, each with its first snapshot in hand before anyone pledges.
    for (const [index, server] of servers.entries()) {
      streams.push(await openStream(index, `${server.url}/api/challenges/${challengeId}/events`));
    }
    for (const stream of streams) {
      await eventually(
        async () => lastProgress(stream),
        (progress) => progress !== undefined,
        SETTLE_MS,
      );
      expect(lastProgress(stream)?.participants, `server ${stream.server + 1}`).toBe(0);
    }

    // Person n pledges and confirms through server n mod 3, via organization
    // (n div 3) mod 3: every server sees every organization. Six people at a time.
    const emails = Array.from(
      { length: PEOPLE },
      (_, n) => `cyclist-${n}-${randomUUID().slice(0, 8)}@clichy.example`,
    );
    const perServer = servers.map(() => 0);
    const perOrganization = organizations.map(() => 0);
    let next = 0;
    const lane = async () => {
      for (let n = next++; n < emails.length; n = next++) {
        const server = n % SERVERS;
        const via = Math.floor(n / SERVERS) % organizations.length;
        const body = { via: organizations[via] };
        if (await apis[server]!.pledgeAndConfirm(challengeId, emails[n]!, body)) {
          perServer[server]!++;
          perOrganization[via]!++;
        }
      }
    };
    // Twin t pledges via two organizations on two servers at once, then
    // confirms both mailed links at once, each on its own server.
    const twinApis = servers.map((server) => faultClient(server.url, 20_000));
    const twinOrganizations: string[][] = [];
    const twin = async (t: number) => {
      const email = `twin-${t}-${randomUUID().slice(0, 8)}@clichy.example`;
      const pair = [t % SERVERS, (t + 1) % SERVERS] as const;
      twinOrganizations.push(pair.map((i) => organizations[i % organizations.length]!));
      await Promise.all(
        pair.map((i) =>
          twinApis[i]!.must(
            twinApis[i]!.post(`/api/challenges/${challengeId}/pledges`, {
              email,
              via: organizations[i % organizations.length],
            }),
            202,
            `twin ${t} pledges on server ${i + 1}`,
          ),
        ),
      );
      const box = await twinApis[0]!.must(
        twinApis[0]!.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`),
        200,
        `twin ${t}'s mailbox`,
      );
      const tokens = (box.messages as { purpose: string; token?: string }[])
        .filter((m) => m.purpose === 'pledge-confirmation')
        .map((m) => m.token);
      expect(tokens).toHaveLength(2);
      await Promise.all(
        pair.map((i, k) =>
          twinApis[i]!.must(
            twinApis[i]!.post('/api/pledges/confirm', { token: tokens[k] }),
            200,
            `twin ${t} confirms on server ${i + 1}`,
          ),
        ),
      );
    };
    await Promise.all([
      ...Array.from({ length: LANES }, lane),
      ...Array.from({ length: TWINS }, (_, t) => twin(t)),
    ]);
    const refused = [...apis, ...twinApis].flatMap((api) =>
      api.answers.filter((a) => typeof a.status !== 'number' || a.status >= 300),
    );
    expect(refused.slice(0, 3)).toEqual([]);
    const acknowledged = perServer.reduce((a, b) => a + b, 0);
    expect(acknowledged).toBe(PEOPLE);
    /** Everyone who should count: each twin once. */
    const counted = acknowledged + TWINS;

    // Settled: the unlock made, every event relayed, every stream at the final count.
    const settled = await eventually(
      async () => ({
        facts: await unlockFacts(pool!, challengeId),
        challenge: (await setup.get(`/api/challenges/${challengeId}`)).body,
        streams: streams.map((s) => ({
          unlocked: unlockedFrames(s).length,
          participants: lastProgress(s)?.participants,
        })),
      }),
      (s) =>
        s.facts.unlocks >= 1 &&
        s.facts.pendingOutbox === 0 &&
        s.challenge?.status === 'succeeded' &&
        s.challenge?.progress?.participants === counted &&
        s.streams.every((x) => x.unlocked >= 1 && x.participants === counted),
      SETTLE_MS,
    );
    expect(settled.challenge.status).toBe('succeeded');
    expect(settled.challenge.progress.participants).toBe(counted);

    // Each organization's share holds the people who came through it; together, the whole.
    interface Share {
      organization: string;
      participants: number;
      quantity: number;
      co2eKg: number;
    }
    expect(settled.challenge.federated).toBe(true);
    const shares = settled.challenge.shares as Share[];
    const byOrganization = (list: Share[] | undefined) =>
      Object.fromEntries((list ?? []).map((share) => [share.organization, share.participants]));
    // A share holds its single-organization people, plus the twins whose
    // first confirmation named it: none more, none counted twice.
    const streamed = byOrganization(shares);
    const twinsIn = new Map(organizations.map((slug) => [slug, 0]));
    for (const [i, slug] of organizations.entries()) {
      const extra = (streamed[slug] ?? 0) - perOrganization[i]!;
      const possible = twinOrganizations.filter((pair) => pair.includes(slug)).length;
      expect({ slug, extra }).toEqual({ slug, extra: Math.min(Math.max(extra, 0), possible) });
      twinsIn.set(slug, extra);
    }
    expect([...twinsIn.values()].reduce((a, b) => a + b, 0)).toBe(TWINS);
    const expectedShares = streamed;
    const total = (key: 'participants' | 'quantity' | 'co2eKg') =>
      shares.reduce((sum, share) => sum + share[key], 0);
    expect({
      participants: total('participants'),
      quantity: total('quantity'),
      co2eKg: total('co2eKg'),
    }).toEqual({
      participants: settled.challenge.progress.participants,
      quantity: settled.challenge.progress.quantity,
      co2eKg: settled.challenge.progress.co2eKg,
    });

    // Exactly one unlock: its row, its event, its audit entry.
    const {
      rows: [audit],
    } = await pool!.query<{ n: number }>(
      `select count(*)::int as n from audit_entry where challenge_id = $1 and action = 'tier.unlocked'`,
      [challengeId],
    );
    expect({ ...settled.facts, pendingOutbox: undefined, auditEntries: audit?.n }).toEqual({
      unlocks: 1,
      unlockedEvents: 1,
      pendingOutbox: undefined,
      auditEntries: 1,
    });

    // Every stream saw the one unlock, live, on a connection that never broke.
    for (const stream of streams) {
      const where = `server ${stream.server + 1}`;
      expect(stream.ended, where).toBeNull();
      expect(unlockedFrames(stream), where).toHaveLength(1);
      expect(lastProgress(stream)?.participants, where).toBe(counted);
      // The live progress of a federated challenge carries its shares too.
      expect(byOrganization(lastProgress(stream)?.shares), where).toEqual(expectedShares);
    }

    // The unlock mail: once to each person counted when it went out, never twice. Read
    // until two reads half a second apart agree, so a fan-out in flight has landed.
    const readMails = async () => {
      const { rows } = await pool!.query<{ mails: number; people: number }>(
        `select count(*)::int as mails, count(distinct to_email)::int as people
           from dev_mail where purpose = 'challenge-unlocked'`,
      );
      return rows[0] ?? { mails: 0, people: 0 };
    };
    let previous = { mails: -1, people: -1 };
    const mails = await eventually(
      async () => {
        const before = previous;
        await sleep(500);
        previous = await readMails();
        return { before, now: previous };
      },
      ({ before, now }) => now.mails >= GOAL && now.mails === before.mails,
      SETTLE_MS,
    ).then(({ now }) => now);
    expect(mails.people).toBe(mails.mails);
    expect(mails.mails).toBeGreaterThanOrEqual(GOAL);
    expect(mails.mails).toBeLessThanOrEqual(counted);

    // The counters equal a recount of the rows, and the recount had nothing to correct.
    const recount = await recountChallenge(db!, challengeId, new Date());
    expect(recount?.corrected).toBe(false);
    expect(recount?.shares).toEqual([]);
    expect(recount?.expected.participants).toBe(counted);
    expect(recount?.found.participants).toBe(counted);

    const failed = apis.flatMap((api) =>
      api.answers.filter((a) => typeof a.status !== 'number' || a.status >= 500),
    );
    expect(failed).toEqual([]);
    console.warn(
      `scale-out: ${servers.length} servers, ${workers.length} workers, ` +
        `${acknowledged} pledges (${perServer.join('/')} per server) and ${TWINS} people pledging via two organizations at once, ` +
        `${organizations.length} organizations (shares ${shares.map((s) => s.participants).join(' + ')} = ${total('participants')}), ` +
        `${settled.facts.unlocks} unlock (${settled.facts.unlockedEvents} event, ${audit?.n} audit entry, ` +
        `${mails.mails} mails to ${mails.people} people), ` +
        `${streams.filter((s) => unlockedFrames(s).length === 1).length}/${streams.length} streams saw it, ` +
        `recount ${recount?.expected.participants} = counter ${recount?.found.participants}, ` +
        `${Math.round((Date.now() - began) / 1000)} s`,
    );
  }, 180_000);
});
