import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import {
  inspect,
  launchBrowser,
  must,
  screenshot,
  signIn,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { addMembers, organizationWithMembers } from './support/world.js';

let site: Site;
let browser: Browser;
beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
}, 240_000);
// The browser's context is shared by the tests: a test that failed offline
// must not leave the next one without its API.
afterEach(async () => {
  await browser?.context.unroute('**/api/**');
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

/**
 * An organization with an agent, one open door-to-door sorting challenge
 * and one open coffee-ground collection challenge with a collection point.
 */
async function organization() {
  const admin = site.adminToken;
  const agentEmail = `agent-${unique()}@ville.example`;
  const slug = await organizationWithMembers(site, {
    slug: `agents-${unique()}`,
    name: 'Ville de Tandem-sur-Marne',
    kind: 'city',
    members: [{ email: agentEmail, role: 'agent' }],
  });
  const campaign = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${slug}/campaigns`,
      { title: 'Quartiers zéro déchet' },
      admin,
    ),
    201,
    'campaign',
  );
  const challenge = async (
    title: string,
    actionType: string,
    actionSettings: object,
    goal: object,
  ) => {
    const created = must<{ id: string }>(
      await site.api.post(
        `/api/campaigns/${campaign.id}/challenges`,
        { title, actionType, actionSettings, goal },
        admin,
      ),
      201,
      title,
    );
    must(await site.api.post(`/api/challenges/${created.id}/open`, undefined, admin), 200, 'open');
    return created.id;
  };
  const sortingId = await challenge(
    'Trions tous, rue par rue',
    'sorting',
    {},
    { participants: 50 },
  );
  const coffeeId = await challenge(
    'Marc de café au compost',
    'collection',
    { material: 'coffee-grounds' },
    { quantity: 100 },
  );
  const point = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${slug}/collection-points`,
      {
        name: 'Marché couvert',
        address: 'Place du marché',
        openingHours: [
          { day: 'wed', from: '08:00', to: '13:00' },
          { day: 'sat', from: '08:00', to: '13:30' },
        ],
      },
      admin,
    ),
    201,
    'point',
  );
  return { slug, agentEmail, sortingId, coffeeId, pointId: point.id };
}

/**
 * Waits for the agent pages' service worker to be active, then for it to
 * control the page (a page loaded before it was active is reloaded, as a
 * tablet's next visit would be). The checks are strings run in the page:
 * the tests' TypeScript has no DOM types.
 */
async function untilControlled(page: Page): Promise<void> {
  const active =
    "navigator.serviceWorker.getRegistration('/agent').then((r) => Boolean(r && r.active))";
  const deadline = Date.now() + 60_000;
  while (!(await page.evaluate<boolean>(active))) {
    if (Date.now() > deadline) throw new Error('the service worker never became active');
    await page.waitForTimeout(250);
  }
  if (!(await page.evaluate<boolean>('navigator.serviceWorker.controller !== null'))) {
    await page.reload();
  }
  await page.waitForFunction('navigator.serviceWorker.controller !== null', undefined, {
    timeout: 30_000,
  });
}

/** What the API counts: the sorting challenge's participants, the coffee challenge's weigh-ins and kg. */
async function counts(ids: { sortingId: string; coffeeId: string }) {
  const sorting = must<{ progress: { participants: number } }>(
    await site.api.get(`/api/challenges/${ids.sortingId}`),
    200,
    'sorting challenge',
  );
  const coffee = must<{ progress: { quantity: number } }>(
    await site.api.get(`/api/challenges/${ids.coffeeId}`),
    200,
    'coffee challenge',
  );
  const feed = must<{ items: { type: string }[] }>(
    await site.api.get(`/api/challenges/${ids.coffeeId}/feed?limit=50`),
    200,
    'weigh-ins',
  );
  return {
    enrolments: sorting.progress.participants,
    kg: coffee.progress.quantity,
    weighIns: feed.items.filter((item) => item.type === 'contribution').length,
  };
}

