import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import { startTestIdp, type TestIdp } from '../../../core/src/testing/oidc-idp.js';
import {
  hasSession,
  inspect,
  launchBrowser,
  must,
  signIn,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { organizationWithMembers } from './support/world.js';

/**
 * Company sign-in (ADR 0044) in a real Chromium against a real Tandem and a
 * real OpenID provider started here: an admin configures the provider in
 * the console; a member signs in from the organization's page without
 * JavaScript and comes back signed in; the sign-in page finds the
 * organization by its identifier; an account the member rule refuses
 * lands on the sign-in page with the reason, in the reader's language.
 * (axe runs on pages with scripts on: it cannot run without them.)
 */

let site: Site;
let browser: Browser;
let idp: TestIdp;
let slug: string;
const name = 'Acme Mobilité';
const adminEmail = `admin-${unique()}@example.org`;

beforeAll(async () => {
  site = await startSite({ TANDEM_SSO_ALLOW_PRIVATE_NETWORKS: '1' });
  browser = await launchBrowser();
  slug = await organizationWithMembers(site, {
    slug: `acme-${unique()}`,
    name,
    kind: 'company',
    members: [{ email: adminEmail, role: 'admin' }],
  });
  const settings = must<{ callbackUrl: string }>(
    await site.api.get(`/api/organizations/${slug}/sso`, site.adminToken),
    200,
    'read sso settings',
  );
  idp = await startTestIdp([
    { clientId: 'tandem', clientSecret: 'console-secret', redirectUri: settings.callbackUrl },
  ]);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await idp?.close();
});

describe('company sign-in in the browser', () => {
  it('an admin configures the provider; the callback URL to register is shown, the secret never', async () => {
    const page = await browser.page({ locale: 'en' });
    const problems = watchProblems(page);
    await signIn(site, page, adminEmail, `/admin/${slug}/sso`);
    await page.getByRole('heading', { name: `Company sign-in for ${name}` }).waitFor();
    expect(await page.getByText(`/api/auth/sso/${slug}/callback`).count()).toBe(1);
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Client ID').fill('tandem');
    await page.getByLabel('Client secret').fill('console-secret');
    await page.getByLabel('Member claim').fill('groups');
    await page.getByLabel('Accepted values').fill('tandem\nstaff');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Company sign-in is saved.').waitFor();
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain('console-secret');
    await inspect(page, 'sso-console', ['phone', 'desktop']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a member signs in from the organization’s page without JavaScript and comes back signed in', async () => {
    const subject = `ann-${unique()}`;
    idp.accounts.set(subject, { name: 'Ann', groups: ['tandem'] });
    idp.signInAs(subject);
    // axe needs scripts: the page is looked at with them, then used without.
    const looked = await browser.page({ locale: 'fr' });
    await looked.goto(`${site.url}/o/${slug}`, { waitUntil: 'networkidle' });
    await inspect(looked, 'sso-organization-page', ['phone', 'desktop']);
    await looked.close();
    const page = await browser.page({ javaScript: false, locale: 'fr' });
    await page.goto(`${site.url}/o/${slug}`);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.getByRole('link', { name: `Se connecter avec ${name}` }).click();
    await page
      .waitForURL((url) => url.pathname === `/o/${slug}` && url.origin === site.url, {
        timeout: 20_000,
      })
      .catch((error: unknown) => {
        throw new Error(`stopped at ${page.url()} after ${requests.join(' → ')}`, {
          cause: error,
        });
      });
    expect(await hasSession(site, page)).toBe(true);
    const me = await page.request.get(`${site.url}/api/me`);
    expect((await me.json()).kind).toBe('participant');
    await page.close();
  });

  it('the sign-in page finds the organization by its identifier, and says why an account is refused', async () => {
    const subject = `eve-${unique()}`;
    idp.accounts.set(subject, { groups: ['contractors'] });
    idp.signInAs(subject);
    const page = await browser.page({ locale: 'en' });
    await page.context().clearCookies();
    await page.goto(`${site.url}/sign-in`, { waitUntil: 'networkidle' });
    const problems = watchProblems(page);
    await page.getByRole('textbox', { name: 'Your organization' }).fill(slug.toUpperCase());
    await page.getByRole('button', { name: 'Find my organization' }).click();
    const go = page.getByRole('link', { name: `Continue to ${name}’s sign-in` });
    await go.waitFor();
    await inspect(page, 'sso-sign-in', ['phone', 'desktop']);
    await go.click();
    await page.waitForURL((url) => url.pathname === '/sign-in' && url.searchParams.has('sso'));
    await page.getByRole('alert').filter({ hasText: 'does not make you a member' }).waitFor();
    expect(await hasSession(site, page)).toBe(false);
    await inspect(page, 'sso-refused', ['phone']);

    await page.goto(`${site.url}/sign-in?organization=nobody-${unique()}`);
    await page.getByRole('alert').filter({ hasText: 'no sign-in of its own' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a members-only challenge sends a visitor to the organization’s sign-in and back to it', async () => {
    const campaign = must<{ id: string }>(
      await site.api.post(
        `/api/organizations/${slug}/campaigns`,
        { title: 'Staff', audience: { type: 'members' } },
        site.adminToken,
      ),
      201,
      'campaign',
    );
    const challenge = must<{ id: string }>(
      await site.api.post(
        `/api/campaigns/${campaign.id}/challenges`,
        { title: 'Vélo au bureau', actionType: 'pledge-only', goal: { participants: 5 } },
        site.adminToken,
      ),
      201,
      'challenge',
    );
    must(
      await site.api.post(`/api/challenges/${challenge.id}/open`, undefined, site.adminToken),
      200,
      'open',
    );
    const subject = `kim-${unique()}`;
    idp.accounts.set(subject, { groups: ['staff'] });
    idp.signInAs(subject);
    const page = await browser.page({ javaScript: false, locale: 'en' });
    await page.goto(`${site.url}/c/${challenge.id}`);
    expect(new URL(page.url()).searchParams.get('organization')).toBe(slug);
    await page.getByRole('link', { name: `Continue to ${name}’s sign-in` }).click();
    await page.waitForURL((url) => url.pathname === `/c/${challenge.id}`);
    await page.getByRole('heading', { level: 1, name: 'Vélo au bureau' }).waitFor();
    expect(await hasSession(site, page)).toBe(true);
    await page.close();
  });
});
