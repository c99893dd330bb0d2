/* eslint-disable @typescript-eslint/no-explicit-any -- answers are read field by field; each assertion checks the shape it needs. */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '@tandem/core';
import { unique } from '@tandem/core/testing';
import { repoRoot, testSecretKey } from '../process.js';

/**
 * Shared pieces of the fault tests: a Redis server of their own, the
 * `tandem migrate` command, an HTTP client that never waits longer than its
 * timeout and records every answer, and the database reads the assertions
 * rest on.
 */

/** A `redis-server` child process on a port of its own; never the shared 6379. */
export interface RedisServer {
  port: number;
  url: string;
  /** Starts it (again) on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it: `SIGKILL`, or `SHUTDOWN NOSAVE` through redis-cli. Nothing is kept on disk. */
  stop(how?: 'kill' | 'shutdown'): Promise<void>;
  isRunning(): boolean;
  /** Stops it if running and removes its folder. */
  dispose(): Promise<void>;
}

/** Starts `redis-server` on a free loopback port, keeping nothing on disk. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tandem-redis-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;

  const start = async () => {
    if (isRunning()) return;
    let output = '';
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        '',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!/Ready to accept connections/.test(output)) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start in time:\n${output}`);
      await sleep(20);
    }
  };

  const stop = async (how: 'kill' | 'shutdown' = 'kill') => {
    if (!isRunning() || !child?.pid) return;
    if (how === 'shutdown') {
      // redis-cli exits non-zero when the server closes the connection on it: expected.
      await promisify(execFile)(
        'redis-cli',
        ['-h', '127.0.0.1', '-p', String(port), 'shutdown', 'nosave'],
        { timeout: 5000 },
      ).catch(() => undefined);
      const timer = setTimeout(() => isRunning() && child?.pid && process.kill(child.pid), 5000);
      await exited;
      clearTimeout(timer);
    } else {
      process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    isRunning,
    async dispose() {
      await stop('kill');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a `tandem` command to its end (e.g. `migrate`); throws with its output if it fails. */
export function runTandem(command: string, env: Record<string, string>): string {
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'apps/server/bin/tandem.js'), command],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        TANDEM_SECRET_KEY: testSecretKey,
        ...env,
      },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`tandem ${command} failed (${result.status}):\n${output}`);
  return output;
}

/** One HTTP answer, or why there was none. */
export interface Answer {
  method: string;
  path: string;
  /** The HTTP status, `'timeout'` past the client's timeout, `'no-answer'` if the connection failed. */
  status: number | 'timeout' | 'no-answer';
  body: any;
  ms: number;
}

/**
 * A fetch client whose every request gives up after `timeoutMs` (so a hang
 * shows as `'timeout'` instead of hanging the test) and is kept in `answers`.
 */
export function faultClient(baseUrl: string, timeoutMs: number) {
  const answers: Answer[] = [];
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['authorization'] = `Bearer ${token}`;
    const started = performance.now();
    let answer: Answer;
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      answer = { method, path, status: response.status, body: parsed, ms: 0 };
    } catch (error) {
      const name = (error as Error).name;
      answer = {
        method,
        path,
        status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'no-answer',
        body: String(error),
        ms: 0,
      };
    }
    answer.ms = Math.round(performance.now() - started);
    answers.push(answer);
    return answer;
  };
  const must = async (answer: Promise<Answer>, status: number, what: string) => {
    const got = await answer;
    if (got.status !== status) {
      throw new Error(`${what}: expected ${status}, got ${got.status} ${JSON.stringify(got.body)}`);
    }
    return got.body;
  };
  return {
    answers,
    get: (path: string, token?: string) => call('GET', path, undefined, token),
    post: (path: string, body?: unknown, token?: string) => call('POST', path, body, token),
    must,
    /**
     * Pledges without a session (with `extra` in the body, e.g. `via`),
     * reads the token from the dev mailbox and confirms it. Returns whether
     * the confirmation was acknowledged (200).
     */
    async pledgeAndConfirm(
      challengeId: string,
      email: string,
      extra: Record<string, unknown> = {},
    ): Promise<boolean> {
      const pledged = await call('POST', `/api/challenges/${challengeId}/pledges`, {
        ...extra,
        email,
      });
      if (pledged.status !== 202) return false;
      const box = await call('GET', `/api/dev/mailbox?to=${encodeURIComponent(email)}`);
      const token: unknown = box.body?.messages?.find(
        (m: { purpose: string }) => m.purpose === 'pledge-confirmation',
      )?.token;
      if (typeof token !== 'string') return false;
      const confirmed = await call('POST', '/api/pledges/confirm', { token });
      return confirmed.status === 200;
    },
  };
}

