import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import {
  accessibilityViolations,
  hasSession,
  launchBrowser,
  mailedToken,
  must,
  screenshot,
  signIn,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { organizationWithMembers, pledgeThroughApi } from './support/world.js';

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

/** An organization, a campaign (public or members-only) and one open challenge in it. */
async function openChallenge(options: {
  actionType: 'commute' | 'pledge-only' | 'actions-catalogue';
  actionSettings?: Record<string, unknown>;
  members?: string[];
}): Promise<{ slug: string; campaignId: string; challengeId: string; title: string }> {
  const admin = site.adminToken;
  const slug = `org-${unique()}`;
  await organizationWithMembers(site, {
    slug,
    name: `Organisation ${slug}`,
    kind: 'company',
    members: (options.members ?? []).map((email) => ({ email, role: 'member' as const })),
  });
  const campaign = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${slug}/campaigns`,
      {
        title: `Campagne ${slug}`,
        ...(options.members ? { audience: { type: 'members' } } : {}),
      },
      admin,
    ),
    201,
    'campaign',
  );
  const title = `Au travail autrement ${unique()}`;
  const challenge = must<{ id: string }>(
    await site.api.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title,
        actionType: options.actionType,
        ...(options.actionSettings ? { actionSettings: options.actionSettings } : {}),
        goal: { participants: 100 },
      },
      admin,
    ),
    201,
    'challenge',
  );
  must(await site.api.post(`/api/challenges/${challenge.id}/open`, undefined, admin), 200, 'open');
  return { slug, campaignId: campaign.id, challengeId: challenge.id, title };
}

/** A person with a confirmed pledge to a fresh commute challenge. */
async function commuter(): Promise<{ email: string; challengeId: string; title: string }> {
  const email = `commuter-${unique()}@example.org`;
  const challenge = await openChallenge({ actionType: 'commute' });
  // Driving alone before: what the bike or the carpool avoids is then counted in CO2e.
  await pledgeThroughApi(site, challenge.challengeId, email, {
    details: { previousMode: 'car' },
  });
  return { email, challengeId: challenge.challengeId, title: challenge.title };
}

/** The card of one pledge on /me. */
const pledgeCard = (page: Page, title: string) =>
  page.getByRole('article').filter({ has: page.getByRole('heading', { name: title }) });

describe('signing in', () => {
  it('a member signs in through the mailed link and then sees a members-only campaign', async () => {
    const email = `member-${unique()}@example.org`;
    const { slug, challengeId, title } = await openChallenge({
      actionType: 'pledge-only',
      members: [email],
    });
    // Before: to anyone else the challenge is not there.
    expect((await site.api.get(`/api/challenges/${challengeId}`)).status).not.toBe(200);

    const page = await browser.page({ viewport: 'phone' });
    await page.context().clearCookies();
    const problems = watchProblems(page);
    await page.goto(`${site.url}/o/${slug}`);
    await expect(page.getByRole('link', { name: title }).count()).resolves.toBe(0);
    await page
      .getByRole('link', { name: 'Se connecter pour voir les opérations réservées aux membres' })
      .first()
      .click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/o/${slug}`);
    // `next` survives the trip through the mailbox (the link itself carries only the token).
    await signIn(site, page, email, `/o/${slug}`);
    await page.getByRole('link', { name: title, exact: true }).click();
    await page.waitForURL(`${site.url}/c/${challengeId}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(title);
    // The browser's cookie opens it at the API too.
    const seen = await page.request.get(`${site.url}/api/challenges/${challengeId}`);
    expect(seen.status()).toBe(200);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opening the mailed link never signs in by itself, and a used link is refused', async () => {
    const email = `scanner-${unique()}@example.org`;
    must(await site.api.post('/api/auth/magic-link', { email }), 202, 'magic link');
    const token = await mailedToken(site, email, 'sign-in');
    // A mail scanner follows the link: a GET, with no cookie set and the token still unused.
    const scanned = await fetch(`${site.url}/sign-in?token=${token}`, { redirect: 'manual' });
    expect(scanned.status).toBe(200);
    expect(scanned.headers.get('set-cookie') ?? '').not.toContain('tandem_session');
    expect(scanned.headers.get('cache-control')).toContain('no-store');

    const page = await browser.page();
    await page.goto(`${site.url}/sign-in?token=${token}`);
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.waitForURL(`${site.url}/me`);
    // The same link a second time: refused, with the form to ask for another.
    const other = await browser.page({ javaScript: false });
    await other.context().clearCookies();
    await other.goto(`${site.url}/sign-in?token=${token}`);
    await other.getByRole('button', { name: 'Me connecter' }).click();
    await other.getByText('Ce lien de connexion a expiré ou a déjà servi').waitFor();
    await expect(other.getByLabel('Adresse e-mail').isVisible()).resolves.toBe(true);
    await page.close();
    await other.close();
  });

  it('never sends anyone to another site after signing in', async () => {
    const email = `next-${unique()}@example.org`;
    const page = await browser.page({ javaScript: false });
    await page.context().clearCookies();
    await page.goto(`${site.url}/sign-in?next=${encodeURIComponent('//evil.example/x')}`);
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
    const token = await mailedToken(site, email, 'sign-in');
    await page.goto(
      `${site.url}/sign-in?token=${token}&next=${encodeURIComponent('https://evil.example')}`,
    );
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.waitForURL(`${site.url}/me`);
    await page.close();
  });

  it('signs out with the header button; the session is dead at the API too', async () => {
    const email = `out-${unique()}@example.org`;
    const page = await browser.page({ javaScript: false });
    await page.context().clearCookies();
    await signIn(site, page, email);
    const token = (await page.context().cookies(site.url)).find(
      (cookie) => cookie.name === 'tandem_session',
    )?.value;
    expect(token).toBeTruthy();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByText('Vous êtes déconnecté·e.').waitFor();
    expect(await hasSession(site, page)).toBe(false);
    expect((await site.api.get('/api/me', token)).status).toBe(401);
    await page.goto(`${site.url}/me`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/me');
    await page.close();
  });

  it('works with the keyboard alone, with a visible focus', async () => {
    const email = `keys-${unique()}@example.org`;
    const page = await browser.page({ viewport: 'phone' });
    await page.context().clearCookies();
    /** Presses Tab until the focused element has this id or text, as someone without a mouse does. */
    const tabTo = async (target: { id?: string; text?: string }, what: string) => {
      for (let presses = 0; presses < 30; presses += 1) {
        await page.keyboard.press('Tab');
        // A string, run in the page: the tests' TypeScript has no DOM types.
        const focused = await page.evaluate<{ id: string; text: string; outline: string } | null>(
          `(() => {
            const active = document.activeElement;
            if (!active) return null;
            const style = getComputedStyle(active);
            return {
              id: active.id,
              text: (active.textContent || '').trim(),
              outline: style.outlineStyle + ' ' + style.outlineWidth,
            };
          })()`,
        );
        if (!focused) continue;
        if (target.id ? focused.id === target.id : focused.text === target.text) {
          expect(focused.outline, what).not.toMatch(/^none|^\S+ 0px/);
          return;
        }
      }
      throw new Error(`Tab never reached ${what}`);
    };
    await page.goto(`${site.url}/sign-in`);
    await tabTo({ id: 'signin-email' }, 'the email field');
    await page.keyboard.type(email);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Regardez vos e-mails' }).waitFor();
    const token = await mailedToken(site, email, 'sign-in');
    await page.goto(`${site.url}/sign-in?token=${token}`);
    await tabTo({ text: 'Me connecter' }, 'the sign-in button');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${site.url}/me`);
    await tabTo({ text: 'Mes réglages' }, 'the settings link');
    await page.keyboard.press('Enter');
    await tabTo({ id: 'profile-name' }, 'the name field');
    await page.keyboard.type('Lou');
    await page.keyboard.press('Enter');
    await page.getByText('Vos réglages sont enregistrés.').waitFor();
    await page.close();
  });
});

