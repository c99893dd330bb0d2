import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PERTURBATION } from '../domain/disclosure.js';
import { parseEmailField } from '../domain/email.js';
import {
  ancestor,
  cellId,
  finestCellOf,
  levelForZoom,
  MAX_LEVEL,
  parseCellId,
  type Cell,
} from '../domain/grid.js';
import type { GeoPoint } from '../domain/types.js';
import { confirmPledgeRow } from '../services/pledges.js';
import { loadChallenge } from '../store/challenges.js';
import { upsertParticipant } from '../store/participants.js';
import {
  createTestClient,
  openChallenge,
  setUpClichy,
  startTestPlatform,
  unique,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';

/**
 * The map, the counts by place and the feed (API.md; docs/privacy.md):
 * what they publish, what they never publish, and the differencing attack
 * the noise is there to defeat.
 */

const K = 11;
let platform: TestPlatform;
let client: TestClient;
let admin: { token: string };

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
  admin = { token: platform.adminToken };
  expect(platform.ctx.config.mapMinCount).toBe(K);
});
afterAll(async () => {
  await platform?.stop();
});

const newChallenge = async () => (await setUpClichy(client, admin.token)).challengeId;

/** Confirms one pledge per point straight through the engine's write path, in one transaction. */
async function pledgeAt(
  challengeId: string,
  places: readonly { point?: GeoPoint; communeCode?: string }[],
): Promise<string[]> {
  const challenge = await loadChallenge(platform.db, challengeId);
  if (!challenge) throw new Error('no challenge');
  return platform.db.transaction(async (tx) => {
    const ids: string[] = [];
    for (const place of places) {
      const person = await upsertParticipant(tx, platform.ctx.keyring, {
        email: parseEmailField(`m-${unique()}@example.org`, 'email'),
      });
      const confirmed = await confirmPledgeRow(tx, challenge, person.id, {
        details: {},
        displayName: null,
        mapCell: place.point ? cellId(finestCellOf(place.point)!) : null,
        communeCode: place.communeCode ?? null,
        showAs: 'anonymous',
        teamId: null,
      });
      ids.push(confirmed.id);
    }
    return ids;
  });
}

interface Feature {
  geometry: { type: string; coordinates: [number, number][][] };
  properties: { count: number; cell: string; level: number };
}

async function map(challengeId: string, query: string, token?: string): Promise<Feature[]> {
  const answer = await client.get(
    `/api/challenges/${challengeId}/map?${query}`,
    token ? { token } : {},
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.type).toBe('FeatureCollection');
  return answer.body.features;
}

const ZOOMS = Array.from({ length: 21 }, (_, zoom) => zoom);
const WORLD = '-180,-90,180,90';
const PARIS = { lat: 48.8566, lon: 2.3522 };
const BREST = { lat: 48.3904, lon: -4.4861 };

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

/** A point within about `metres` of `centre`. */
function near(centre: GeoPoint, metres: number, next: () => number): GeoPoint {
  const dLat = ((next() * 2 - 1) * metres) / 111_000;
  const dLon = ((next() * 2 - 1) * metres) / (111_000 * Math.cos((centre.lat * Math.PI) / 180));
  return { lat: centre.lat + dLat, lon: centre.lon + dLon };
}

