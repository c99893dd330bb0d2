import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import {
  startReceiver,
  type Receiver,
  type ReceivedRequest,
} from '../../../plugins/webhooks/src/testing/receiver.js';
import {
  accessibilityViolations,
  inspect,
  launchBrowser,
  signIn,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { organizationWithMembers } from './support/world.js';

/**
 * The console's integrations pages in a real Chromium against a real
 * Tandem: an admin registers an e-learning partner and sees its key once,
 * adds a webhook pointing at a receiver started here (allowed on loopback
 * by TANDEM_WEBHOOKS_ALLOW_PRIVATE_NETWORKS, as tests and demos do), sends a
 * test delivery the receiver verifies, rotates the secret, and builds the
 * organization's catalogue of actions.
 */

let site: Site;
let browser: Browser;
let receiver: Receiver;
let slug: string;
const adminEmail = `admin-${unique()}@example.org`;

beforeAll(async () => {
  [site, receiver] = await Promise.all([
    startSite({ TANDEM_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: '1' }),
    startReceiver(),
  ]);
  browser = await launchBrowser();
  slug = await organizationWithMembers(site, {
    slug: `integ-${unique()}`,
    name: 'Unis pour le climat',
    kind: 'association',
    members: [{ email: adminEmail, role: 'admin' }],
  });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await receiver?.close();
});

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The status of an empty batch of statements sent with a partner's Basic credentials. */
async function statementsWith(partnerId: string, key: string): Promise<number> {
  const answer = await fetch(`${site.url}/api/integrations/xapi/statements`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${partnerId}:${key}`).toString('base64')}`,
      'x-experience-api-version': '1.0.3',
      'content-type': 'application/json',
    },
    body: '[]',
  });
  return answer.status;
}

function verify(secret: string, request: ReceivedRequest | undefined): { type: string } {
  if (!request) throw new Error('nothing received');
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
    type: string;
  };
}

