import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { unique } from '@tandem/core/testing';
import {
  launchBrowser,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { createWorld, pledgeThroughApi, type World } from './support/world.js';

let site: Site;
let browser: Browser;
let world: World;

beforeAll(async () => {
  // One live stream per address: a second tab from the same place is refused (429).
  site = await startSite({ TANDEM_STREAMS_PER_IP: '1' });
  browser = await launchBrowser();
  world = await createWorld(site, { participants: 10, amount: 500 });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

const progressValue = (page: Page) =>
  page.locator('section[aria-labelledby="progress-title"] progress').first().getAttribute('value');

describe('live updates when no stream can be held', () => {
  it('a page whose stream is refused polls instead, and still follows the count', async () => {
    const first = await browser.page();
    await first.goto(`${site.url}/c/${world.challengeId}`);
    await first.getByText('Mises à jour en direct.').waitFor();

    const second = await browser.page({ viewport: 'phone' });
    const problems = watchProblems(second);
    const polled = second.waitForResponse(
      (answer) =>
        answer.url().endsWith(`/api/challenges/${world.challengeId}`) && answer.status() === 200,
    );
    await second.goto(`${site.url}/c/${world.challengeId}`);
    await polled;
    expect(await progressValue(second)).toBe('0');

    await pledgeThroughApi(site, world.challengeId, `poll-${unique()}@example.org`);
    await expect.poll(() => progressValue(second), { timeout: 25_000, interval: 500 }).toBe('1');
    await expect.poll(() => progressValue(first), { timeout: 10_000 }).toBe('1');
    // The refused stream is the browser's own report; nothing else went wrong.
    expect(problems.filter((problem) => !problem.includes('429'))).toEqual([]);
    await second.close();
    await first.close();
  });
});