describe('GET /api/challenges/{id}/map', () => {
  it('never shows a lone pledger, at any zoom, and shows a dense place at every zoom', async () => {
    const challengeId = await newChallenge();
    const lone = await newChallenge();
    // Fifteen people in one 200 m cell in Paris, one alone in Brest.
    const dense = finestCellOf(PARIS)!;
    await pledgeAt(challengeId, [
      ...Array.from({ length: 15 }, () => ({ point: PARIS })),
      { point: BREST },
    ]);
    await pledgeAt(lone, [{ point: BREST }]);
    const brest = finestCellOf(BREST)!;

    for (const zoom of ZOOMS) {
      const level = levelForZoom(zoom);
      expect(await map(lone, `zoom=${zoom}`)).toEqual([]);
      expect(await map(lone, `zoom=${zoom}&bbox=-5,48,-4,49`)).toEqual([]);
      const features = await map(challengeId, `zoom=${zoom}&bbox=${WORLD}`);
      const denseAt = cellId(ancestor(dense, level));
      expect(features.map((f) => f.properties.cell)).toEqual([denseAt]);
      const [feature] = features;
      expect(feature?.properties.level).toBe(level);
      // 15 or 16 people (Brest joins Paris in the coarsest cells), give or take the noise.
      expect(feature!.properties.count).toBeGreaterThanOrEqual(K);
      expect(feature!.properties.count).toBeLessThanOrEqual(16 + MAX_PERTURBATION);
      // Around Brest, only Paris's cell may show (the coarsest cells are
      // wide): Brest's own cell never does, unless Paris fills it.
      const aroundBrest = await map(challengeId, `zoom=${zoom}&bbox=-5,48,-4,49`);
      for (const shown of aroundBrest) expect(shown.properties.cell).toBe(denseAt);
      if (cellId(ancestor(brest, level)) !== denseAt && level < 10) expect(aroundBrest).toEqual([]);
      // The polygon is the cell's outline, closed, around Paris.
      const ring = feature!.geometry.coordinates[0]!;
      expect(feature!.geometry.type).toBe('Polygon');
      expect(ring).toHaveLength(5);
      expect(ring[4]).toEqual(ring[0]);
      const lons = ring.map(([lon]) => lon);
      const lats = ring.map(([, lat]) => lat);
      expect(Math.min(...lons)).toBeLessThanOrEqual(PARIS.lon);
      expect(Math.max(...lons)).toBeGreaterThanOrEqual(PARIS.lon);
      expect(Math.min(...lats)).toBeLessThanOrEqual(PARIS.lat);
      expect(Math.max(...lats)).toBeGreaterThanOrEqual(PARIS.lat);
    }
    // The same cell always publishes the same count.
    const again = await map(challengeId, 'zoom=15&bbox=2.3,48.8,2.4,48.9');
    const first = await map(challengeId, `zoom=15&bbox=${WORLD}`);
    expect(again).toEqual(first);
  });

  it('defaults to the world at zoom 5 and may be cached by anyone for 30 s', async () => {
    const challengeId = await newChallenge();
    await pledgeAt(
      challengeId,
      Array.from({ length: K }, () => ({ point: PARIS })),
    );
    const answer = await client.get(`/api/challenges/${challengeId}/map`);
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=60');
    expect(answer.body.features).toHaveLength(1);
    expect(answer.body.features[0].properties.level).toBe(levelForZoom(5));
  });

  it('refuses a malformed bbox, a zoom outside 0–20 and more than 5,000 cells, naming the field', async () => {
    const challengeId = await newChallenge();
    for (const bbox of [
      'x',
      '1,2,3',
      '2,48,1,49',
      '0,0,0,0',
      '-200,0,0,10',
      '1,2,3,4,5',
      'NaN,1,2,3',
    ]) {
      const answer = await client.get(
        `/api/challenges/${challengeId}/map?bbox=${encodeURIComponent(bbox)}`,
      );
      expect(answer.status, bbox).toBe(400);
      expect(answer.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(answer.body.details[0].path).toBe('querystring/bbox');
    }
    for (const zoom of ['-1', '21', '1.5', 'far']) {
      const answer = await client.get(`/api/challenges/${challengeId}/map?zoom=${zoom}`);
      expect(answer.status, zoom).toBe(400);
      expect(answer.body.details[0].path).toBe('querystring/zoom');
    }
    // 5,001 dense cells, written straight into the aggregate.
    await platform.db.query(
      `insert into challenge_map_cell (challenge_id, level, x, y, people)
       select ?, 0, 21000 + i, 15000, 20 from generate_series(1, 5001) as i`,
      [challengeId],
    );
    const tooMany = await client.get(`/api/challenges/${challengeId}/map?zoom=20`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details[0].path).toBe('querystring/bbox');
    expect(tooMany.body.message).toMatch(/5000/);
    // A box that holds fewer: answered.
    const some = await client.get(`/api/challenges/${challengeId}/map?zoom=20&bbox=0,0,1,1`);
    expect(some.status).toBe(200);
    expect(some.body.features).toEqual([]);
  });

  it('follows the challenge: 404 for a draft or an unknown one; a members-only one is 401, 403, then private', async () => {
    const draft = await openChallenge(
      client,
      admin.token,
      { title: 'Draft', actionType: 'pledge-only', goal: { participants: 10 } },
      { open: false },
    );
    for (const path of ['map', 'places', 'places/92110', 'feed']) {
      expect((await client.get(`/api/challenges/${draft.challengeId}/${path}`)).status).toBe(404);
      expect((await client.get(`/api/challenges/chl_nothing/${path}`)).status).toBe(404);
    }
    const members = await openChallenge(
      client,
      admin.token,
      { title: 'Members', actionType: 'pledge-only', goal: { participants: 10 } },
      { campaign: { title: 'Members only', audience: { type: 'members' } } },
    );
    const outsider = await client.signIn(`out-${unique()}@example.org`);
    for (const path of ['map', 'places', 'places/92110', 'feed']) {
      const url = `/api/challenges/${members.challengeId}/${path}`;
      expect((await client.get(url)).status).toBe(401);
      expect((await client.get(url, { token: outsider })).status).toBe(403);
      const allowed = await client.get(url, admin);
      expect(allowed.status).toBe(200);
      expect(allowed.headers['cache-control']).toBe(
        'private, max-age=30, stale-while-revalidate=60',
      );
    }
  });

  it('loses a pledge at once when it is withdrawn or erased, and finds it again when revived', async () => {
    const challengeId = await newChallenge();
    const people = await Promise.all(
      Array.from({ length: K }, async () => {
        const email = `w-${unique()}@example.org`;
        return { email, token: await client.signIn(email) };
      }),
    );
    const pledgeIds: string[] = [];
    for (const person of people) {
      const pledged = await client.post(
        `/api/challenges/${challengeId}/pledges`,
        { location: { lat: 48.9043, lon: 2.3059 } },
        { token: person.token },
      );
      expect(pledged.status).toBe(201);
      pledgeIds.push(pledged.body.id);
    }
    const shown = async () =>
      (await Promise.all(ZOOMS.map((zoom) => map(challengeId, `zoom=${zoom}`)))).flat().length;
    expect(await shown()).toBe(ZOOMS.length);

    const [leaving, erasing] = people as [(typeof people)[0], (typeof people)[0]];
    const withdrawn = await client.delete(`/api/pledges/${pledgeIds[0]}`, leaving);
    expect(withdrawn.status).toBe(200);
    expect(await shown()).toBe(0);

    const back = await client.post(
      `/api/challenges/${challengeId}/pledges`,
      { location: { lat: 48.9043, lon: 2.3059 } },
      leaving,
    );
    expect(back.status).toBe(201);
    expect(await shown()).toBe(ZOOMS.length);

    expect((await client.delete('/api/me', erasing)).status).toBe(200);
    expect(await shown()).toBe(0);
    const cells = await platform.db.query<{ people: number }>(
      'select distinct people from challenge_map_cell where challenge_id = ?',
      [challengeId],
    );
    expect(cells).toEqual([{ people: K - 1 }]);
    const [pledge] = await platform.db.query<{ map_cell: string | null }>(
      'select map_cell from pledge where id = ?',
      [pledgeIds[1]],
    );
    expect(pledge).toEqual({ map_cell: null });
  });
});

describe('the differencing attack', () => {
  /**
   * Synthetic pledges around Paris: dense clusters, small groups (1 to 10
   * people within 100 m) and people alone across France. For every pair of
   * zooms and several viewports, the attacker takes each published parent
   * cell and subtracts its published descendants, hoping to read the people
   * of the descendants left out.
   *
   * What is asserted, precisely:
   * 1. no published cell holds fewer than k people, its figure is at least
   *    k and within the published perturbation of the truth, and every
   *    viewport shows a cell with the same figure;
   * 2. for every parent whose left-out descendants hold someone, the
   *    attacker who knows the rules (k, and the perturbation's range as the
   *    platform was seen to apply it) and every figure still finds at least two counts of the left-out people
   *    consistent with what was published: the difference never tells the
   *    exact count with certainty;
   * 3. the attack had targets: left-out groups of 1 to k−1 people exist.
   *
   * Without the perturbation (2) fails (each figure is the truth, so the
   * difference is); ignoring k fails (1).
   */
  it('never yields the exact count of a group left out, for any pair of zooms or viewport', async () => {
    const next = random(20261204);
    const points: GeoPoint[] = [];
    const clusters = [60, 45, 30, 25, 18, 14, 12, 11];
    for (const size of clusters) {
      const centre = near(PARIS, 15_000, next);
      for (let i = 0; i < size; i++) points.push(near(centre, 600, next));
    }
    for (let group = 0; group < 20; group++) {
      const centre = near(PARIS, 30_000, next);
      const size = 1 + (group % 10);
      for (let i = 0; i < size; i++) points.push(near(centre, 100, next));
    }
    for (let i = 0; i < 40; i++) {
      points.push({ lat: 43 + next() * 7.5, lon: -1.5 + next() * 9 });
    }
    const challengeId = await newChallenge();
    await pledgeAt(
      challengeId,
      points.map((point) => ({ point })),
    );

    const truth = new Map<string, number>();
    for (const point of points) {
      const finest = finestCellOf(point)!;
      for (let level = 0; level <= MAX_LEVEL; level++) {
        const id = cellId(ancestor(finest, level));
        truth.set(id, (truth.get(id) ?? 0) + 1);
      }
    }
    const viewports = [
      WORLD,
      '-5.5,41,10,51.5', // France
      '1.4,48.1,3.6,49.25', // Île-de-France
      '2.22,48.81,2.47,48.91', // Paris
      '2.1,48.7,2.6,49.0',
    ];
    const published = new Map<string, number>();
    const shifts = new Set<number>();
    for (const zoom of ZOOMS) {
      for (const bbox of viewports) {
        for (const feature of await map(challengeId, `zoom=${zoom}&bbox=${bbox}`)) {
          const { cell, count } = feature.properties;
          const real = truth.get(cell) ?? 0;
          // (1)
          expect(real, cell).toBeGreaterThanOrEqual(K);
          expect(count).toBeGreaterThanOrEqual(K);
          expect(Math.abs(count - real)).toBeLessThanOrEqual(MAX_PERTURBATION);
          if (count > K) shifts.add(count - real);
          expect(published.get(cell) ?? count, cell).toBe(count);
          published.set(cell, count);
        }
      }
    }

    // The attacker knows the perturbation's range: the one the platform
    // was seen to apply (so a platform without noise gives them exact figures).
    const lowest = Math.min(...shifts);
    const highest = Math.max(...shifts);
    /** The true counts a published figure may stand for. */
    const possible = (figure: number): [number, number] =>
      figure === K ? [K, K - lowest] : [Math.max(K, figure - highest), figure - lowest];
    const byLevel = new Map<number, Cell[]>();
    for (const id of published.keys()) {
      const cell = parseCellId(id)!;
      byLevel.set(cell.level, [...(byLevel.get(cell.level) ?? []), cell]);
    }
    const levels = [...new Set(ZOOMS.map(levelForZoom))];
    let targets = 0;
    let pairs = 0;
    let naiveRight = 0;
    for (const parentLevel of levels) {
      for (const childLevel of levels.filter((level) => level < parentLevel)) {
        for (const parent of byLevel.get(parentLevel) ?? []) {
          const parentId = cellId(parent);
          const children = (byLevel.get(childLevel) ?? []).filter(
            (child) => cellId(ancestor(child, parentLevel)) === parentId,
          );
          const hidden =
            truth.get(parentId)! - children.reduce((sum, c) => sum + truth.get(cellId(c))!, 0);
          if (hidden === 0) continue;
          pairs += 1;
          if (hidden < K) targets += 1;
          const figures = children.map((c) => possible(published.get(cellId(c))!));
          const [parentLow, parentHigh] = possible(published.get(parentId)!);
          const leftOut = 4 ** (parentLevel - childLevel) - children.length;
          const low = Math.max(1, parentLow - figures.reduce((sum, [, high]) => sum + high, 0));
          const high = Math.min(
            (K - 1) * leftOut,
            parentHigh - figures.reduce((sum, [lowest]) => sum + lowest, 0),
          );
          // (2): the truth is among the candidates, and it is not alone.
          expect(hidden).toBeGreaterThanOrEqual(low);
          expect(hidden).toBeLessThanOrEqual(high);
          expect(high - low + 1, `${parentId} at level ${childLevel}`).toBeGreaterThanOrEqual(2);
          const naive =
            published.get(parentId)! -
            children.reduce((sum, c) => sum + published.get(cellId(c))!, 0);
          if (naive === hidden) naiveRight += 1;
        }
      }
    }
    // (3)
    expect(targets).toBeGreaterThan(20);
    // The plain difference is often wrong: the noise is there.
    expect(naiveRight).toBeLessThan(pairs);
  });
});

describe('GET /api/challenges/{id}/places', () => {
  it('counts pledges by commune, shows only communes with k people, and answers "near you"', async () => {
    const challengeId = await newChallenge();
    await pledgeAt(challengeId, [
      ...Array.from({ length: 12 }, () => ({ communeCode: '92024' })), // Clichy
      ...Array.from({ length: 3 }, () => ({ communeCode: '75056' })), // Paris
    ]);
    const places = await client.get(`/api/challenges/${challengeId}/places`);
    expect(places.status).toBe(200);
    expect(places.headers['cache-control']).toBe('public, max-age=30, stale-while-revalidate=60');
    expect(places.body.places).toEqual([
      { code: '92024', name: 'Clichy', count: expect.any(Number) },
    ]);
    const count = places.body.places[0].count as number;
    expect(count).toBeGreaterThanOrEqual(K);
    expect(count).toBeLessThanOrEqual(12 + MAX_PERTURBATION);

    const clichy = await client.get(`/api/challenges/${challengeId}/places/92110`);
    expect(clichy.body).toEqual({ code: '92024', name: 'Clichy', count });
    // Paris's arrondissements count for Paris, under k: no figure.
    const paris = await client.get(`/api/challenges/${challengeId}/places/75011`);
    expect(paris.body).toEqual({ code: '75056', name: 'Paris', count: null });
    const nobody = await client.get(`/api/challenges/${challengeId}/places/29300`);
    expect(nobody.body).toEqual({ code: '29233', name: 'Quimperlé', count: null });

    for (const postcode of ['00000', '1234', 'abcde']) {
      const answer = await client.get(`/api/challenges/${challengeId}/places/${postcode}`);
      expect(answer.status, postcode).toBe(400);
      expect(answer.body.details[0].path).toBe('params/postcode');
    }
  });

  it("resolves a pledge's postcode to its commune, and refuses one no commune has, naming location/postcode", async () => {
    const challengeId = await newChallenge();
    for (const postcode of ['00000', '9211', '921100']) {
      const refused = await client.post(`/api/challenges/${challengeId}/pledges`, {
        email: `pc-${unique()}@example.org`,
        location: { postcode },
      });
      expect(refused.status, postcode).toBe(400);
      expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
      expect(refused.body.details[0].path).toBe('location/postcode');
    }
    const empty = await client.post(`/api/challenges/${challengeId}/pledges`, {
      email: `pc-${unique()}@example.org`,
      location: {},
    });
    expect(empty.status).toBe(400);
    expect(empty.body.details[0].path).toBe('location');

    const email = `pc-${unique()}@example.org`;
    const pledgeId = await client.pledgeAndConfirm(challengeId, email, {
      location: { postcode: '92110' },
    });
    const [row] = await platform.db.query<{ commune_code: string; map_cell: string | null }>(
      'select commune_code, map_cell from pledge where id = ?',
      [pledgeId],
    );
    expect(row).toEqual({ commune_code: '92024', map_cell: null });
    const [place] = await platform.db.query<{ people: number }>(
      'select people from challenge_place where challenge_id = ? and commune_code = ?',
      [challengeId, '92024'],
    );
    expect(place).toEqual({ people: 1 });
  });
});

describe('GET /api/challenges/{id}/feed', () => {
  it('shows people only as they chose, by commune and hour, and follows withdrawal and erasure at once', async () => {
    const challengeId = await newChallenge();
    const signUp = async () => {
      const email = `f-${unique()}@example.org`;
      return { token: await client.signIn(email) };
    };
    const claire = await signUp();
    const anonymous = await signUp();
    const nowhere = await signUp();
    const hidden = await signUp();
    const pledge = async (who: { token: string }, body: Record<string, unknown>) => {
      const answer = await client.post(`/api/challenges/${challengeId}/pledges`, body, who);
      expect(answer.status).toBe(201);
      return answer.body.id as string;
    };
    await pledge(claire, {
      displayName: 'Claire',
      showAs: 'name',
      location: { postcode: '92110' },
    });
    const anonymousPledge = await pledge(anonymous, {
      displayName: 'Bruno',
      location: { postcode: '93300' },
    });
    await pledge(nowhere, {});
    await pledge(hidden, { displayName: 'Hidden', showAs: 'name' });

    const feed = async (query = '', headers: Record<string, string> = {}) => {
      const answer = await platform.app.inject({
        method: 'GET',
        url: `/api/challenges/${challengeId}/feed${query}`,
        headers,
      });
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.headers['vary']).toMatch(/accept-language/i);
      return answer.json().items as Record<string, unknown>[];
    };
    const items = await feed();
    // Bruno is anonymous and alone from Aubervilliers: his commune is not told.
    expect(items.map((item) => item.who)).toEqual([
      'Hidden',
      undefined,
      undefined,
      'Claire, de Clichy',
    ]);
    expect(items[3]).toMatchObject({ type: 'pledge', person: { name: 'Claire', place: 'Clichy' } });
    expect(items[2]).toMatchObject({ type: 'pledge' });
    expect((items[2]?.['person'] as { place?: string | null } | undefined)?.place ?? null).toBe(
      null,
    );
    for (const item of items) {
      expect(item.at).toMatch(/T\d\d:00:00\.000Z$/);
      expect(JSON.stringify(item)).not.toContain('Bruno');
    }
    const english = await feed('', { 'accept-language': 'en-GB,en;q=0.9,fr;q=0.5' });
    expect(english.map((item) => item.who)).toEqual([
      'Hidden',
      undefined,
      undefined,
      'Claire from Clichy',
    ]);
    expect(await feed('?limit=2')).toHaveLength(2);
    for (const limit of ['0', '51', 'x']) {
      const answer = await client.get(`/api/challenges/${challengeId}/feed?limit=${limit}`);
      expect(answer.status, limit).toBe(400);
      expect(answer.body.details[0].path).toBe('querystring/limit');
    }

    // Erased: still counted, never named. Withdrawn: gone.
    expect((await client.delete('/api/me', hidden)).status).toBe(200);
    expect((await client.delete(`/api/pledges/${anonymousPledge}`, anonymous)).status).toBe(200);
    const after = await feed();
    expect(after.map((item) => item.who)).toEqual([undefined, undefined, 'Claire, de Clichy']);
    expect(JSON.stringify(after)).not.toContain('Hidden');
  });

  it("names an anonymous person's commune only once k people of that commune have pledged", async () => {
    const challengeId = await newChallenge();
    const k = platform.config.mapMinCount;
    const pledgeFrom = async () => {
      const token = await client.signIn(`v-${unique()}@example.org`);
      const answer = await client.post(
        `/api/challenges/${challengeId}/pledges`,
        { location: { postcode: '93300' } },
        { token },
      );
      expect(answer.status).toBe(201);
    };
    const whos = async () => {
      const answer = await client.get(`/api/challenges/${challengeId}/feed?limit=50`);
      expect(answer.status).toBe(200);
      return (answer.body.items as { who?: string }[]).map((item) => item.who);
    };
    for (let i = 0; i < k - 1; i++) await pledgeFrom();
    expect(await whos()).toEqual(Array.from({ length: k - 1 }, () => undefined));
    await pledgeFrom();
    expect(await whos()).toEqual(Array.from({ length: k }, () => "quelqu'un d'Aubervilliers"));
  });
});
