import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../testing/index.js';

describe('OpenAPI at /docs', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform?.stop());

  it('describes every route of the contract, with request and response schemas', async () => {
    const response = await platform.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const spec = response.json() as {
      paths: Record<
        string,
        Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>
      >;
    };
    const expected: [string, string][] = [
      ['/api/organizations', 'post'],
      ['/api/organizations/{slug}', 'get'],
      ['/api/organizations/{slug}/members', 'post'],
      ['/api/organizations/{slug}/beneficiaries', 'post'],
      ['/api/organizations/{slug}/campaigns', 'post'],
      ['/api/campaigns/{id}', 'get'],
      ['/api/campaigns/{id}/challenges', 'post'],
      ['/api/challenges/{id}/open', 'post'],
      ['/api/challenges/{id}', 'get'],
      ['/api/challenges/{id}/pledges', 'post'],
      ['/api/pledges/confirm', 'post'],
      ['/api/pledges/{id}', 'delete'],
      ['/api/challenges/{id}/contributions', 'post'],
      ['/api/auth/magic-link', 'post'],
      ['/api/auth/session', 'post'],
      ['/api/health', 'get'],
      ['/api/campaigns/{id}/report.pdf', 'get'],
      ['/api/campaigns/{id}/attestation', 'get'],
      ['/.well-known/jwks.json', 'get'],
    ];
    for (const [path, method] of expected) {
      const operation = spec.paths[path]?.[method];
      expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(
        Object.keys(operation?.responses ?? {}).length,
        `${method} ${path} responses`,
      ).toBeGreaterThan(0);
      if (method === 'post' && !path.endsWith('/open')) {
        expect(operation?.requestBody, `${method} ${path} body`).toBeDefined();
      }
    }
  });

  it('is valid OpenAPI 3.1 (core alone)', async () => {
    const response = await platform.app.inject({ method: 'GET', url: '/docs/json' });
    const spec = response.json() as OpenAPIV3_1.Document;
    expect(spec.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(spec) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('serves the interactive documentation page', async () => {
    const response = await platform.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/html/);
  });
});
