import { ancestor, finestCellOf, MAX_LEVEL } from '@tandem/core';
import { Agent, request as httpRequest } from 'node:http';
import pg from 'pg';
import { createApi, createCampaign, openChallenge } from './lib/api.js';
import {
  createDatabase,
  migrate,
  startHelloWorld,
  startTandem,
  type Child,
} from './lib/processes.js';
import { fromRounds, type Measurement } from './lib/report.js';
import { median, percentile } from './lib/stats.js';

/**
 * P4, the map. One `tandem serve` on its own database holds an open
 * challenge with `pledges` (1,000,000; fewer in a quick run) confirmed
 * pledges spread over France as people are — a third around Paris, a
 * quarter around ten other cities, the rest anywhere in the country — and
 * loaded straight into the map's aggregate (`challenge_map_cell`, every
 * level) while the server is stopped, as the confirmations would have left
 * it. Each round asks `GET /api/challenges/{id}/map` for a 1280 × 800
 * viewport over Paris at zooms 5, 9 and 13, `requests` times each, one at a
 * time, and the Fastify hello-world (child process, same settings) as many
 * times: p95 of the answer time at the client on loopback (one keep-alive
 * connection, so the time is the server's plus the loopback), and the
 * answer's size.
 */
export interface MapInput {
  pledges: number;
  rounds: number;
  requests: number;
  progress: (message: string) => void;
}

export const P4_ZOOMS = [5, 9, 13] as const;
const PARIS = { lat: 48.8566, lon: 2.3522 };
const CITIES = [
  { lat: 45.764, lon: 4.8357 }, // Lyon
  { lat: 43.2965, lon: 5.3698 }, // Marseille
  { lat: 43.6047, lon: 1.4442 }, // Toulouse
  { lat: 43.7102, lon: 7.262 }, // Nice
  { lat: 47.2184, lon: -1.5536 }, // Nantes
  { lat: 48.5734, lon: 7.7521 }, // Strasbourg
  { lat: 43.6108, lon: 3.8767 }, // Montpellier
  { lat: 44.8378, lon: -0.5792 }, // Bordeaux
  { lat: 50.6292, lon: 3.0573 }, // Lille
  { lat: 48.1173, lon: -1.6778 }, // Rennes
];

/** The viewport web maps show of 1280 × 800 pixels centred on `centre` at `zoom`. */
export function viewport(centre: { lat: number; lon: number }, zoom: number): string {
  const worldPixels = 256 * 2 ** zoom;
  const x = ((centre.lon + 180) / 360) * worldPixels;
  const sin = Math.sin((centre.lat * Math.PI) / 180);
  const y = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * worldPixels;
  const lon = (px: number) => (px / worldPixels) * 360 - 180;
  const lat = (py: number) =>
    (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / worldPixels))) * 180) / Math.PI;
  const clampLon = (v: number) => Math.max(-180, Math.min(180, v));
  const clampLat = (v: number) => Math.max(-85, Math.min(85, v));
  return [
    clampLon(lon(x - 640)),
    clampLat(lat(y + 400)),
    clampLon(lon(x + 640)),
    clampLat(lat(y - 400)),
  ]
    .map((v) => v.toFixed(5))
    .join(',');
}

/** A reproducible stream of numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` pledges' cells at every level, counted: what the write path would have left. */
function aggregate(count: number): Map<string, number> {
  const next = random(4);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const cells = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const draw = next();
    let point: { lat: number; lon: number };
    if (draw < 0.33) {
      point = { lat: PARIS.lat + gaussian() * 0.12, lon: PARIS.lon + gaussian() * 0.18 };
    } else if (draw < 0.58) {
      const city = CITIES[Math.floor(next() * CITIES.length)]!;
      point = { lat: city.lat + gaussian() * 0.07, lon: city.lon + gaussian() * 0.1 };
    } else {
      point = { lat: 43 + next() * 7.5, lon: -4.5 + next() * 12 };
    }
    const finest = finestCellOf(point);
    if (!finest) continue;
    for (let level = 0; level <= MAX_LEVEL; level++) {
      const cell = ancestor(finest, level);
      const key = `${level}:${cell.x}:${cell.y}`;
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
  }
  return cells;
}

