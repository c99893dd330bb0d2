import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { unique } from '@tandem/core/testing';
import {
  accessibilityViolations,
  launchBrowser,
  mailedToken,
  must,
  screenshot,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { createWorld, pledgeThroughApi, type World } from './support/world.js';

/** Clichy, where the crowd pledges, and Marseille, where one person pledges alone. */
const CLICHY = { lat: 48.9, lon: 2.31 };
const MARSEILLE = { lat: 43.3, lon: 5.37 };
const GOAL = 20;

let site: Site;
let browser: Browser;
let world: World;
const problems: string[] = [];

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  world = await createWorld(site, { participants: GOAL, amount: 1000 });
  // Every EventSource a page opens is kept where the tests can see it.
  await browser.context.addInitScript(() => {
    const scope = globalThis as unknown as {
      EventSource: new (url: string) => { readyState: number };
      __streams: { readyState: number }[];
    };
    const Original = scope.EventSource;
    scope.__streams = [];
    scope.EventSource = class extends Original {
      constructor(url: string) {
        super(url);
        scope.__streams.push(this);
      }
    } as typeof Original;
  });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

const challengeUrl = () => `${site.url}/c/${world.challengeId}`;

/** A page that records its console errors into {@link problems}. */
async function open(options: Parameters<Browser['page']>[0] = {}): Promise<Page> {
  const page = await browser.page(options);
  const seen = watchProblems(page);
  page.on('close', () => problems.push(...seen));
  return page;
}

/**
 * The `readyState` of every EventSource the page opened (0 connecting, 1
 * open, 2 closed), recorded by an init script set on the context.
 */
const streams = (page: Page) =>
  page.evaluate(() =>
    ((globalThis as unknown as { __streams?: { readyState: number }[] }).__streams ?? []).map(
      (source) => source.readyState,
    ),
  );

/** Makes the page believe its tab was hidden or shown (what switching tabs does). */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate(
    `Object.defineProperty(document, 'hidden', { value: ${hidden}, configurable: true });
     document.dispatchEvent(new Event('visibilitychange'));`,
  );

/** The participants measure's `<progress>` value, as the page shows it now. */
const progressValue = (page: Page) =>
  page.locator('section[aria-labelledby="progress-title"] progress').first().getAttribute('value');

describe('the challenge page', () => {
  it('says the promise in plain words and the progress as absolute counts', async () => {
    const page = await open({ viewport: 'phone' });
    await page.goto(challengeUrl());
    // The text as written (CSS upper-cases SI and ALORS on screen).
    const promise = ((await page.locator('.if-then').first().textContent()) ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    expect(promise).toContain(`Si ${GOAL} habitants s'engagent`);
    expect(promise).toContain(`alors ${world.orgName} donne 1 000 € à ${world.beneficiary}.`);
    const label = page.locator('label', { has: page.locator('progress') }).first();
    expect(await label.innerText()).toContain(`0 habitants sur ${GOAL}`);

    // The share card: title, progress in the description, a static image.
    const meta = (property: string) =>
      page.locator(`meta[property="${property}"]`).getAttribute('content');
    expect(await meta('og:title')).toBe('Bike2Work');
    expect(await meta('og:description')).toBe("0 personnes engagées, 0 % de l'objectif. Et vous ?");
    expect(await meta('og:url')).toBe(challengeUrl());
    const image = await fetch((await meta('og:image')) ?? '');
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/png']);
    await page.close();
  });

  it('a visitor pledges with a location and confirms from the mail; another open page follows live', async () => {
    const watcher = await open({ viewport: 'desktop' });
    await watcher.goto(challengeUrl());
    await watcher.getByText('Mises à jour en direct.').waitFor();
    expect(await progressValue(watcher)).toBe('0');

    await browser.context.grantPermissions(['geolocation'], { origin: site.url });
    await browser.context.setGeolocation({ latitude: 48.90412, longitude: 2.30587 });
    const visitor = await open({ viewport: 'phone' });
    await visitor.goto(challengeUrl());
    const email = `claire-${unique()}@example.org`;
    await visitor.getByLabel('Adresse électronique').fill(email);
    await visitor.locator('#pledge-name').fill('Claire');
    await visitor.getByLabel('Mon prénom ou pseudonyme').check();
    await visitor.getByRole('button', { name: 'Utiliser ma position (approximative)' }).click();
    await visitor.getByText('Position approximative ajoutée').waitFor();
    // Rounded in the browser before it is sent: about a kilometre.
    expect(await visitor.locator('input[name="location/lat"]').inputValue()).toBe('48.90');
    expect(await visitor.locator('input[name="location/lon"]').inputValue()).toBe('2.31');
    await visitor.getByRole('button', { name: "Je m'engage" }).click();
    await visitor.getByText(`Ouvrez le courriel envoyé à ${email}`).waitFor();

    const token = await mailedToken(site, email, 'pledge-confirmation');
    await visitor.goto(`${site.url}/confirm?token=${token}&challenge=${world.challengeId}`);
    // Opening the link confirms nothing: only the button's POST does.
    const before = await site.api.get(`/api/challenges/${world.challengeId}`);
    expect((before.body as { progress: { participants: number } }).progress.participants).toBe(0);
    await visitor.getByRole('button', { name: 'Confirmer' }).click();
    await visitor.getByText('Votre engagement est confirmé').waitFor();
    await visitor.getByRole('link', { name: 'Voir le défi' }).click();
    await visitor.getByText(`Votre engagement apporte 50\u00a0€ à ${world.beneficiary}.`).waitFor();
    expect(await visitor.locator('.mine .yours').count()).toBe(1);

    await expect.poll(() => progressValue(watcher), { timeout: 15_000 }).toBe('1');
    expect(await watcher.locator('label', { hasText: `1 habitants sur ${GOAL}` }).count()).toBe(1);
    const news = watcher.locator('.feed li').first();
    await news.waitFor({ timeout: 15_000 });
    expect(await news.innerText()).toContain('Claire');
    await visitor.close();
    await watcher.close();
  });

  it('announces 10 % steps politely, lets live updates pause, and celebrates the unlock', async () => {
    const page = await open({ viewport: 'desktop' });
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(challengeUrl());
    await page.getByText('Mises à jour en direct.').waitFor();
    const status = page.getByRole('status').filter({ hasText: '%' });

    // 11 more near each other in Clichy: 12 of 20, 60 %.
    for (let i = 0; i < 11; i += 1) {
      await pledgeThroughApi(site, world.challengeId, `near-${i}-${unique()}@example.org`, {
        location: { lat: CLICHY.lat + (i % 2) * 0.01, lon: CLICHY.lon },
      });
    }
    await expect.poll(() => progressValue(page), { timeout: 15_000 }).toBe('12');
    await status.filter({ hasText: '60 %' }).waitFor();

    await page.getByRole('button', { name: 'Suspendre les mises à jour' }).click();
    await page.getByText('Mises à jour en direct suspendues.').waitFor();
    // Paused means no stream at all, so nothing can move the page.
    expect(await streams(page)).toEqual([2]);
    await pledgeThroughApi(site, world.challengeId, `paused-${unique()}@example.org`);
    expect(await progressValue(page)).toBe('12');
    await page.getByRole('button', { name: 'Reprendre les mises à jour' }).click();
    await expect.poll(() => progressValue(page), { timeout: 15_000 }).toBe('13');

    for (let i = 0; i < GOAL - 13; i += 1) {
      await pledgeThroughApi(site, world.challengeId, `goal-${i}-${unique()}@example.org`);
    }
    await page.getByText('Objectif atteint : la promesse se réalise').waitFor({ timeout: 20_000 });
    // The visitor asked for less motion: the banner does not move.
    expect(
      await page.evaluate("getComputedStyle(document.querySelector('.celebrate')).animationName"),
    ).toBe('none');
    await page.getByRole('status').filter({ hasText: 'Palier atteint' }).waitFor();
    await page.close();
  });

  it('holds one stream per page, closed while the tab is hidden and reopened when shown', async () => {
    const page = await open({ viewport: 'phone' });
    await page.goto(challengeUrl());
    await page.getByText('Mises à jour en direct.').waitFor();
    await expect.poll(() => streams(page)).toEqual([1]);
    // The count as the label says it (the bar stops at the goal; the count does not).
    const shown = async () =>
      Number(
        /^\d+/.exec(
          await page.locator('section[aria-labelledby="progress-title"] label').first().innerText(),
        )?.[0],
      );
    const before = await shown();
    await setHidden(page, true);
    await page
      .getByText("Mises à jour en direct interrompues pendant que l'onglet est masqué.")
      .waitFor();
    expect(await streams(page)).toEqual([2]);
    await pledgeThroughApi(site, world.challengeId, `hidden-${unique()}@example.org`);
    await setHidden(page, false);
    // The new stream's first frame is a snapshot: the pledge made meanwhile shows.
    await expect.poll(shown, { timeout: 15_000 }).toBe(before + 1);
    await expect.poll(() => streams(page)).toEqual([2, 1]);
    await page.close();
  });

  it("shows a crowd's cell on the map, never a lone pledger's, and the map takes keys", async () => {
    await pledgeThroughApi(site, world.challengeId, `alone-${unique()}@example.org`, {
      location: MARSEILLE,
    });
    const page = await open({ viewport: 'desktop' });
    // A map size no earlier page had: map answers are cacheable for 30 s, and an
    // earlier page asked for this view when nobody had pledged yet.
    await page.setViewportSize({ width: 900, height: 760 });
    await page.goto(challengeUrl());
    const map = page.locator('.map');
    // The map frames itself on where people act, then waits for the visitor.
    await page.locator('.map[data-framed]').waitFor();
    const cells = JSON.parse((await map.getAttribute('data-cells')) ?? '[]') as { count: number }[];
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.every((cell) => cell.count >= 11)).toBe(true);

    const zoom = Number(await map.getAttribute('data-zoom'));
    await map.focus();
    await page.keyboard.press('-');
    await page.locator(`.map[data-zoom="${zoom - 1}"]`).waitFor();

    // At every zoom, no published cell holds Marseille unless it holds the Clichy crowd too.
    const inside = (ring: number[][], [x, y]: [number, number]) => {
      let hit = false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi = 0, yi = 0] = ring[i] ?? [];
        const [xj = 0, yj = 0] = ring[j] ?? [];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
      }
      return hit;
    };
    for (let zoom = 0; zoom <= 20; zoom += 1) {
      const answer = await site.api.get(
        `/api/challenges/${world.challengeId}/map?bbox=-5,41,10,51.5&zoom=${zoom}`,
      );
      expect(answer.status).toBe(200);
      const features = (answer.body as { features: { geometry: { coordinates: number[][][] } }[] })
        .features;
      for (const feature of features) {
        const ring = feature.geometry.coordinates[0] ?? [];
        if (inside(ring, [MARSEILLE.lon, MARSEILLE.lat])) {
          expect(inside(ring, [CLICHY.lon, CLICHY.lat]), `zoom ${zoom}`).toBe(true);
        }
      }
    }
    await page.close();
  });

  it('pledges and confirms without JavaScript, with refusals next to their field', async () => {
    // Not watched for console errors: a refused form post is rightly a 400 page.
    const page = await browser.page({ javaScript: false, viewport: 'phone' });
    await page.goto(challengeUrl());
    const email = `plain-${unique()}@example.org`;
    await page.getByLabel('Adresse électronique').fill(email);
    // A postcode no commune has: the API's refusal lands at the postcode field.
    await page.getByLabel('Code postal').fill('00000');
    await page.getByRole('button', { name: "Je m'engage" }).click();
    await page.locator('#pledge-location-postcode-error').waitFor();
    expect(await page.getByLabel('Code postal').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Adresse électronique').inputValue()).toBe(email);

    await page.getByLabel('Code postal').fill('92110');
    await page.getByRole('button', { name: "Je m'engage" }).click();
    await page.getByText(`Ouvrez le courriel envoyé à ${email}`).waitFor();
    const token = await mailedToken(site, email, 'pledge-confirmation');
    await page.goto(`${site.url}/confirm?token=${token}&challenge=${world.challengeId}`);
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.getByText('Votre engagement est confirmé').waitFor();
    await page.close();
  });

  it('switches every visible string to English', async () => {
    const french = [
      "Je m'engage",
      'habitants',
      'Accueil',
      'Langue',
      'Dernières',
      'Carte',
      'Commune',
      'Partager',
      'Suspendre',
      'promesse',
      'Confirmer',
      'engagement',
      'Se connecter',
      ' sur ',
      'donne',
      'Fin dans',
    ];
    const pages = [
      `/c/${world.challengeId}`,
      `/confirm?token=${'x'.repeat(20)}&challenge=${world.challengeId}`,
      `/o/${world.slug}`,
      '/',
    ];
    for (const path of pages) {
      const page = await open({ locale: 'en' });
      await page.goto(`${site.url}${path}`);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      // The demo's own content is French by design: only our pages' words are checked.
      const text = (await page.locator('body').innerText())
        .replaceAll('Ville de Démo', '')
        .replaceAll('Je vais au travail à vélo', '')
        .replaceAll('Au travail à vélo', '')
        .replaceAll('Les habitants s’engagent à venir au travail à vélo quand ils le peuvent.', '');
      for (const word of french) expect(text, `${path}: "${word}"`).not.toContain(word);
      await page.close();
    }
  });

  it("an organization's home wears its branding and invites members to sign in", async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([await readFile(join(import.meta.dirname, '..', 'static', 'og-challenge.png'))]),
      'logo.png',
    );
    const upload = await fetch(`${site.url}/api/organizations/${world.slug}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.adminToken}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    const { fileId } = (await upload.json()) as { fileId: string };
    const patched = await fetch(`${site.url}/api/organizations/${world.slug}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${site.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        branding: { logoFileId: fileId, primaryColor: '#1d4f91', shortText: 'Our town acts.' },
      }),
    });
    expect(patched.status).toBe(200);

    const page = await open({ viewport: 'phone' });
    await page.goto(`${site.url}/o/${world.slug}`);
    expect(await page.locator('.org').getAttribute('style')).toContain('--org-colour: #1d4f91');
    await page.getByText('Our town acts.').first().waitFor();
    const logo = page.getByRole('img', { name: `Logo de ${world.orgName}` });
    await expect
      .poll(() => logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(0);
    // Exactly its card's link: the public ledger further down names it too.
    expect(
      await page.getByRole('link', { name: 'Bike2Work', exact: true }).getAttribute('href'),
    ).toBe(`/c/${world.challengeId}`);
    const signIn = page.getByRole('link', {
      name: 'Se connecter pour voir les opérations réservées aux membres',
    });
    expect(await signIn.getAttribute('href')).toBe(`/sign-in?next=%2Fo%2F${world.slug}`);
    await page.close();
  });

  it('has no accessibility violation on /, /o, /c and /confirm, phone and desktop (with screenshots)', async () => {
    const pages: [string, string][] = [
      ['home-fr', '/'],
      ['org-fr', `/o/${world.slug}`],
      ['challenge-fr', `/c/${world.challengeId}`],
      ['confirm-fr', `/confirm?token=${'y'.repeat(20)}&challenge=${world.challengeId}`],
    ];
    for (const viewport of ['phone', 'desktop'] as const) {
      for (const [name, path] of pages) {
        const page = await open({ viewport });
        await page.goto(`${site.url}${path}`);
        // Never 'networkidle': the live stream stays open.
        await page.waitForLoadState('load');
        if (name === 'challenge-fr') {
          await page.locator('.map canvas').first().waitFor();
        }
        expect(await accessibilityViolations(page), `${name} ${viewport}`).toEqual([]);
        await screenshot(page, name);
        await page.close();
      }
    }
    const english = await open({ locale: 'en', viewport: 'phone' });
    await english.goto(challengeUrl());
    await english.locator('.map canvas').first().waitFor();
    await screenshot(english, 'challenge-en');
    await english.close();
  });

  it('a signed-in participant pledges at once, with a team, and no e-mail to give', async () => {
    const team = must(
      await site.api.post(
        `/api/campaigns/${world.campaignId}/teams`,
        { name: 'Riverside' },
        site.adminToken,
      ),
      201,
      'team',
    ) as { slug: string };
    const email = `member-${unique()}@example.org`;
    must(await site.api.post('/api/auth/magic-link', { email }), 202, 'magic link');
    const token = await mailedToken(site, email, 'sign-in');
    const { sessionToken } = must(
      await site.api.post('/api/auth/session', { token }),
      200,
      'session',
    ) as {
      sessionToken: string;
    };
    await browser.context.addCookies([
      { name: 'tandem_session', value: sessionToken, url: site.url, httpOnly: true },
    ]);
    try {
      const page = await open({ viewport: 'phone' });
      await page.goto(challengeUrl());
      expect(await page.getByLabel('Adresse électronique').count()).toBe(0);
      await page.getByLabel('Mon équipe').selectOption(team.slug);
      await page.getByRole('button', { name: "Je m'engage" }).click();
      await page.getByText('Votre engagement est confirmé et compte déjà.').waitFor();
      const mine = must(await site.api.get('/api/me/pledges', sessionToken), 200, 'my pledges') as {
        pledges: { status: string; team: { slug: string } | null }[];
      };
      expect(mine.pledges.map((p) => [p.status, p.team?.slug])).toEqual([['confirmed', team.slug]]);
      await page.close();
    } finally {
      await browser.context.clearCookies();
    }
  });

  it('met no console error on any page', () => {
    expect(problems).toEqual([]);
  });
});
