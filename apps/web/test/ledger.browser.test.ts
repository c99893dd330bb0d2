import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPng, unique } from '@tandem/core/testing';
import {
  inspect,
  launchBrowser,
  mailedToken,
  must,
  signIn,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { addMembers, organizationWithMembers, pledgeThroughApi } from './support/world.js';

/**
 * The sponsor's proof in the browser (ADR 0035): an admin declares a
 * delivery with an uploaded receipt on /admin/{slug}/ledger, the public
 * ledger shows it on the organization's page and the challenge page, and
 * the beneficiary confirms receipt through the mailed link.
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

/** A city whose beneficiary has an address, and an open challenge whose only tier unlocked. */
async function unlockedChallenge() {
  const admin = site.adminToken;
  const slug = `ville-${unique()}`;
  const orgName = `Ville ${slug.slice(-6)}`;
  await organizationWithMembers(site, { slug, name: orgName, kind: 'city' });
  const beneficiaryEmail = `solicycle-${unique()}@example.org`;
  const beneficiary = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${slug}/beneficiaries`,
      { name: 'Solicycle', email: beneficiaryEmail },
      admin,
    ),
    201,
    'beneficiary',
  );
  const campaign = must<{ id: string }>(
    await site.api.post(`/api/organizations/${slug}/campaigns`, { title: 'Printemps' }, admin),
    201,
    'campaign',
  );
  const title = `Au travail à vélo ${unique().slice(-4)}`;
  const challenge = must<{ id: string; tiers: { id: string }[] }>(
    await site.api.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title,
        actionType: 'pledge-only',
        goal: { participants: 2 },
        counterpart: {
          kind: 'donation',
          amount: { value: 500, currency: 'EUR' },
          beneficiaryId: beneficiary.id,
        },
      },
      admin,
    ),
    201,
    'challenge',
  );
  must(await site.api.post(`/api/challenges/${challenge.id}/open`, {}, admin), 200, 'open');
  for (const n of [1, 2])
    await pledgeThroughApi(site, challenge.id, `p${n}-${unique()}@example.org`);
  const tierId = challenge.tiers[0]?.id as string;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const read = await site.api.get(`/api/challenges/${challenge.id}`);
    const tier = (read.body as { tiers: { unlockedAt: string | null }[] }).tiers[0];
    if (tier?.unlockedAt) break;
    if (Date.now() > deadline) throw new Error('the tier did not unlock');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const adminEmail = `admin-${unique()}@example.org`;
  await addMembers(site, slug, [{ email: adminEmail, role: 'admin' }]);
  return { slug, orgName, title, challengeId: challenge.id, tierId, beneficiaryEmail, adminEmail };
}

const tierOf = async (challengeId: string) =>
  (
    (await site.api.get(`/api/challenges/${challengeId}`)).body as {
      tiers: {
        deliverBy: string | null;
        fulfilledAt: string | null;
        receivedAt: string | null;
        proof: { text?: string; file?: { sha256: string; contentType: string } } | null;
      }[];
    }
  ).tiers[0];

describe('the sponsor’s proof', () => {
  it('an admin declares a delivery with a receipt; the public ledger shows it; the beneficiary confirms', async () => {
    const world = await unlockedChallenge();
    const page = await browser.page({ viewport: 'desktop' });
    await page.context().clearCookies();
    const problems = watchProblems(page);
    const ledger = `/admin/${world.slug}/ledger`;
    await signIn(site, page, world.adminEmail, ledger);

    const card = page.getByRole('article').filter({ hasText: world.title });
    await card.getByText(/À livrer avant le/).waitFor();
    await inspect(page, 'ledger-admin');

    // The sponsor moves the date it owes the counterpart by.
    const day = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    await card.getByLabel('Date limite de livraison').fill(day);
    await card.getByRole('button', { name: 'Changer la date' }).click();
    await page.getByRole('status').filter({ hasText: 'Date limite enregistrée.' }).waitFor();
    expect((await tierOf(world.challengeId))?.deliverBy).toBe(`${day}T23:59:59.000Z`);

    // A proof is required: nothing posted, the refusal is tied to its field.
    await card.getByRole('button', { name: 'Marquer comme livré' }).click();
    const text = page.getByLabel('Ce qui a été livré');
    await expect.poll(() => text.getAttribute('aria-invalid')).toBe('true');
    expect((await tierOf(world.challengeId))?.fulfilledAt).toBeNull();

    // The delivery, with words and an uploaded receipt.
    const receipt = tinyPng([0x20, 0x80, 0x40]);
    await page.getByLabel('Ce qui a été livré').fill('Virement de 500 € le 3 mars');
    await page
      .getByLabel(/Justificatif/)
      .setInputFiles({ name: 'virement.png', mimeType: 'image/png', buffer: receipt });
    await page.getByRole('button', { name: 'Marquer comme livré' }).click();
    await page.getByRole('status').filter({ hasText: 'Livraison enregistrée' }).waitFor();
    const delivered = await tierOf(world.challengeId);
    expect(delivered?.fulfilledAt).not.toBeNull();
    expect(delivered?.proof?.text).toBe('Virement de 500 € le 3 mars');
    expect(delivered?.proof?.file?.contentType).toBe('image/png');
    expect(delivered?.proof?.file?.sha256).toBe(createHash('sha256').update(receipt).digest('hex'));
    await page
      .getByText(/Livré le/)
      .first()
      .waitFor();
    expect(await page.getByRole('button', { name: 'Marquer comme livré' }).count()).toBe(0);
    await inspect(page, 'ledger-admin-delivered');

    // The public ledger, as anyone sees it.
    await page.context().clearCookies();
    await page.goto(`${site.url}/o/${world.slug}`);
    const section = page.getByRole('region', {
      name: 'Ce que les partenaires ont promis et livré',
    });
    await section.getByText(/Livré le .*, selon/).waitFor();
    await section.getByText(/donne 500\s€ à Solicycle/).waitFor();
    const file = section.getByRole('link', { name: /Ouvrir le justificatif \(PNG/ });
    const href = await file.getAttribute('href');
    expect(href).toMatch(/^\/api\/files\//);
    const served = await page.request.get(`${site.url}${href}`);
    expect(served.status()).toBe(200);
    expect(Buffer.from(await served.body()).equals(receipt)).toBe(true);
    await inspect(page, 'ledger-organization');

    await page.goto(`${site.url}/c/${world.challengeId}`);
    const delivery = page.getByRole('region', { name: 'Livraison des contreparties' });
    await delivery.getByText(/Livré le/).waitFor();
    await delivery.getByRole('link', { name: /Ouvrir le justificatif/ }).waitFor();
    await inspect(page, 'ledger-challenge');

    // The beneficiary's mailed link: opening it confirms nothing, the button does.
    const token = await mailedToken(site, world.beneficiaryEmail, 'receipt');
    await page.goto(`${site.url}/receipt?token=${encodeURIComponent(token)}`);
    await page.getByRole('button', { name: 'Je confirme la réception' }).waitFor();
    expect((await tierOf(world.challengeId))?.receivedAt).toBeNull();
    await inspect(page, 'receipt');
    await page.getByRole('button', { name: 'Je confirme la réception' }).click();
    await page.getByRole('status').filter({ hasText: 'la réception est confirmée' }).waitFor();
    expect((await tierOf(world.challengeId))?.receivedAt).not.toBeNull();
    await inspect(page, 'receipt-done');

    await page.getByRole('link', { name: 'Voir le défi' }).click();
    await page
      .getByRole('region', { name: 'Livraison des contreparties' })
      .getByText(/Réception confirmée par le bénéficiaire le/)
      .waitFor();
    expect(problems).toEqual([]);
  });
});
