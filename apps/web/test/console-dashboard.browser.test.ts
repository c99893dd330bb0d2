import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import {
  accessibilityViolations,
  launchBrowser,
  must,
  signIn,
  screenshot,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { bikeTripRecorded, organizationWithMembers, pledgeThroughApi } from './support/world.js';

/**
 * The campaign dashboard (ADR 0038): an admin signs in by the mailed link,
 * opens the dashboard of a campaign with two teams and a commute challenge
 * whose tier matches each km up to a cap, and watches it move as
 * contributions arrive through the API — headline counters, the charts'
 * data tables, the ranking and what the tier owes; the CSV downloads.
 */

let site: Site;
let browser: Browser;
beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

interface Setup {
  slug: string;
  campaignId: string;
  challengeId: string;
  adminEmail: string;
  path: string;
}

/** An organization with an admin, a campaign with two teams, an open commute challenge with a capped matching tier. */
async function setUp(): Promise<Setup> {
  const admin = site.adminToken;
  const slug = `dash-${unique()}`;
  const adminEmail = `admin-${unique()}@example.org`;
  await organizationWithMembers(site, {
    slug,
    name: `Entreprise ${slug.slice(-5)}`,
    kind: 'company',
    members: [{ email: adminEmail, role: 'admin' }],
  });
  const beneficiary = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: 'Atelier vélo solidaire' },
      admin,
    ),
    201,
    'beneficiary',
  );
  const campaign = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${slug}/campaigns`,
      {
        title: 'Semaine de la mobilité',
        audience: { type: 'public' },
        teams: [
          { slug: 'compta', name: 'Comptabilité' },
          { slug: 'atelier', name: 'Atelier' },
        ],
      },
      admin,
    ),
    201,
    'campaign',
  );
  const challenge = must<{ id: string }>(
    await site.api.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title: 'Au travail à vélo',
        actionType: 'commute',
        deadline: new Date(Date.now() + 20 * 86_400_000).toISOString(),
        tiers: [
          {
            goal: { participants: 2 },
            counterpart: {
              kind: 'matching',
              perUnit: { value: 0.5, currency: 'EUR' },
              cap: { value: 20, currency: 'EUR' },
              beneficiaryId: beneficiary.id,
            },
          },
          {
            goal: { participants: 50 },
            counterpart: { kind: 'act', description: 'un parking vélo couvert' },
          },
        ],
      },
      admin,
    ),
    201,
    'challenge',
  );
  must(await site.api.post(`/api/challenges/${challenge.id}/open`, {}, admin), 200, 'open');
  return {
    slug,
    campaignId: campaign.id,
    challengeId: challenge.id,
    adminEmail,
    path: `/admin/${slug}/campaigns/${campaign.id}/dashboard`,
  };
}

/** A pledge for a team, confirmed by mail, then `km` by bike recorded by the organization. */
async function commute(setup: Setup, team: string, km: number[]): Promise<void> {
  const email = `${team}-${unique()}@example.org`;
  await pledgeThroughApi(site, setup.challengeId, email, {
    team,
    details: { previousMode: 'car' },
  });
  for (const distance of km) await bikeTripRecorded(site, setup.challengeId, email, distance);
}

/** A headline figure as shown (French digits: narrow spaces, decimal comma). */
const figure = (page: Page, name: 'participants' | 'quantity' | 'co2e') =>
  page.locator(`[data-figure="${name}"]`);

/** The last row's value of a chart's data table. */
async function lastValue(page: Page, chart: string): Promise<string> {
  const cells = page.locator(`#${chart}-data tbody tr td`);
  const count = await cells.count();
  return count === 0 ? '' : ((await cells.nth(count - 1).textContent()) ?? '').trim();
}

/** The ranking table's rows as "rank team participants km". */
async function ranking(page: Page): Promise<string[]> {
  const rows = page.locator('#dash-ranking-table tbody tr');
  const lines: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = await rows.nth(i).locator('th, td').allTextContents();
    lines.push(cells.map((cell) => cell.trim()).join(' '));
  }
  return lines;
}

