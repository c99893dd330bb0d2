import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  openChallenge,
  startTestPlatform,
  type TestPlatform,
} from '@tandem/core/testing';
import { registerPages } from '../src/pages.js';

/**
 * Security headers of the plain pages, /docs and the API: no framing, no
 * sniffing, no Referer (token pages carry the token in their URL), no
 * inline code but the answer's own, and token pages never cached.
 */

let platform: TestPlatform;
let challengeId: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  registerPages(platform.app, platform);
  ({ challengeId } = await openChallenge(createTestClient(platform.app), platform.adminToken, {
    title: 'Bike',
    actionType: 'pledge-only',
    goal: { participants: 4 },
  }));
});
afterAll(() => platform?.stop());

const get = (url: string) => platform.app.inject({ method: 'GET', url });

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: unknown): Map<string, string[]> {
  expect(typeof header, 'content-security-policy header').toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name as string, values]),
  );
}

function expectCommonHeaders(headers: Record<string, unknown>, url: string) {
  const csp = directives(headers['content-security-policy']);
  expect(csp.get('frame-ancestors'), url).toEqual(["'none'"]);
  expect(headers['x-content-type-options'], url).toBe('nosniff');
  expect(headers['referrer-policy'], url).toBe('no-referrer');
  return csp;
}

describe('security headers', () => {
  for (const url of ['/sign-in?token=secret-token-123', '/confirm?token=secret-token-123']) {
    it(`${url.split('?')[0]}: CSP with nonces, no-referrer, no-store`, async () => {
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      const csp = expectCommonHeaders(response.headers, url);
      expect(response.headers['cache-control']).toBe('no-store');
      const scriptSrc = csp.get('script-src') ?? [];
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      // Every inline script and style carries the nonce the policy allows.
      const scripts = [...response.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
      expect(scripts.length).toBeGreaterThan(0);
      for (const attributes of scripts) {
        const nonce = /nonce="([^"]+)"/.exec(attributes)?.[1];
        expect(scriptSrc).toContain(`'nonce-${nonce}'`);
      }
      const styleNonce = /<style nonce="([^"]+)"/.exec(response.body)?.[1];
      expect(csp.get('style-src')).toContain(`'nonce-${styleNonce}'`);
    });
  }

  it('the unsubscribe page: no-store, no framing, no referrer', async () => {
    const url = '/api/reminders/unsubscribe?token=secret-token-123';
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    expectCommonHeaders(response.headers, url);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('a challenge page has no inline style attribute the policy would block', async () => {
    const response = await get(`/c/${challengeId}`);
    expect(response.statusCode).toBe(200);
    expectCommonHeaders(response.headers, '/c');
    expect(response.body).not.toMatch(/\sstyle=/);
    expect(response.body).not.toMatch(/<script(?![^>]*nonce=)/);
  });

  it('the API answers carry the headers too', async () => {
    const response = await get('/api/health');
    expect(response.statusCode).toBe(200);
    expectCommonHeaders(response.headers, '/api/health');
  });

  it('/docs still works under the policy: every asset it loads is same-origin and served', async () => {
    const response = await get('/docs/');
    expect(response.statusCode).toBe(200);
    const csp = expectCommonHeaders(response.headers, '/docs/');
    expect(csp.get('script-src')).toContain("'self'");
    expect(response.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>\s*\S/);
    const assets = [...response.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset, 'same origin').not.toMatch(/^[a-z]+:\/\//i);
      const url = new URL(asset, 'http://tandem.test/docs/').pathname;
      const loaded = await get(url);
      expect(loaded.statusCode, url).toBe(200);
    }
    const initializer = await get('/docs/static/swagger-initializer.js');
    expect(initializer.statusCode).toBe(200);
    expect((await get('/docs/json')).statusCode).toBe(200);
  });
});
