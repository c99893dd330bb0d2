import {
  createTestClient,
  startTestPlatform,
  type TestPlatform,
  unique,
} from '@tandem/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { webhooksPlugin } from './index.js';

/** The plugin as production runs it: private networks refused (SSRF). */

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ plugins: [webhooksPlugin] });
});
afterAll(async () => {
  await platform?.stop();
});

it('refuses endpoints on loopback, private or link-local addresses, naming the url field', async () => {
  const client = createTestClient(platform.app);
  const admin = { token: platform.adminToken };
  const slug = unique('org');
  expect(
    (await client.post('/api/organizations', { slug, name: slug, kind: 'company' }, admin)).status,
  ).toBe(201);
  const register = (url: string) =>
    client.post(`/api/organizations/${slug}/webhooks`, { url, events: ['*'] }, admin);

  for (const url of [
    'http://127.0.0.1:3000/hook',
    'http://localhost:6379/',
    'http://[::1]/hook',
    'http://169.254.169.254/latest/meta-data/',
    'https://192.168.1.10/hook',
    'http://10.0.0.7/hook',
  ]) {
    const refused = await register(url);
    expect(refused.status, url).toBe(400);
    expect(refused.body.error).toBe('TANDEM_REQUEST_INVALID');
    expect(refused.body.details[0].path).toBe('url');
  }
  const accepted = await register('https://hooks.example.com/tandem');
  expect(accepted.status).toBe(201);
});