describe('my space', () => {
  for (const javaScript of [true, false]) {
    it(`logs commute km, shows the CO2e, corrects a typo and deletes (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
      const { email, title } = await commuter();
      const page = await browser.page({ javaScript, viewport: javaScript ? 'desktop' : 'phone' });
      await page.context().clearCookies();
      const problems = watchProblems(page);
      await signIn(site, page, email);
      const card = pledgeCard(page, title);
      await expect(card.getByText('confirmé', { exact: true }).isVisible()).resolves.toBe(true);

      // A refused value shows next to its field, announced.
      await card.getByLabel('Mode de transport').selectOption('bike');
      await card.getByLabel('Distance (km)').fill('-3');
      await card.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await card.getByRole('alert').waitFor();
      await expect(card.getByLabel('Distance (km)').getAttribute('aria-invalid')).resolves.toBe(
        'true',
      );

      // With JavaScript, the focus goes to what to fix.
      if (javaScript)
        await expect(
          page.evaluate<string | null>(
            `document.activeElement && document.activeElement.getAttribute('aria-invalid')`,
          ),
        ).resolves.toBe('true');

      // The typo: 120 km instead of 12 — after asking for a second row, left blank.
      await card.getByLabel('Mode de transport').selectOption('bike');
      await card.getByLabel('Distance (km)').fill('120');
      await card.getByRole('button', { name: 'Ajouter une ligne' }).click();
      await card.getByLabel('Distance (km)').nth(1).waitFor();
      await expect(card.getByLabel('Distance (km)').first().inputValue()).resolves.toBe('120');
      await card.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await page.getByText('C’est noté : votre action compte.').waitFor();
      await expect(card.locator('.contributions li').count()).resolves.toBe(1);
      await expect(card.locator('.contributions').textContent()).resolves.toContain('120 km');
      const total = async () =>
        Number(
          /([\d\s ,]+) kg de CO2e/
            .exec((await page.locator('#impact .total').textContent()) ?? '')?.[1]
            ?.replace(/[\s  ]/g, '')
            .replace(',', '.'),
        );
      const before = await total();
      expect(before).toBeGreaterThan(0);
      await expect(card.locator('.contributions').textContent()).resolves.toContain('ADEME');

      // The correction, from the contribution's own row.
      await card.getByRole('link', { name: /Corriger la saisie du/ }).click();
      const correction = card.getByRole('form', { name: /Corriger la saisie du/ });
      await expect(correction.getByLabel('Distance (km)').inputValue()).resolves.toBe('120');
      await correction.getByLabel('Distance (km)').fill('12');
      await correction.getByRole('button', { name: 'Enregistrer la correction' }).click();
      await page.getByText('La correction est enregistrée.').waitFor();
      await expect(card.locator('.contributions').textContent()).resolves.toContain('12 km');
      await expect(card.locator('.contributions').textContent()).resolves.not.toContain('120 km');
      const after = await total();
      expect(after).toBeCloseTo(before / 10, 1);

      // Deleting it.
      await card.getByRole('button', { name: /Supprimer la saisie du/ }).click();
      await page.getByText('La saisie est supprimée.').waitFor();
      await expect(card.locator('.contributions').count()).resolves.toBe(0);
      expect(await total()).toBe(0);
      // Without JavaScript a refused form comes back as a 400 page, which
      // Chromium logs; nothing else may appear.
      const unexpected = problems.filter(
        (problem) => javaScript || !problem.includes('status of 400 (Bad Request)'),
      );
      expect(unexpected).toEqual([]);
      await page.close();
    });
  }

  it('reports a catalogue action chosen among the challenge’s own, in words', async () => {
    const email = `catalogue-${unique()}@example.org`;
    const { challengeId, title } = await openChallenge({
      actionType: 'actions-catalogue',
      actionSettings: {
        actions: [
          { id: 'tap-water', title: { fr: 'Eau du robinet', en: 'Tap water' } },
          { id: 'fly-less', title: { fr: 'Moins d’avion', en: 'Fly less' } },
        ],
      },
    });
    must(
      await site.api.post(`/api/challenges/${challengeId}/pledges`, {
        email,
        details: { actions: ['tap-water'] },
      }),
      202,
      'pledge',
    );
    const confirmation = await mailedToken(site, email, 'pledge-confirmation');
    must(await site.api.post('/api/pledges/confirm', { token: confirmation }), 200, 'confirm');
    const page = await browser.page({ javaScript: false });
    await page.context().clearCookies();
    await signIn(site, page, email);
    const card = pledgeCard(page, title);
    await card.getByLabel('Geste réalisé').selectOption({ label: 'Eau du robinet' });
    await card.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.getByText('C’est noté : votre action compte.').waitFor();
    await expect(pledgeCard(page, title).locator('.contributions li').count()).resolves.toBe(1);
    await page.close();
  });

  it('changes my settings, with errors next to their field (no JavaScript)', async () => {
    const { email, title } = await commuter();
    const page = await browser.page({ javaScript: false, viewport: 'phone' });
    await page.context().clearCookies();
    await signIn(site, page, email);
    const settings = page.locator('#profile');
    await settings.getByLabel('mon nom et ma commune').check();
    await settings.getByLabel('Code postal').fill('9211');
    await settings.getByRole('button', { name: 'Enregistrer mes réglages' }).click();
    const postcode = page.locator('#profile').getByLabel('Code postal');
    await expect(postcode.getAttribute('aria-invalid')).resolves.toBe('true');
    const described = (await postcode.getAttribute('aria-describedby')) ?? '';
    expect(described).toContain('profile-postcode-error');
    await expect(page.locator('#profile-postcode-error').textContent()).resolves.toContain(
      '5 chiffres',
    );
    await expect(page.locator('#profile-name-error').isVisible()).resolves.toBe(true);

    // A postcode of the right shape that no commune has: the API's refusal, in words, next to it.
    await page.locator('#profile').getByLabel('Nom affiché').fill('Claire');
    await page.locator('#profile').getByLabel('Code postal').fill('00000');
    await page
      .locator('#profile')
      .getByRole('button', { name: 'Enregistrer mes réglages' })
      .click();
    await expect(page.locator('#profile-postcode-error').textContent()).resolves.toContain(
      'ne correspond à aucune commune',
    );
    await expect(
      page.locator('#profile').getByLabel('Code postal').getAttribute('aria-invalid'),
    ).resolves.toBe('true');
    await expect(page.locator('#profile').getByLabel('Nom affiché').inputValue()).resolves.toBe(
      'Claire',
    );
    await page.locator('#profile').getByLabel('Code postal').fill('92110');
    await page.locator('#profile').getByLabel('Ne plus recevoir aucun e-mail de suivi').check();
    await page
      .locator('#profile')
      .getByRole('button', { name: 'Enregistrer mes réglages' })
      .click();
    await page.getByText('Vos réglages sont enregistrés.').waitFor();
    const token = (await page.context().cookies(site.url)).find(
      (cookie) => cookie.name === 'tandem_session',
    )?.value;
    const me = must<{
      displayName: string;
      showAs: string;
      mailOptOut: boolean;
      place: { postcode: string } | null;
    }>(await site.api.get('/api/me', token), 200, 'me');
    expect(me).toMatchObject({
      displayName: 'Claire',
      showAs: 'name',
      mailOptOut: true,
      place: { postcode: '92110' },
    });
    await expect(page.locator('#profile').getByLabel('Nom affiché').inputValue()).resolves.toBe(
      'Claire',
    );

    // Withdrawing asks first, without JavaScript too.
    const card = pledgeCard(page, title);
    await card.getByRole('link', { name: /Retirer mon engagement/ }).click();
    await card.getByRole('button', { name: 'Oui, retirer mon engagement' }).click();
    await page.getByText('Votre engagement est retiré ; il ne compte plus.').waitFor();
    await expect(
      pledgeCard(page, title).getByText('retiré', { exact: true }).isVisible(),
    ).resolves.toBe(true);
    await page.close();
  });

  it('exports my data as JSON, then erases my account and signs me out', async () => {
    const { email } = await commuter();
    const page = await browser.page();
    await page.context().clearCookies();
    await signIn(site, page, email);
    const token = (await page.context().cookies(site.url)).find(
      (cookie) => cookie.name === 'tandem_session',
    )?.value;

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Télécharger (JSON)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^tandem-my-data-\d{4}-\d{2}-\d{2}\.json$/);
    const path = await download.path();
    const exported = JSON.parse(await readFile(path, 'utf8')) as {
      identity: { email: string };
      pledges: unknown[];
    };
    expect(exported.identity.email).toBe(email);
    expect(exported.pledges).toHaveLength(1);

    await page.getByRole('link', { name: 'Effacer mon compte…' }).click();
    await page.getByRole('button', { name: 'Effacer définitivement mon compte' }).click();
    await page.getByText('Cochez la case pour confirmer l’effacement.').waitFor();
    expect(await hasSession(site, page)).toBe(true);
    await page.getByLabel('Je comprends que l’effacement est définitif.').check();
    await page.getByRole('button', { name: 'Effacer définitivement mon compte' }).click();
    await page.waitForURL(`${site.url}/goodbye`);
    await page.getByRole('heading', { name: 'Votre compte est effacé' }).waitFor();
    expect(await accessibilityViolations(page), 'goodbye').toEqual([]);
    expect(await hasSession(site, page)).toBe(false);
    expect((await site.api.get('/api/me', token)).status).toBe(401);
    await expect(page.getByRole('link', { name: 'Se connecter' }).isVisible()).resolves.toBe(true);
    await page.close();
  });

  it('the last owner of an organization cannot erase themselves; the page says why', async () => {
    const email = `owner-${unique()}@example.org`;
    const slug = `own-${unique()}`;
    must(
      await site.api.post(
        '/api/organizations',
        { slug, name: `Organisation ${slug}`, kind: 'association' },
        site.adminToken,
      ),
      201,
      'organization',
    );
    must(
      await site.api.post(
        `/api/organizations/${slug}/members`,
        { email, role: 'owner' },
        site.adminToken,
      ),
      201,
      'owner',
    );
    const page = await browser.page({ javaScript: false });
    await page.context().clearCookies();
    await signIn(site, page, email);
    await page.goto(`${site.url}/me?erase`);
    await page.getByLabel('Je comprends que l’effacement est définitif.').check();
    await page.getByRole('button', { name: 'Effacer définitivement mon compte' }).click();
    await page.getByText('Vous êtes le dernier propriétaire d’une organisation').waitFor();
    expect(await hasSession(site, page)).toBe(true);
    await page.close();
  });

  it('refuses a cross-site post to its form actions', async () => {
    const { email } = await commuter();
    const page = await browser.page({ javaScript: false });
    await page.context().clearCookies();
    await signIn(site, page, email);
    const cookie = (await page.context().cookies(site.url))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    for (const [path, body] of [
      ['/me?/erase', 'understand=yes'],
      ['/me?/profile', 'showAs=anonymous&locale=fr&postcode=&displayName=Mallory'],
      ['/sign-out', ''],
      ['/sign-in?/signin', 'token=abcdefghijklmnop'],
    ] as const) {
      const answer = await fetch(`${site.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'https://evil.example',
          cookie,
        },
        body,
        redirect: 'manual',
      });
      expect(answer.status, path).toBe(403);
    }
    // Still there, untouched.
    const token = /tandem_session=([^;]+)/.exec(cookie)?.[1];
    expect(
      must<{ displayName: string | null }>(await site.api.get('/api/me', token), 200, 'me'),
    ).toMatchObject({ displayName: null });
    await page.close();
  });
});

