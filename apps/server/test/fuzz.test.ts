import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFuzz, type Hints } from './support/fuzz.js';
import { loadOperations, Sender, type Operation } from './support/openapi.js';
import { requestBuilder } from './support/requests.js';
import { ACTION_TYPES, createWorld, fittingIds, type World } from './support/world.js';

/**
 * Every operation of the served OpenAPI document, with every plugin
 * registered, gets schema-derived requests — valid ones and the same
 * spoiled with hostile values (NUL, lone surrogates, invisible and bidi
 * characters, 1 MB strings, 1e308 and 2^64, deep nesting, wrong types,
 * unknown fields, `__proto__`), with real and junk ids, anonymous and signed
 * in with every role. None may answer 5xx, and each must answer within
 * 10 s. `TANDEM_FUZZ_SEED` replays a run; `TANDEM_FUZZ_RUNS` changes its size.
 */

const SEED = Number(process.env['TANDEM_FUZZ_SEED'] ?? 20_260_703);
const RUNS = Number(process.env['TANDEM_FUZZ_RUNS'] ?? 30);

let world: World;
let operations: Operation[];

beforeAll(async () => {
  world = await createWorld();
  operations = await loadOperations(world.platform.app);
});
afterAll(() => world?.platform.stop());

function hints(w: World): Hints {
  const emails = [
    ...Object.values(w.a.emails),
    ...Object.values(w.b.emails),
    w.citizen.email,
    'someone.new@example.org',
  ];
  const pick = <T>(...values: T[]) => fc.constantFrom(...values);
  const settings = Object.values(ACTION_TYPES);
  return {
    email: pick(...emails),
    to: pick(...emails.map(encodeURIComponent)),
    slug: fc.stringMatching(/^[a-z][a-z0-9-]{4,20}$/),
    beneficiaryId: pick(w.a.beneficiaryId, w.b.beneficiaryId),
    pointId: pick(w.a.pointId, w.b.pointId),
    actionType: pick(...Object.keys(ACTION_TYPES)),
    actionSettings: pick(...settings.map((s) => s.settings)),
    details: pick(
      {},
      ...settings.flatMap((s) => [s.pledge, s.contribution]).filter((d) => d !== undefined),
    ),
    sponsor: pick(w.a.slug, w.b.slug),
    team: pick('north', 'North', w.a.teamId),
    url: pick('https://hooks.example.org/tandem', 'javascript:alert(1)', 'http://127.0.0.1/'),
    homePage: pick('https://lms.example.org'),
    token: fc.string({ minLength: 10, maxLength: 60 }),
    key: fc.stringMatching(/^[\x21-\x7e]{8,30}$/),
    events: pick(['*'], ['challenge.unlocked'], ['pledge.confirmed']),
    statementId: fc.uuid(),
    lastEventId: pick('0', '1', '999999999999999'),
  };
}

describe('fuzzing every operation of the OpenAPI document', () => {
  it('answers no request with a 5xx, and every one within 10 s', async () => {
    const started = Date.now();
    const result = await runFuzz({
      operations,
      sender: new Sender(world.platform.app, 10_000),
      context: {
        // Admins weigh more: most routes refuse everyone else before reading the input.
        tokens: [
          ...Object.values(world.tokens),
          world.a.tokens.self,
          world.b.tokens.owner,
          world.tokens.platformAdmin,
          world.tokens.admin,
          world.tokens.agent,
        ],
        ids: world.ids,
        fitting: (operation, name) => [
          ...fittingIds(world.a, operation.path, name),
          ...fittingIds(world.b, operation.path, name),
        ],
        hints: hints(world),
      },
      seed: SEED,
      runs: RUNS,
      bases: async (operation) => {
        const build = requestBuilder(world);
        const built = await Promise.all(
          (['admin', 'agent', 'platformAdmin', 'member'] as const).map((caller) =>
            build(operation, caller, 'own'),
          ),
        );
        return built.filter((request) => request !== null);
      },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.warn(
      `fuzz: ${result.requests} requests over ${result.operations} operations, seed ${SEED} (TANDEM_FUZZ_SEED), ${result.failures.length} answered 5xx or hung, ${seconds} s`,
    );
    console.warn(`fuzz: answers by status ${JSON.stringify(result.statuses)}`);
    if (result.neverAccepted.length > 0) {
      console.warn(`fuzz: no 2xx for ${result.neverAccepted.join(', ')}`);
    }
    for (const line of result.unsent) console.warn(`fuzz: not sent or cut: ${line}`);
    for (const failure of result.failures) console.warn(`fuzz 5xx: ${failure}`);
    expect(result.operations).toBe(operations.length);
    expect(result.operations).toBeGreaterThan(40);
    expect(result.failures).toEqual([]);
  }, 300_000);
});
