import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
let folder: string;

/**
 * The smallest valid PMTiles v3 archive: a 127-byte header, an empty root
 * directory, `{}` as metadata, no tiles (vector, zoom 0 only).
 */
function emptyPmtiles(): Buffer {
  const header = Buffer.alloc(127);
  header.write('PMTiles', 0, 'ascii');
  header.writeUInt8(3, 7);
  const u64 = (offset: number, value: number) => header.writeBigUInt64LE(BigInt(value), offset);
  u64(8, 127); // root directory offset
  u64(16, 1); // root directory length
  u64(24, 128); // metadata offset
  u64(32, 2); // metadata length
  u64(40, 130); // leaf directories
  u64(56, 130); // tile data
  header.writeUInt8(1, 96); // clustered
  header.writeUInt8(1, 97); // internal compression: none
  header.writeUInt8(1, 98); // tile compression: none
  header.writeUInt8(1, 99); // tile type: MVT
  header.writeInt32LE(-1_800_000_000, 102);
  header.writeInt32LE(-850_000_000, 106);
  header.writeInt32LE(1_800_000_000, 110);
  header.writeInt32LE(850_000_000, 114);
  return Buffer.concat([header, Buffer.from([0]), Buffer.from('{}')]);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tandem-basemap-'));
  const basemap = join(folder, 'basemap.pmtiles');
  await writeFile(basemap, emptyPmtiles());
  site = await startSite({
    // One live stream per address: a second tab from the same place is refused (429).
    TANDEM_STREAMS_PER_IP: '1',
    TANDEM_MAP_PMTILES: basemap,
    TANDEM_MAP_ATTRIBUTION: '© Test basemap',
  });
  browser = await launchBrowser();
  world = await createWorld(site, { participants: 10, amount: 500 });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await rm(folder, { recursive: true, force: true });
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

describe("the operator's PMTiles basemap", () => {
  it('is served from this site by byte ranges, and the map reads it without an error', async () => {
    const slice = await fetch(`${site.url}/map/basemap.pmtiles`, {
      headers: { range: 'bytes=0-6' },
    });
    expect(slice.status).toBe(206);
    expect(slice.headers.get('content-range')).toBe('bytes 0-6/130');
    expect(await slice.text()).toBe('PMTiles');
    const beyond = await fetch(`${site.url}/map/basemap.pmtiles`, {
      headers: { range: 'bytes=500-600' },
    });
    expect(beyond.status).toBe(416);

    const page = await browser.page({ viewport: 'desktop' });
    const problems = watchProblems(page);
    const read = page.waitForResponse((answer) => answer.url().endsWith('/map/basemap.pmtiles'));
    await page.goto(`${site.url}/c/${world.challengeId}`);
    expect((await read).status()).toBe(206);
    await page.locator('.map[data-framed]').waitFor();
    await page.getByText('© Test basemap').first().waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
    await page.close();
  });
});