describe('the campaign dashboard', () => {
  it('moves as contributions arrive: counters, chart data, ranking, owed; downloads the CSV', async () => {
    const setup = await setUp();
    const page = await browser.page({ viewport: 'desktop' });
    const problems = watchProblems(page);
    await signIn(site, page, setup.adminEmail, setup.path);
    await page
      .getByRole('heading', { level: 1, name: 'Tableau de bord : Semaine de la mobilité' })
      .waitFor();
    await expect(figure(page, 'participants').textContent()).resolves.toBe('0');
    expect(await lastValue(page, 'dash-participants')).toBe('0');
    // The charts are drawn in the browser, with a summary as the canvas's name.
    await page.locator('#dash-participants-title + .canvas canvas').waitFor();
    const canvas = page.locator('figure[aria-labelledby="dash-quantity-title"] canvas');
    expect(await canvas.getAttribute('role')).toBe('img');
    expect(await canvas.getAttribute('aria-label')).toMatch(/Quantité par jour \(km\)/);

    // Contributions arrive while the page is open.
    await commute(setup, 'atelier', [12, 8]);
    await commute(setup, 'compta', [6]);

    // The headline moves with the live stream; the rest follows its reload.
    await expect
      .poll(() => figure(page, 'participants').textContent(), { timeout: 20_000 })
      .toBe('2');
    await expect.poll(() => figure(page, 'quantity').textContent(), { timeout: 20_000 }).toBe('26');
    await expect.poll(() => lastValue(page, 'dash-participants'), { timeout: 20_000 }).toBe('2');
    await expect.poll(() => lastValue(page, 'dash-quantity'), { timeout: 20_000 }).toBe('26');
    await expect
      .poll(async () => (await ranking(page))[0], { timeout: 20_000 })
      .toMatch(/^1 Atelier 1 20 /);
    const rows = await ranking(page);
    expect(rows[0]).toMatch(/^1 Atelier 1 20 /);
    expect(rows[1]).toMatch(/^2 Comptabilité 1 6 /);
    // 26 km at 0,50 € a km: 13 € owed so far, under the 20 € cap.
    const owed = page.locator('[data-owed]').first();
    await expect.poll(() => owed.textContent(), { timeout: 20_000 }).toMatch(/13\s?€/);

    // Enough km to reach the cap: the tier owes 20 €, no more.
    await commute(setup, 'compta', [30, 20]);
    await expect
      .poll(() => owed.textContent(), { timeout: 20_000 })
      .toMatch(/20\s?€ \(plafond atteint\)/);
    await expect
      .poll(async () => (await ranking(page))[0], { timeout: 20_000 })
      .toMatch(/^1 Comptabilité 2 56 /);

    // The recent activity lists what came in.
    await expect
      .poll(() => page.locator('[aria-labelledby="dash-activity"] li').count(), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);

    // The report downloads as CSV with the session cookie.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Rapport (CSV)' }).click(),
    ]);
    const csv = await readFile((await download.path()) as string, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^challenge_id,title,action_type,unit/);
    expect(csv).toContain('Au travail à vélo');

    expect(await accessibilityViolations(page)).toEqual([]);
    // The data tables too, opened.
    for (const summary of await page.locator('details summary').all()) await summary.click();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-dashboard');
    const tablet = await browser.page({ viewport: 'tablet' });
    await tablet.goto(`${site.url}${setup.path}`);
    await tablet.locator('#dash-co2e-title + .canvas canvas').waitFor();
    expect(await accessibilityViolations(tablet)).toEqual([]);
    await screenshot(tablet, 'console-dashboard');
    // The refusal of an unknown team, tied to its field.
    await tablet.goto(`${site.url}${setup.path}?team=nowhere`);
    expect(await tablet.getByLabel('Équipe', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(await accessibilityViolations(tablet)).toEqual([]);
    await tablet.close();
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);

  it('filters by team with a plain form, without JavaScript, and keeps others out', async () => {
    const setup = await setUp();
    await commute(setup, 'atelier', [10]);
    await commute(setup, 'compta', [4]);
    const page = await browser.page({ viewport: 'tablet', javaScript: false });
    // A browser without JavaScript signs in with the same forms.
    await signIn(site, page, setup.adminEmail, setup.path);

    expect(await lastValue(page, 'dash-quantity')).toBe('14');
    await page.getByLabel('Équipe', { exact: true }).selectOption('compta');
    await page.getByRole('button', { name: 'Afficher' }).click();
    await page.waitForURL((url) => url.searchParams.get('team') === 'compta');
    await page.getByRole('heading', { name: 'Au fil des jours : équipe Comptabilité' }).waitFor();
    expect(await lastValue(page, 'dash-quantity')).toBe('4');
    expect(await lastValue(page, 'dash-participants')).toBe('1');

    // An unknown team is named beside the field; all teams are shown.
    await page.goto(`${site.url}${setup.path}?team=nowhere`);
    await expect(page.locator('#dash-team-error').textContent()).resolves.toContain('nowhere');
    expect(await lastValue(page, 'dash-quantity')).toBe('14');
    // (axe needs JavaScript: the first test checks this page, the error included.)
    await page.close();

    // Someone of no role in the organization: the console says nothing of it.
    const stranger = await browser.page({ viewport: 'desktop' });
    await stranger.context().clearCookies();
    const strangerEmail = `stranger-${unique()}@example.org`;
    await signIn(site, stranger, strangerEmail, '/me');
    const refused = await stranger.goto(`${site.url}${setup.path}`);
    expect(refused?.status()).toBe(404);
    await stranger.close();
  }, 180_000);
});