describe('the integrations console', () => {
  let page: Page;
  let problems: string[];
  const base = () => `/admin/${slug}/integrations`;

  it('opens the index for an admin, with its three parts', async () => {
    page = await browser.page({ viewport: 'desktop' });
    problems = watchProblems(page);
    await signIn(site, page, adminEmail, base());
    await page.getByRole('heading', { level: 1, name: 'Partenaires et intégrations' }).waitFor();
    for (const name of ['Partenaires e-learning', 'Webhooks', 'Catalogue de gestes']) {
      expect(await page.getByRole('link', { name }).count()).toBe(1);
    }
    await inspect(page, 'console-integrations');
  });

  it('registers a partner and shows its key once: a reload no longer shows it', async () => {
    await page.getByRole('link', { name: 'Partenaires e-learning' }).click();
    await page.waitForURL(`**${base()}/partners`);
    await page.getByLabel('Nom du partenaire').fill('Formaplus');
    await page.getByRole('button', { name: 'Enregistrer et créer sa clé' }).click();
    const key = (await page.getByTestId('partner-key').textContent()) ?? '';
    expect(key).toMatch(/^elk_[A-Za-z0-9_-]{40,}$/);
    await page.getByRole('row', { name: /Formaplus/ }).waitFor();
    const listed = await site.api.get(
      `/api/organizations/${slug}/elearning/partners`,
      site.adminToken,
    );
    const partner = (listed.body as { partners: { id: string; keyPrefix: string }[] }).partners[0];
    expect(key.startsWith(partner?.keyPrefix ?? 'none')).toBe(true);
    expect(await page.getByRole('row', { name: /Formaplus/ }).textContent()).toContain(
      `${partner?.keyPrefix}…`,
    );
    // The key works against the xAPI endpoint the page names.
    expect(await statementsWith(partner?.id ?? '', key)).not.toBe(401);
    await inspect(page, 'console-integrations-partners-key');

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Partenaires e-learning' }).waitFor();
    expect(await page.getByTestId('partner-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    await inspect(page, 'console-integrations-partners');

    // A new key, shown once too; the old one stops working.
    await page.getByRole('button', { name: 'Nouvelle clé pour Formaplus' }).click();
    await page.getByText('L’ancienne clé ne fonctionne plus.').waitFor();
    const rotated = (await page.getByTestId('partner-key').textContent()) ?? '';
    expect(rotated).toMatch(/^elk_/);
    expect(rotated).not.toBe(key);
    expect(await statementsWith(partner?.id ?? '', key)).toBe(401);
    expect(await statementsWith(partner?.id ?? '', rotated)).not.toBe(401);

    // Revoked after a confirmation: the key stops working.
    await page.getByRole('link', { name: 'Révoquer Formaplus' }).click();
    await page.getByRole('heading', { name: 'Révoquer l’accès de Formaplus ?' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Oui, révoquer' }).click();
    await page.getByText('L’accès de Formaplus est révoqué.').waitFor();
    expect(await statementsWith(partner?.id ?? '', rotated)).toBe(401);
  });

  it('adds a webhook, sends a test the receiver verifies, and rotates the secret', async () => {
    const path = `/hook-${unique()}`;
    await page.goto(`${site.url}${base()}/webhooks`);
    await page.getByLabel('Adresse (URL)').fill(`${receiver.url}${path}`);
    await page.getByLabel('Tous les événements (*)').check();
    await page.getByLabel('Description (facultative)').fill('Récepteur de test');
    await page.getByRole('button', { name: 'Ajouter l’adresse' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await inspect(page, 'console-integrations-webhooks-secret');

    await page.getByRole('button', { name: 'Envoyer un test' }).click();
    await page.getByText('Test envoyé').waitFor();
    await until('the test delivery', () => receiver.received(path).length === 1);
    expect(verify(secret, receiver.received(path)[0]).type).toBe('tandem.test');
    // The attempts table shows it received.
    await until('the delivery to show as received', async () => {
      await page.reload();
      return (await page.getByTestId('delivery-status').first().textContent()) === 'reçu';
    });
    expect(await page.getByTestId('delivery').first().textContent()).toContain('200');
    expect(await page.content()).not.toContain(secret);

    // Rotate with the default grace period: both secrets verify meanwhile.
    await page.getByRole('button', { name: 'Changer le secret' }).click();
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(await page.getByTestId('grace-end').textContent()).toMatch(
      /signe encore les envois jusqu’au/,
    );
    await page.getByRole('button', { name: 'Envoyer un test' }).click();
    await until('the second test', () => receiver.received(path).length === 2);
    const second = receiver.received(path)[1];
    expect(verify(rotated, second).type).toBe('tandem.test');
    expect(verify(secret, second).type).toBe('tandem.test');
    await page.reload();
    await page.getByText(/Ancien secret valable jusqu’au/).waitFor();
    await inspect(page, 'console-integrations-webhooks');
  });

  it('picks three default actions and adds one of its own', async () => {
    await page.goto(`${site.url}${base()}/catalogue`);
    for (const title of [
      'Boire l’eau du robinet plutôt qu’en bouteille',
      'Éteindre les veilles la nuit et en partant',
      'Composter mes biodéchets',
    ]) {
      await page.getByLabel(title, { exact: true }).check();
    }
    await page.locator('#new-id').fill('repair-cafe');
    await page.locator('#new-titleFr').fill('Réparer au repair café');
    await page.locator('#new-titleEn').fill('Repair at the repair café');
    await page.locator('#new-category').selectOption('waste');
    await page.locator('#new-co2e').fill('36,5');
    await page.locator('#new-source').fill('Notre estimation, journal du repair café 2025');
    await page.getByRole('button', { name: 'Enregistrer le catalogue' }).click();
    await page.getByText('Catalogue enregistré : 4 gestes.').waitFor();

    const saved = await site.api.get(
      `/api/organizations/${slug}/actions-catalogue`,
      site.adminToken,
    );
    const catalogue = saved.body as {
      defaults: string[];
      actions: { id: string; co2eKgPerYear: number }[];
    };
    expect(catalogue.defaults).toHaveLength(3);
    expect(catalogue.actions).toEqual([
      expect.objectContaining({ id: 'repair-cafe', co2eKgPerYear: 36.5, category: 'waste' }),
    ]);
    // The saved action is now an editable one; a bad id is refused on its field.
    await page.locator('#actions-0-id').fill('Repair Café');
    await page.getByRole('button', { name: 'Enregistrer le catalogue' }).click();
    await page.locator('#actions-0-id-error').waitFor();
    expect(await page.locator('#actions-0-id').getAttribute('aria-invalid')).toBe('true');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.reload();
    await inspect(page, 'console-integrations-catalogue');
    expect(problems).toEqual([]);
  });
});