/** Every fixed sentence of a message catalogue (placeholders cut out), longer than a word. */
async function sentences(locale: 'fr' | 'en'): Promise<Map<string, string[]>> {
  const file = join(import.meta.dirname, '..', 'messages', `${locale}.json`);
  const catalogue = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(catalogue)) {
    if (typeof value !== 'string' || key.startsWith('$')) continue;
    out.set(
      key,
      value
        .split(/\{[^}]*\}/)
        .map((part) => part.trim())
        .filter((part) => part.length >= 8),
    );
  }
  return out;
}

describe('the pages, in both languages, at both sizes', () => {
  const pages = ['/sign-in', '/me', '/privacy', '/accessibilite'] as const;

  it('passes axe (WCAG 2.1 AA) at 360 and 1280 px, with no console error, and is screenshotted', async () => {
    const { email, title } = await commuter();
    const setup = await browser.page();
    await setup.context().clearCookies();
    await signIn(site, setup, email);
    // One contribution, so that the table and its actions are checked too.
    const card = pledgeCard(setup, title);
    await card.getByLabel('Mode de transport').selectOption('carpool');
    await card.getByLabel('Distance (km)').fill('12');
    await card.getByLabel(/Personnes dans la voiture/).fill('3');
    await card.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await setup.getByText('C’est noté : votre action compte.').waitFor();
    await setup.close();

    for (const viewport of ['phone', 'desktop'] as const) {
      for (const path of pages) {
        const page = await browser.page({ viewport });
        const problems = watchProblems(page);
        // /sign-in is looked at signed out; the others signed in.
        if (path === '/sign-in') await page.context().clearCookies();
        await page.goto(`${site.url}${path}`);
        if (path === '/sign-in') expect(new URL(page.url()).pathname).toBe('/sign-in');
        await page.waitForLoadState('networkidle');
        expect(await accessibilityViolations(page), `${path} ${viewport}`).toEqual([]);
        await screenshot(page, `${path.slice(1)}-fr`);
        expect(problems, `${path} ${viewport}`).toEqual([]);
        await page.close();
        if (path === '/sign-in') {
          // Signed in again for the pages after it.
          const again = await browser.page();
          await signIn(site, again, email);
          await again.close();
        }
      }
    }
    // The confirmation page of the mailed link, the correction form, and the sign-out page.
    const page = await browser.page({ viewport: 'phone' });
    await page.goto(`${site.url}/me`);
    await pledgeCard(page, title)
      .getByRole('link', { name: /Corriger la saisie du/ })
      .click();
    await page.getByRole('button', { name: 'Enregistrer la correction' }).waitFor();
    expect(await accessibilityViolations(page), 'correction').toEqual([]);
    await screenshot(page, 'me-correct-fr');
    await page.goto(`${site.url}/me?erase`);
    expect(await accessibilityViolations(page), 'erase').toEqual([]);
    await page.context().clearCookies();
    must(await site.api.post('/api/auth/magic-link', { email }), 202, 'magic link');
    const token = await mailedToken(site, email, 'sign-in');
    await page.goto(`${site.url}/sign-in?token=${token}`);
    expect(await accessibilityViolations(page), 'mailed link').toEqual([]);
    await screenshot(page, 'sign-in-link-fr');
    await page.goto(`${site.url}/sign-out`);
    expect(await accessibilityViolations(page), 'signed out').toEqual([]);
    await page.close();
  });

  it('the English switch changes every visible string on these pages', async () => {
    const french = await sentences('fr');
    const english = await sentences('en');
    const { email } = await commuter();
    const page = await browser.page({ viewport: 'phone' });
    await page.context().clearCookies();
    await signIn(site, page, email);
    // The switch in the header, as a visitor uses it.
    await page.getByLabel('Langue', { exact: true }).selectOption('en');
    await page.getByRole('button', { name: 'Changer' }).click();
    await page.waitForURL(`${site.url}/me`);
    for (const path of [...pages, '/me?erase', '/sign-out', '/goodbye']) {
      if (path === '/sign-in') await page.goto(`${site.url}/sign-in?sent`);
      else await page.goto(`${site.url}${path}`);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      const text = await page.locator('body').innerText();
      const left = [...french.entries()].flatMap(([key, parts]) =>
        parts.filter((part) => !(english.get(key) ?? []).includes(part) && text.includes(part)),
      );
      expect(left, path).toEqual([]);
      if (path === '/me' || path === '/privacy' || path === '/accessibilite')
        await screenshot(page, `${path.slice(1)}-en`);
    }
    // The mailed link page and the contribution form in English too.
    await page.goto(`${site.url}/me`);
    await expect(page.getByLabel('Way of travelling').first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'My space' }).isVisible()).resolves.toBe(true);
    await page.close();
  });
});
