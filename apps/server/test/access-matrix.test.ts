import { routeTableOf } from '@tandem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMatrix } from './support/matrix.js';
import { loadOperations, Sender, type Operation } from './support/openapi.js';
import { requestBuilder } from './support/requests.js';
import { createWorld, type World } from './support/world.js';

/**
 * The access matrix, generated from the OpenAPI document: every operation,
 * core's and the plugins', called by every kind of caller on organization
 * A's things — anonymous, a signed-in citizen, A's member, agent, admin and
 * owner, B's admin, the platform admin — and again with an id of
 * organization B inside A's route. Each answer is held to the rule the
 * route declares beside itself (`x-tandem-access`); a route without one
 * fails this test by name.
 */

let world: World;
let operations: Operation[];

beforeAll(async () => {
  world = await createWorld();
  operations = await loadOperations(world.platform.app);
});
afterAll(() => world?.platform.stop());

describe('the access matrix', () => {
  it('sees every /api route: none is hidden from the OpenAPI document', () => {
    const documented = new Set(
      operations.map((o) => `${o.method} ${o.path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    const hidden = routeTableOf(world.platform.app)
      .filter((route) => route.url.startsWith('/api/') && route.method !== 'HEAD')
      .map((route) => `${route.method} ${route.url}`)
      .filter((route) => !documented.has(route));
    expect(hidden, 'routes the fuzz and the access matrix would not see').toEqual([]);
  });

  it('gives every caller of every operation the answer its route declares', async () => {
    const started = Date.now();
    const result = await runMatrix({
      operations,
      sender: new Sender(world.platform.app),
      build: requestBuilder(world),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.warn(
      `access matrix: ${result.requests} requests over ${result.operations} operations, ${result.mismatches.length} answers not as declared, ${result.undeclared.length} routes without a rule, ${seconds} s`,
    );
    for (const line of result.undeclared) console.warn(`access matrix: ${line}`);
    for (const line of result.mismatches) console.warn(`access matrix mismatch: ${line}`);
    expect(result.undeclared).toEqual([]);
    expect(result.mismatches).toEqual([]);
    expect(result.operations).toBe(operations.length);
  }, 300_000);
});