describe('the field agent’s tablet', () => {
  it('records offline, syncs once when the network is back, and the counts match', async () => {
    const world = await organization();
    const page = await browser.page({ viewport: 'tablet' });
    await page.context().clearCookies();
    const problems = watchProblems(page);
    const home = `/agent/${world.slug}`;
    await signIn(site, page, world.agentEmail, home);

    await page.getByRole('heading', { name: 'Choisissez le défi' }).waitFor();
    await page.getByRole('heading', { name: 'File d’attente de la tablette' }).waitFor();
    // The service worker installs; the pages loaded after that are its own.
    await untilControlled(page);
    await page.getByRole('heading', { name: 'File d’attente de la tablette' }).waitFor();
    await inspect(page, 'agent-home', ['phone', 'tablet']);

    // The network is gone: nothing reaches the API any more.
    let blocked = 0;
    await page.context().route('**/api/**', (route) => {
      blocked += 1;
      return route.abort();
    });

    await page.getByRole('link', { name: /Trions tous, rue par rue/ }).click();
    await page.getByRole('heading', { name: 'Inscrire un habitant' }).waitFor();
    // Without the resident's consent nothing is recorded.
    await page.getByLabel('Adresse e-mail de l’habitant (facultatif)').fill('a@example.org');
    await page.getByRole('button', { name: 'Enregistrer l’inscription' }).click();
    await page.getByText('rien n’est enregistré sans l’accord').waitFor();
    await inspect(page, 'agent-enrolment-error', ['phone', 'tablet']);

    const residents = [
      { email: `resident-${unique()}@example.org`, name: 'Awa' },
      { email: `resident-${unique()}@example.org`, name: '' },
      { email: '', name: 'Voisin sans adresse' },
    ];
    for (const resident of residents) {
      await page.getByLabel('Adresse e-mail de l’habitant (facultatif)').fill(resident.email);
      await page.getByLabel('Prénom ou pseudonyme (facultatif)').fill(resident.name);
      await page.getByLabel('Personnes dans le foyer (facultatif)').fill('3');
      await page.getByLabel('Verre').check();
      await page.getByLabel(/L’habitant accepte/).check();
      await page.getByRole('button', { name: 'Enregistrer l’inscription' }).click();
      await page.getByRole('status').filter({ hasText: 'Saisie gardée sur la tablette' }).waitFor();
    }
    await page.getByRole('heading', { name: 'En attente (3)' }).waitFor();
    await inspect(page, 'agent-enrolment', ['phone', 'tablet']);

    await page.getByRole('link', { name: 'Changer de défi' }).click();
    await page.getByRole('link', { name: /Marc de café au compost/ }).click();
    await page.getByRole('heading', { name: 'Enregistrer une pesée' }).waitFor();
    await page.getByText('Horaires : mer. 08:00–13:00, sam. 08:00–13:30').waitFor();
    await page.getByLabel('Poids (kg)').fill('2,5');
    await page.getByRole('button', { name: 'Enregistrer la pesée' }).click();
    await page.getByRole('heading', { name: 'En attente (4)' }).waitFor();
    await page.getByLabel('Poids (kg)').fill('1.25');
    await page.getByLabel('Pesée nommée (adresse e-mail de l’habitant)').check();
    await page
      .getByLabel('Adresse e-mail de l’habitant', { exact: true })
      .fill(`cafe-${unique()}@example.org`);
    await page.getByRole('button', { name: 'Enregistrer la pesée' }).click();
    await page.getByRole('heading', { name: 'En attente (5)' }).waitFor();
    await page.getByRole('heading', { name: 'Envoyées (0)' }).waitFor();
    await inspect(page, 'agent-weigh-in-offline', ['phone', 'tablet']);

    // The tablet did try, and the API saw nothing.
    expect(blocked).toBeGreaterThan(0);
    expect(await counts(world)).toEqual({ enrolments: 0, weighIns: 0, kg: 0 });

    // Back in coverage: the agent asks for a sync (the `online` event may not come).
    await page.context().unroute('**/api/**');
    await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
    await page.getByRole('heading', { name: 'Envoyées (5)' }).waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'En attente (0)' }).waitFor();
    await page.getByRole('heading', { name: 'Refusées (0)' }).waitFor();
    // The resident without an address got a code to keep.
    await page.getByText(/code de l’habitant : [A-Z0-9]{4}-[A-Z0-9]{4}/).waitFor();
    expect(await counts(world)).toEqual({ enrolments: 3, weighIns: 2, kg: 3.75 });
    await inspect(page, 'agent-synced', ['phone', 'tablet']);

    // A second sync, and a reload that syncs on load, change nothing.
    await page.getByRole('button', { name: 'Synchroniser maintenant' }).click();
    await page.getByRole('status').filter({ hasText: 'Synchronisation terminée.' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Envoyées (5)' }).waitFor();
    expect(await counts(world)).toEqual({ enrolments: 3, weighIns: 2, kg: 3.75 });

    // Where the installed app starts: the organizations the person is an agent of.
    await page.goto(`${site.url}/agent`);
    await page.getByRole('link', { name: 'Ville de Tandem-sur-Marne' }).waitFor();
    await inspect(page, 'agent-start', ['tablet']);

    expect(problems.filter((problem) => !problem.includes('net::ERR_FAILED'))).toEqual([]);
  }, 180_000);

  it('shows a refused record with the API’s words, and lets the agent discard it', async () => {
    const world = await organization();
    const page = await browser.page({ viewport: 'tablet' });
    await page.context().clearCookies();
    await signIn(site, page, world.agentEmail, `/agent/${world.slug}`);
    await page.getByRole('heading', { name: 'File d’attente de la tablette' }).waitFor();
    await page.getByRole('link', { name: /Marc de café au compost/ }).click();
    // More than a coffee-ground weigh-in may hold: the API refuses it, naming kg.
    await page.getByLabel('Poids (kg)').fill('900');
    await page.getByRole('button', { name: 'Enregistrer la pesée' }).click();
    await page.getByRole('heading', { name: 'Refusées (1)' }).waitFor({ timeout: 20_000 });
    await page.getByText(/900 kg in one weigh-in/).waitFor();
    await inspect(page, 'agent-refused', ['phone', 'tablet']);
    await page.getByRole('button', { name: /Retirer de la file/ }).click();
    await page.getByRole('heading', { name: 'Refusées (0)' }).waitFor();
    expect(await counts(world)).toEqual({ enrolments: 0, weighIns: 0, kg: 0 });
  }, 120_000);

  it('works without JavaScript online, through the server’s form actions, and says offline needs it', async () => {
    const world = await organization();
    const page = await browser.page({ viewport: 'phone', javaScript: false });
    await page.context().clearCookies();
    await signIn(site, page, world.agentEmail, `/agent/${world.slug}`);
    await page
      .getByText(
        'Le mode hors connexion (la file d’attente gardée sur la tablette) a besoin de JavaScript',
      )
      .waitFor();
    await page.getByRole('link', { name: /Trions tous, rue par rue/ }).click();
    await page.getByRole('button', { name: 'Enregistrer l’inscription' }).click();
    await page.getByText('rien n’est enregistré sans l’accord').first().waitFor();
    await page.getByLabel(/L’habitant accepte/).check();
    await page.getByRole('button', { name: 'Enregistrer l’inscription' }).click();
    await page.getByText(/Code à remettre à l’habitant : [A-Z0-9]{4}-[A-Z0-9]{4}/).waitFor();
    // axe runs in the page, so not here: the same page was checked with JavaScript on.
    await screenshot(page, 'agent-no-javascript');

    await page.goto(`${site.url}/agent/${world.slug}?challenge=${world.coffeeId}`);
    await page.getByLabel('Poids (kg)').fill('4');
    await page.getByRole('button', { name: 'Enregistrer la pesée' }).click();
    await page.getByText('Pesée de 4 kg enregistrée.').waitFor();
    expect(await counts(world)).toEqual({ enrolments: 1, weighIns: 1, kg: 4 });
  }, 120_000);

  it('keeps members and outsiders out of the agent mode', async () => {
    const world = await organization();
    const memberEmail = `member-${unique()}@ville.example`;
    await addMembers(site, world.slug, [{ email: memberEmail, role: 'member' }]);
    const page = await browser.page({ viewport: 'tablet' });
    // Signed out: the browser's context is shared with the tests before.
    await page.context().clearCookies();
    await page.goto(`${site.url}/agent/${world.slug}`);
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await signIn(site, page, memberEmail, '/me');
    const answer = await page.goto(`${site.url}/agent/${world.slug}`);
    expect(answer?.status()).toBe(403);
    const form = await page.request.post(`${site.url}/agent/${world.slug}?/weigh`, {
      form: { challengeId: world.coffeeId, pointId: world.pointId, kg: '3', named: 'no' },
      headers: { origin: site.url },
    });
    expect(form.status()).toBe(403);
    expect(await counts(world)).toEqual({ enrolments: 0, weighIns: 0, kg: 0 });
  }, 120_000);
});