export type FaultClient = ReturnType<typeof faultClient>;

/** An organization, a beneficiary and a public campaign, made once per test file. */
export async function setUpCampaign(
  api: FaultClient,
  adminToken: string,
): Promise<{ slug: string; beneficiaryId: string; campaignId: string }> {
  const slug = unique('faults');
  await api.must(
    api.post('/api/organizations', { slug, name: 'Ville de Clichy', kind: 'city' }, adminToken),
    201,
    'create organization',
  );
  const beneficiary = await api.must(
    api.post(`/api/organizations/${slug}/beneficiaries`, { name: 'Solicycle' }, adminToken),
    201,
    'create beneficiary',
  );
  const campaign = await api.must(
    api.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Clichy à vélo', audience: { type: 'public' } },
      adminToken,
    ),
    201,
    'create campaign',
  );
  return { slug, beneficiaryId: beneficiary.id, campaignId: campaign.id };
}

/** Creates and opens a challenge "IF `participants` pledge, THEN €5,000 to the beneficiary". */
export async function openChallenge(
  api: FaultClient,
  adminToken: string,
  campaign: { beneficiaryId: string; campaignId: string },
  participants: number,
): Promise<string> {
  const challenge = await api.must(
    api.post(
      `/api/campaigns/${campaign.campaignId}/challenges`,
      {
        title: 'Je vais au travail à vélo',
        actionType: 'pledge-only',
        goal: { participants },
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
  await api.must(
    api.post(`/api/challenges/${challenge.id}/open`, undefined, adminToken),
    200,
    'open challenge',
  );
  return challenge.id as string;
}

/**
 * Runs the pledge-and-confirm of each of `emails`, `concurrency` at a time,
 * calling `onAcknowledged` with the running total after each acknowledged
 * confirmation; a lane waits for the promise it may return before going on.
 * Resolves with how many were acknowledged.
 */
export async function pledgeBurst(
  api: FaultClient,
  challengeId: string,
  emails: string[],
  concurrency: number,
  onAcknowledged: (acknowledged: number) => void | Promise<void> = () => undefined,
): Promise<number> {
  let next = 0;
  let acknowledged = 0;
  const lane = async () => {
    for (let i = next++; i < emails.length; i = next++) {
      if (await api.pledgeAndConfirm(challengeId, emails[i] as string)) {
        acknowledged++;
        await onAcknowledged(acknowledged);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return acknowledged;
}

/** What the database holds about one challenge's unlock. */
export interface UnlockFacts {
  unlocks: number;
  unlockedEvents: number;
  pendingOutbox: number;
}

/** Reads the rows the exactly-once assertions rest on. */
export async function unlockFacts(pool: pg.Pool, challengeId: string): Promise<UnlockFacts> {
  const { rows } = await pool.query<UnlockFacts>(
    `select (select count(*)::int from unlock where challenge_id = $1) as "unlocks",
            (select count(*)::int from outbox_event
              where challenge_id = $1 and type = 'challenge.unlocked') as "unlockedEvents",
            (select count(*)::int from outbox_event where relayed_at is null) as "pendingOutbox"`,
    [challengeId],
  );
  return rows[0] as UnlockFacts;
}

/** Polls `read` until `check` holds or `ms` pass; returns the last value either way. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

export { pg };