async function loadCells(databaseUrl: string, challengeId: string, count: number) {
  const cells = aggregate(count);
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('begin');
    const rows = [...cells];
    for (let start = 0; start < rows.length; start += 50_000) {
      const batch = rows.slice(start, start + 50_000).map(([key, people]) => {
        const [level, x, y] = key.split(':').map(Number);
        return { level, x, y, people };
      });
      await client.query(
        `insert into challenge_map_cell (challenge_id, level, x, y, people)
         select $1, level, x, y, people
           from json_to_recordset($2::json) as t(level int, x int, y int, people int)`,
        [challengeId, JSON.stringify(batch)],
      );
    }
    await client.query('commit');
    await client.query('vacuum analyze challenge_map_cell');
    return rows.length;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** One GET on a keep-alive connection: milliseconds until the last byte, and bytes. */
function timedGet(
  agent: Agent,
  url: string,
): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ ms: performance.now() - started, bytes, status: res.statusCode ?? 0 }),
      );
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function series(agent: Agent, url: string, requests: number) {
  const times: number[] = [];
  let bytes = 0;
  let features = 0;
  for (let i = 0; i < requests; i++) {
    const answer = await timedGet(agent, url);
    if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status}`);
    times.push(answer.ms);
    bytes = answer.bytes;
  }
  if (url.includes('/map')) {
    const body = await fetch(url).then((r) => r.json() as Promise<{ features: unknown[] }>);
    features = body.features.length;
  }
  return { p95: percentile(times, 95), bytes, features };
}

export interface PreparedMap {
  measure(): Promise<Measurement[]>;
  stop(): Promise<void>;
}

export async function prepareMap(input: MapInput): Promise<PreparedMap> {
  const database = await createDatabase('map');
  const children: Child[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
    await database.drop();
  };
  try {
    await migrate(database.url);
    const setup = await startTandem('serve', { DATABASE_URL: database.url });
    children.push(setup);
    const setupApi = createApi(setup.url);
    const campaignId = await createCampaign(setupApi);
    const challengeId = await openChallenge(setupApi, campaignId, input.pledges * 10);
    setupApi.close();
    await setup.stop();
    children.pop();

    const loading = performance.now();
    const rows = await loadCells(database.url, challengeId, input.pledges);
    input.progress(
      `P4: ${input.pledges} pledged cells over France, ${rows} aggregate rows, loaded in ${((performance.now() - loading) / 1000).toFixed(1)} s`,
    );
    const server = await startTandem('serve', { DATABASE_URL: database.url });
    children.push(server);
    const hello = await startHelloWorld();
    children.push(hello);
    return {
      measure: () => measureMap(input, server.url, hello.url, challengeId),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function measureMap(
  input: MapInput,
  serverUrl: string,
  helloUrl: string,
  challengeId: string,
): Promise<Measurement[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const urls = Object.fromEntries(
      P4_ZOOMS.map((zoom) => [
        zoom,
        `${serverUrl}/api/challenges/${challengeId}/map?bbox=${viewport(PARIS, zoom)}&zoom=${zoom}`,
      ]),
    );
    // Warm-up: JIT, the pool's connections, PostgreSQL's buffers.
    for (const url of Object.values(urls)) await series(agent, url, 20);
    await series(agent, `${helloUrl}/`, 20);
    const p95: Record<string, number[]> = { hello: [] };
    const bytes: Record<string, number> = {};
    const features: Record<string, number> = {};
    for (let round = 1; round <= input.rounds; round++) {
      p95['hello']!.push((await series(agent, `${helloUrl}/`, input.requests)).p95);
      for (const zoom of P4_ZOOMS) {
        const result = await series(agent, urls[zoom]!, input.requests);
        (p95[zoom] ??= []).push(result.p95);
        bytes[zoom] = result.bytes;
        features[zoom] = result.features;
      }
      input.progress(
        `P4 round ${round}: p95 hello ${p95['hello']!.at(-1)?.toFixed(2)} ms, ${P4_ZOOMS.map((z) => `z${z} ${p95[z]!.at(-1)?.toFixed(2)} ms ${bytes[z]} B ${features[z]} cells`).join(', ')}`,
      );
    }
    return P4_ZOOMS.map((zoom) =>
      fromRounds({
        id: `P4-z${zoom}`,
        title: `GET /api/challenges/{id}/map, 1280×800 over Paris at zoom ${zoom}, ${input.pledges} pledged cells: p95 vs a Fastify hello-world route`,
        metric: 'p95_ms',
        values: p95[zoom] ?? [],
        baselines: p95['hello'] ?? [],
        baselineIs: 'Fastify hello-world route p95, child process with the same settings',
        figures: {
          payload_bytes: bytes[zoom] ?? 0,
          features: features[zoom] ?? 0,
          pledges: input.pledges,
          requests_per_round: input.requests,
          median_p95_ms: median(p95[zoom] ?? []),
        },
        target: ({ value }) => ({
          text: 'p95 < 50 ms and payload < 100 KB',
          met: value < 50 && (bytes[zoom] ?? Infinity) < 100 * 1024,
        }),
      }),
    );
  } finally {
    agent.destroy();
  }
}
