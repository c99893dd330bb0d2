import { validate, compileErrors } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTableOf } from '@tandem/core';
import { startTestPlatform, type TestPlatform } from '@tandem/core/testing';
import { plugins } from '../src/tandem.config.js';

/**
 * The document served at /docs/json, with every plugin this server runs:
 * it must be valid OpenAPI (a client generator or a fuzzer reads it), and
 * no request body may drop a field silently.
 */

let platform: TestPlatform;
let document: OpenAPIV3_1.Document;

beforeAll(async () => {
  platform = await startTestPlatform({ plugins });
  const response = await platform.app.inject({ method: 'GET', url: '/docs/json' });
  expect(response.statusCode).toBe(200);
  document = response.json() as OpenAPIV3_1.Document;
});
afterAll(() => platform?.stop());

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Operation = { path: string; method: string; operation: OpenAPIV3_1.OperationObject };

const operations = (): Operation[] =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item?.[method];
      return operation ? [{ path, method, operation }] : [];
    }),
  );

/** Every place in a schema that lists properties but lets others through. */
function openObjects(schema: unknown, where: string, seen = new Set<unknown>()): string[] {
  if (schema === null || typeof schema !== 'object' || seen.has(schema)) return [];
  seen.add(schema);
  const node = schema as Record<string, unknown>;
  const found: string[] = [];
  if (
    node['properties'] &&
    Object.keys(node['properties'] as object).length > 0 &&
    node['additionalProperties'] !== false
  ) {
    found.push(where || '(body)');
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties') {
      for (const [name, property] of Object.entries(value as Record<string, unknown>)) {
        found.push(...openObjects(property, `${where}/${name}`, seen));
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) =>
        found.push(...openObjects(item, `${where}/${key}[${index}]`, seen)),
      );
    } else if (typeof value === 'object') {
      found.push(...openObjects(value, `${where}/${key}`, seen));
    }
  }
  return found;
}

describe('OpenAPI document at /docs/json, every plugin registered', () => {
  it('declares OpenAPI 3.1 and passes a standard validator', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('lists the plugins’ routes beside core’s', () => {
    const paths = Object.keys(document.paths ?? {});
    expect(paths).toContain('/api/challenges/{id}/pledges');
    expect(paths).toContain('/api/organizations/{slug}/webhooks');
    expect(paths).toContain('/api/organizations/{slug}/collection-points');
    expect(paths).toContain('/api/challenges/{id}/tiers/{tierId}/fulfill');
  });

  it('refuses unknown fields in every request body: additionalProperties is false wherever properties are listed', () => {
    const offenders: string[] = [];
    let bodies = 0;
    for (const { path, method, operation } of operations()) {
      const body = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
      for (const [type, media] of Object.entries(body?.content ?? {})) {
        bodies++;
        for (const spot of openObjects(media.schema, '')) {
          offenders.push(`${method.toUpperCase()} ${path} (${type}) ${spot}`);
        }
      }
    }
    expect(bodies).toBeGreaterThan(15);
    expect(offenders).toEqual([]);
  });

  it('does the same for routes kept out of the document (the route table, /ops included)', () => {
    const offenders: string[] = [];
    const routes = routeTableOf(platform.app);
    for (const route of routes) {
      const body = route.schema?.['body'];
      if (!body) continue;
      for (const spot of openObjects(body, ''))
        offenders.push(`${route.method} ${route.url} ${spot}`);
    }
    expect(routes.some((route) => route.url === '/ops/session')).toBe(true);
    expect(offenders).toEqual([]);
  });

  it('refuses a body on every write that declares none, rather than dropping it', async () => {
    let checked = 0;
    for (const { path, method, operation } of operations()) {
      if (method === 'get' || operation.requestBody || !path.startsWith('/api/')) continue;
      const url = path.replace(/\{[^}]+\}/g, 'unknown-id');
      const response = await platform.app.inject({
        method: method.toUpperCase() as 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ unexpected: true }),
      });
      checked++;
      expect(response.statusCode, `${method.toUpperCase()} ${path}: ${response.body}`).toBe(400);
      expect(response.json().error).toBe('TANDEM_REQUEST_UNKNOWN_FIELD');
      // An empty body (or `{}`) is still the ordinary call.
      const empty = await platform.app.inject({
        method: method.toUpperCase() as 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(empty.statusCode, `${method.toUpperCase()} ${path} with {}`).not.toBe(400);
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('answers 4xx, never 5xx, to NUL in a path parameter or a body string, on every operation', async () => {
    let probes = 0;
    for (const { path, method, operation } of operations()) {
      if (!path.startsWith('/api/') || !path.includes('{')) continue;
      const url = path.replace(/\{[^}]+\}/g, 'x%00y');
      const body = operation.requestBody ? JSON.stringify({}) : undefined;
      for (const authorization of [undefined, `Bearer ${platform.adminToken}`]) {
        const response = await platform.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: {
            ...(authorization ? { authorization } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { payload: body } : {}),
        });
        probes++;
        expect(
          response.statusCode,
          `${method.toUpperCase()} ${url}: ${response.body}`,
        ).toBeLessThan(500);
        // Refused as input, except where a partner's credentials are checked first.
        expect([400, 401], `${method.toUpperCase()} ${url}`).toContain(response.statusCode);
      }
    }
    for (const { path, method, operation } of operations()) {
      const body = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
      const schema = body?.content?.['application/json']?.schema as
        { properties?: Record<string, { type?: string }> } | undefined;
      const field = Object.entries(schema?.properties ?? {}).find(
        ([, p]) => p.type === 'string',
      )?.[0];
      if (!field || !path.startsWith('/api/')) continue;
      const response = await platform.app.inject({
        method: method.toUpperCase() as 'POST',
        url: path.replace(/\{[^}]+\}/g, 'unknown'),
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${platform.adminToken}`,
        },
        payload: JSON.stringify({ [field]: 'a\u0000\ud800' }),
      });
      probes++;
      expect(
        response.statusCode,
        `${method.toUpperCase()} ${path} ${field}: ${response.body}`,
      ).toBeLessThan(500);
      if (response.statusCode === 400) expect(response.json().error).toMatch(/^TANDEM_REQUEST_/);
    }
    expect(probes).toBeGreaterThan(40);
  });
});
