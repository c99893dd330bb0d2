import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminToken } from './processes.js';

/**
 * The public HTTP API as the benchmark uses it: setting up organizations,
 * campaigns and challenges as the platform admin, signing people in through
 * the magic link and the dev mailbox, reading a challenge. Nothing else of
 * Tandem is assumed, so the benchmark measures any version of the engine
 * that keeps its API.
 */

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
  body: any;
  /** `Date.now()` when the whole answer had arrived. */
  receivedAt: number;
}

export interface Api {
  url: string;
  get(path: string, token?: string): Promise<Answer>;
  post(path: string, body?: unknown, token?: string): Promise<Answer>;
  close(): void;
}

/** A client on its own keep-alive agent of at most `sockets` connections. */
export function createApi(url: string, sockets = 32): Api {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const send = (method: string, path: string, body: unknown, token?: string) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {};
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (token) headers['authorization'] = `Bearer ${token}`;
      const req = httpRequest(`${url}${path}`, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const receivedAt = Date.now();
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          if (String(res.headers['content-type'] ?? '').includes('json') && text !== '')
            parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, body: parsed, receivedAt });
        });
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  return {
    url,
    get: (path, token) => send('GET', path, undefined, token),
    post: (path, body, token) => send('POST', path, body, token),
    close: () => agent.destroy(),
  };
}

/** The answer's body when its status is `status`; otherwise an error naming the step. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
export function must(answer: Answer, status: number | number[], what: string): any {
  const wanted = Array.isArray(status) ? status : [status];
  if (!wanted.includes(answer.status))
    throw new Error(
      `${what}: expected ${wanted.join('/')}, got ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  return answer.body;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** An organization and a public campaign, created by the platform admin. */
export async function createCampaign(api: Api): Promise<string> {
  const slug = `bench-${unique()}`;
  must(
    await api.post('/api/organizations', { slug, name: 'Bench', kind: 'city' }, adminToken),
    201,
    'create organization',
  );
  const campaign = must(
    await api.post(`/api/organizations/${slug}/campaigns`, { title: 'Bench' }, adminToken),
    201,
    'create campaign',
  );
  return campaign.id as string;
}

/** An open `pledge-only` challenge whose one tier unlocks at `participants`. */
export async function openChallenge(
  api: Api,
  campaignId: string,
  participants: number,
): Promise<string> {
  const challenge = must(
    await api.post(
      `/api/campaigns/${campaignId}/challenges`,
      { title: 'Bench', actionType: 'pledge-only', goal: { participants } },
      adminToken,
    ),
    201,
    'create challenge',
  );
  must(
    await api.post(`/api/challenges/${challenge.id}/open`, undefined, adminToken),
    200,
    'open challenge',
  );
  return challenge.id as string;
}

/** The challenge as anyone reads it. */
export async function readChallenge(
  api: Api,
  challengeId: string,
): Promise<{ participants: number; tiers: { unlockedAt: string | null }[] }> {
  const view = must(await api.get(`/api/challenges/${challengeId}`), 200, 'read challenge');
  return { participants: Number(view.progress.participants), tiers: view.tiers };
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

/**
 * Signs `count` new people in (magic link, the token from the dev mailbox,
 * a session), 16 at a time; answers their session tokens. With workers the
 * mail may be written a moment after the 202, hence the patient mailbox.
 */
export async function signIn(api: Api, count: number, label: string): Promise<string[]> {
  const tokens: string[] = new Array<string>(count);
  const run = unique();
  await inParallel(count, 16, async (i) => {
    const email = `${label}-${run}-${i}@bench.example.org`;
    must(await api.post('/api/auth/magic-link', { email }), 202, 'magic link');
    let token: string | undefined;
    for (let attempt = 0; !token; attempt++) {
      const box = must(
        await api.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`),
        200,
        'dev mailbox',
      ) as { messages: { purpose: string; token?: string }[] };
      token = box.messages.find((m) => m.purpose === 'sign-in')?.token;
      if (!token) {
        if (attempt > 200) throw new Error(`no sign-in mail for ${email}`);
        await sleep(50);
      }
    }
    const session = must(await api.post('/api/auth/session', { token }), 200, 'session');
    tokens[i] = session.sessionToken as string;
  });
  return tokens;
}
