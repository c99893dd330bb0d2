import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from '@tandem/core';
import { fromSchema, MEGABYTE, runFuzz, spoilBody, type Spoil } from './support/fuzz.js';
import { readRule, runMatrix } from './support/matrix.js';
import { operationsOf, Sender, type Operation } from './support/openapi.js';

/**
 * The fuzz and matrix suites must be able to fail: here they run against a
 * throwaway app with a route that crashes, one that never answers, one
 * that lets everyone in while it declares admins only, and one that
 * declares nothing — and each is reported.
 */

describe('the schema-driven generator', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['title', 'goal'],
    properties: {
      title: { type: 'string', minLength: 1, maxLength: 20 },
      slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' },
      when: { type: 'string', format: 'date-time' },
      goal: {
        type: 'object',
        additionalProperties: false,
        properties: {
          participants: { type: 'integer', minimum: 1 },
          quantity: { type: 'number', exclusiveMinimum: 0 },
          match: { type: 'string', enum: ['all', 'any'] },
        },
      },
      audience: {
        anyOf: [
          { type: 'object', required: ['type'], properties: { type: { enum: ['public'] } } },
          { type: 'object', nullable: true, enum: [null] },
        ],
      },
      tags: {
        type: 'array',
        items: { type: 'string', maxLength: 5 },
        maxItems: 3,
        uniqueItems: true,
      },
    },
  };

  it('derives values that the schema accepts', () => {
    const validate = new Ajv({ strict: false, formats: { 'date-time': true } }).compile({
      ...schema,
      properties: {
        ...schema.properties,
        audience: { anyOf: [schema.properties.audience.anyOf[0], { type: 'null' }] },
      },
    });
    fc.assert(
      fc.property(fromSchema(schema), (value) => {
        expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it('spoils a body with hostile values, unknown own keys and raw numbers', () => {
    const valid = { title: 'x', goal: { participants: 3 } };
    const spoiled = (how: Spoil) => spoilBody(valid, how);
    expect(spoiled({ kind: 'none' })).toBe(JSON.stringify(valid));
    expect(spoiled({ kind: 'replace', pick: 1, value: '\u0000' })).toContain('\\u0000');
    expect(spoiled({ kind: 'replace', pick: 1, value: '\ud800' })).toContain('\\ud800');
    expect(spoiled({ kind: 'replace', pick: 0, value: '\u0001raw:1e400' })).toBe('1e400');
    expect(spoiled({ kind: 'replace', pick: 0, value: '\u0001raw:deep-array-10000' })).toHaveLength(
      20_001,
    );
    const polluted = JSON.parse(
      spoiled({ kind: 'unknown-field', pick: 0, name: '__proto__', value: { polluted: true } }),
    ) as object;
    expect(Object.keys(polluted)).toContain('__proto__');
    expect(spoiled({ kind: 'whole', value: MEGABYTE }).length).toBeGreaterThan(1024 * 1024);
  });
});

describe('the harness against a throwaway app with broken routes', () => {
  let app: FastifyInstance;
  let operations: Operation[];
  const ADMIN = 'admin-token';

  beforeAll(async () => {
    app = Fastify();
    await app.register(swagger, { openapi: { info: { title: 'broken', version: '0' } } });
    app.get(
      '/crash/:id',
      {
        schema: {
          'x-tandem-access': access.anyone(),
          params: { type: 'object', properties: { id: { type: 'string' } } },
        },
      },
      async (request) => {
        // Crashes on input it did not expect, as a missing check would.
        if (/[^a-z0-9_]/i.test((request.params as { id: string }).id)) throw new Error('boom');
        return { ok: true };
      },
    );
    app.get(
      '/hang',
      { schema: { 'x-tandem-access': access.anyone() } },
      () => new Promise(() => undefined),
    );
    app.get(
      '/leaky',
      { schema: { 'x-tandem-access': access.role('admin') } },
      // Declares admins only, but lets everyone in.
      async () => ({ ok: true }),
    );
    app.get('/undeclared', async () => ({ ok: true }));
    await app.ready();
    operations = operationsOf(app.swagger());
  });
  afterAll(() => app?.close());

  it('the fuzz reports each 5xx and each request left without an answer', async () => {
    const result = await runFuzz({
      operations: operations.filter((o) => o.path !== '/undeclared'),
      sender: new Sender(app, 300),
      context: { tokens: [undefined, ADMIN], ids: ['id_1'], hints: {} },
      seed: 42,
      runs: 8,
    });
    const crashes = result.failures.filter((f) => f.startsWith('GET /crash/{id}'));
    const hangs = result.failures.filter((f) => f.startsWith('GET /hang'));
    expect(crashes.length).toBeGreaterThan(0);
    expect(crashes[0]).toMatch(/→ 500 /);
    expect(hangs).toHaveLength(8);
    expect(hangs[0]).toContain('no answer');
    expect(result.failures.some((f) => f.startsWith('GET /leaky'))).toBe(false);
  });

  it('the matrix reports a route without a rule, and answers other than declared', async () => {
    const result = await runMatrix({
      operations: operations.filter((o) => o.path !== '/hang' && o.path !== '/crash/{id}'),
      sender: new Sender(app, 1000),
      build: async (operation, caller, variant) => {
        if (variant === 'swapped') return null;
        const headers: Record<string, string> = {};
        if (caller !== 'anonymous') headers['authorization'] = `Bearer ${caller}`;
        return { method: operation.method, url: operation.path, headers };
      },
    });
    expect(result.undeclared).toEqual([
      `GET /undeclared declares no access rule: add 'x-tandem-access': access.…(…) to its schema (core/src/http/access.ts).`,
    ]);
    // Everyone but the org's admin and owner and the platform admin gets in where they may not.
    const wrong = result.mismatches.map((line) => line.split(':')[0]);
    expect(wrong).toEqual([
      'GET /leaky as anonymous',
      'GET /leaky as citizen',
      'GET /leaky as member',
      'GET /leaky as agent',
      'GET /leaky as otherAdmin',
    ]);
    expect(result.mismatches[0]).toContain('expected "auth"');
  });

  it('reads a rule with a missing caller as no rule', () => {
    const rule = readRule({
      name: 'GET /x',
      raw: { 'x-tandem-access': { callers: { anonymous: 'allow' } } },
    } as unknown as Operation);
    expect(rule).toMatch(/^GET \/x has no valid expectation for citizen, member/);
  });
});
