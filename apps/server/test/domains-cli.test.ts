import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestClient,
  newOrganization,
  startTestPlatform,
  unique,
  type TestClient,
  type TestPlatform,
} from '@tandem/core/testing';
import { domainsCommand } from '../src/domains.js';

/**
 * `tandem domains`: the platform admin verifies an organization's e-mail
 * domains from the command line (ADR 0044); the API then lists them.
 */

let platform: TestPlatform;
let client: TestClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
});
afterAll(() => platform?.stop());

describe('tandem domains', () => {
  it('verifies, lists and removes a domain; refuses a bad one and an unknown organization', async () => {
    const org = await newOrganization(client, platform.adminToken, { kind: 'company' });
    const domain = `${unique()}.example.org`;

    const verified = await domainsCommand(platform, ['verify', org.slug, domain.toUpperCase()]);
    expect(verified).toEqual({ code: 0, out: [`${domain} is verified for ${org.slug}.`], err: [] });
    const listed = await domainsCommand(platform, ['list', org.slug]);
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toContain(domain);
    const read = await client.get(`/api/organizations/${org.slug}/domains`, {
      token: platform.adminToken,
    });
    expect(read.body.items.map((d: { domain: string }) => d.domain)).toEqual([domain]);

    expect((await domainsCommand(platform, ['verify', org.slug, 'not a domain'])).code).toBe(1);
    const unknown = await domainsCommand(platform, ['verify', `nobody-${unique()}`, domain]);
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toContain('nobody-');
    expect((await domainsCommand(platform, ['burn', org.slug])).code).toBe(2);
    expect((await domainsCommand(platform, ['verify', org.slug])).code).toBe(2);

    expect((await domainsCommand(platform, ['remove', org.slug, domain])).code).toBe(0);
    expect((await domainsCommand(platform, ['list', org.slug])).out).toEqual([
      `No domain is verified for ${org.slug}.`,
    ]);
    expect((await domainsCommand(platform, ['remove', org.slug, domain])).code).toBe(1);
  });
});
