import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  screenshot,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';

let site: Site;
let browser: Browser;
beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

describe('the frame every page shares', () => {
  it('switches to English with a plain form (no JavaScript) and remembers it', async () => {
    const page = await browser.page({ javaScript: false, viewport: 'phone' });
    await page.goto(`${site.url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('button', { name: 'Changer' }).click();
    await page.waitForURL(`${site.url}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expect(page.getByRole('link', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await page.reload();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.close();
  });

  it('home: no accessibility violation and no console error, phone and desktop', async () => {
    for (const viewport of ['phone', 'desktop'] as const) {
      const page = await browser.page({ viewport });
      const problems = watchProblems(page);
      await page.goto(`${site.url}/`);
      await page.waitForLoadState('networkidle');
      expect(await accessibilityViolations(page)).toEqual([]);
      await screenshot(page, 'home-fr');
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('a cross-site form post is refused', async () => {
    const answer = await fetch(`${site.url}/locale`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'locale=en&redirectTo=/',
      redirect: 'manual',
    });
    expect(answer.status).toBe(403);
  });
});
