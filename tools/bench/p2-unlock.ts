import { request as httpRequest, type ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createApi, must, openChallenge, readChallenge, type Api } from './lib/api.js';
import { fromRounds, type Measurement } from './lib/report.js';
import { median, percentile } from './lib/stats.js';

/**
 * P2, unlock latency, with `tandem serve` and BullMQ workers: `challenges`
 * challenges whose one tier unlocks at `people` participants, each with a
 * live stream open (`GET /api/challenges/{id}/events`), then `people`
 * confirmations on each, all sent at once, interleaved so that every
 * challenge crosses at about the same moment. The clock starts when the
 * last 2xx of a challenge has arrived — the confirmation that crosses the
 * threshold is the last one to commit, so its answer is in by then — and
 * stops at the unlock's `unlockedAt` (written in the evaluation's
 * transaction) and at the arrival of the `unlocked` frame. Each round
 * checks exactly one unlock per challenge: in the database, on the stream,
 * and in the API.
 */
export interface UnlockInput {
  api: Api;
  campaignId: string;
  /** `people` sessions: each confirms once on every challenge. */
  tokens: string[];
  databaseUrl: string;
  challenges: number;
  rounds: number;
  /** Connections the confirmations share. */
  sockets: number;
  progress: (message: string) => void;
}

interface Stream {
  unlockedAt: number[];
  ready: Promise<void>;
  request: ClientRequest;
}

/** Opens a live stream and notes when each `unlocked` frame arrives. */
function openStream(url: string, challengeId: string): Stream {
  const unlockedAt: number[] = [];
  let markReady: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const request = httpRequest(
    `${url}/api/challenges/${challengeId}/events`,
    { agent: false, headers: { accept: 'text/event-stream' } },
    (res) => {
      if (res.statusCode !== 200) {
        fail(new Error(`live stream of ${challengeId} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(frame)?.[1]?.trim();
          if (event === 'progress') markReady();
          if (event === 'unlocked') unlockedAt.push(Date.now());
        }
      });
      res.on('error', () => undefined);
    },
  );
  request.on('error', (error) => fail(error));
  request.end();
  return { unlockedAt, ready, request };
}

async function eventually(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`P2: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function round(
  input: UnlockInput,
  pool: pg.Pool,
): Promise<{ commit: number[]; stream: number[] }> {
  const goal = input.tokens.length;
  const ids: string[] = [];
  for (let c = 0; c < input.challenges; c++)
    ids.push(await openChallenge(input.api, input.campaignId, goal));
  const streams = ids.map((id) => openStream(input.api.url, id));
  const burst = createApi(input.api.url, input.sockets);
  try {
    await Promise.all(streams.map((s) => s.ready));
    const lastAnswer = new Array<number>(ids.length).fill(0);
    const sends: Promise<void>[] = [];
    for (const token of input.tokens) {
      ids.forEach((id, c) => {
        sends.push(
          burst.post(`/api/challenges/${id}/pledges`, {}, token).then((answer) => {
            must(answer, 201, 'P2 confirmation');
            lastAnswer[c] = Math.max(lastAnswer[c] as number, answer.receivedAt);
          }),
        );
      });
    }
    await Promise.all(sends);
    await eventually(
      'an unlocked frame on every stream',
      () => streams.every((s) => s.unlockedAt.length > 0),
      60_000,
    );
    // A second frame would come within moments of the first; give it the time to.
    await sleep(1000);
    const twice = streams.filter((s) => s.unlockedAt.length !== 1).length;
    if (twice > 0) throw new Error(`P2: ${twice} streams saw more than one unlocked frame`);
    const { rows } = await pool.query<{ challenge_id: string; n: number }>(
      'select challenge_id, count(*)::int as n from unlock where challenge_id = any($1) group by challenge_id',
      [ids],
    );
    const once = rows.filter((r) => r.n === 1).length;
    if (once !== ids.length)
      throw new Error(`P2: ${once} of ${ids.length} challenges have exactly one unlock row`);
    const commit: number[] = [];
    const stream: number[] = [];
    for (const [c, id] of ids.entries()) {
      const view = await readChallenge(input.api, id);
      if (view.participants !== goal)
        throw new Error(`P2: challenge ${id} counts ${view.participants}, expected ${goal}`);
      const unlockedAt = view.tiers[0]?.unlockedAt;
      if (!unlockedAt) throw new Error(`P2: challenge ${id} shows no unlockedAt`);
      commit.push(Date.parse(unlockedAt) - (lastAnswer[c] as number));
      stream.push((streams[c]?.unlockedAt[0] as number) - (lastAnswer[c] as number));
    }
    return { commit, stream };
  } finally {
    for (const s of streams) s.request.destroy();
    burst.close();
  }
}

export async function unlockLatency(input: UnlockInput): Promise<Measurement[]> {
  const pool = new pg.Pool({ connectionString: input.databaseUrl, max: 2 });
  pool.on('error', () => {});
  try {
    const commit = { p50: [] as number[], p99: [] as number[], max: [] as number[] };
    const stream = { p50: [] as number[], p99: [] as number[], max: [] as number[] };
    for (let r = 1; r <= input.rounds; r++) {
      const got = await round(input, pool);
      for (const [into, samples] of [
        [commit, got.commit],
        [stream, got.stream],
      ] as const) {
        into.p50.push(percentile(samples, 50));
        into.p99.push(percentile(samples, 99));
        into.max.push(Math.max(...samples));
      }
      input.progress(
        `P2 round ${r}: ${input.challenges} unlocks, commit p50 ${percentile(got.commit, 50)} p99 ${percentile(got.commit, 99)} ms, stream p50 ${percentile(got.stream, 50)} p99 ${percentile(got.stream, 99)} ms`,
      );
    }
    const size = {
      challenges: input.challenges,
      confirmations_each: input.tokens.length,
    };
    return [
      fromRounds({
        id: 'P2-commit',
        title: 'From the 2xx that crosses the threshold to the unlock committed (unlockedAt)',
        metric: 'p99_ms',
        values: commit.p99,
        figures: { p50_ms: median(commit.p50), max_ms: Math.max(...commit.max), ...size },
        target: ({ value }) => ({ text: 'p99 < 250 ms', met: value < 250 }),
      }),
      fromRounds({
        id: 'P2-stream',
        title: 'From the 2xx that crosses the threshold to the unlocked frame on a live stream',
        metric: 'p99_ms',
        values: stream.p99,
        figures: { p50_ms: median(stream.p50), max_ms: Math.max(...stream.max), ...size },
        target: ({ value }) => ({ text: 'p99 < 500 ms', met: value < 500 }),
      }),
    ];
  } finally {
    await pool.end();
  }
}
