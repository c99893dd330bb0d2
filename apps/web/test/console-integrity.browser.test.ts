import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import {
  inspect,
  launchBrowser,
  must,
  signIn,
  startSite,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { addMembers, organizationWithMembers } from './support/world.js';

/**
 * The console's integrity page (ADR 0039) in a real browser against a real
 * Tandem: a burst of pledges from one domain raises an alert, the admin
 * previews and invalidates the batch with a reason, the public count drops,
 * and the log says so.
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

async function publicParticipants(challengeId: string): Promise<number> {
  const read = must<{ progress: { participants: number } }>(
    await site.api.get(`/api/challenges/${challengeId}`),
    200,
    'public read',
  );
  return read.progress.participants;
}

describe('the integrity console', () => {
  it('shows the alert, invalidates the batch with a reason, and the count and the log follow', async () => {
    const admin = site.adminToken;
    const slug = `org-${unique()}`;
    const adminEmail = `admin-${unique()}@example.org`;
    await organizationWithMembers(site, {
      slug,
      name: `Mobilités ${slug}`,
      kind: 'company',
      members: [{ email: adminEmail, role: 'admin' }],
    });
    const campaign = must<{ id: string }>(
      await site.api.post(
        `/api/organizations/${slug}/campaigns`,
        { title: 'Semaine du vélo' },
        admin,
      ),
      201,
      'campaign',
    );
    const challenge = must<{ id: string }>(
      await site.api.post(
        `/api/campaigns/${campaign.id}/challenges`,
        { title: 'Au travail à vélo', actionType: 'pledge-only', goal: { participants: 100 } },
        admin,
      ),
      201,
      'challenge',
    );
    must(
      await site.api.post(`/api/challenges/${challenge.id}/open`, undefined, admin),
      200,
      'open',
    );
    await site.api.pledgeAndConfirm(challenge.id, `honest-${unique()}@example.org`);
    await site.api.pledgeAndConfirm(challenge.id, `other-${unique()}@example.net`);
    for (let i = 0; i < 25; i++) {
      await site.api.pledgeAndConfirm(challenge.id, `x${i}-${unique()}@burst.example`);
    }
    expect(await publicParticipants(challenge.id)).toBe(27);

    const path = `/admin/${slug}/integrity`;
    const page = await browser.page({ viewport: 'desktop' });
    const problems = watchProblems(page);
    await signIn(site, page, adminEmail, path);
    await page.getByRole('heading', { level: 1, name: 'Intégrité des comptes' }).waitFor();
    const card = page.locator('li.alert', {
      has: page.getByRole('heading', { name: 'Domaine e-mail burst.example' }),
    });
    await expect(card.count()).resolves.toBe(1);
    expect(await card.textContent()).toContain('25 sur 27');
    await inspect(page, 'console-integrity');

    // No reason: the form says so, on the field.
    await card.getByRole('button', { name: 'Voir ce qui serait retiré' }).click();
    const reason = card.getByLabel('Motif (obligatoire)');
    expect(
      await reason.evaluate(
        (el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing,
      ),
    ).toBe(true);

    await reason.fill('Une seule personne derrière 25 adresses');
    await card.getByRole('button', { name: 'Voir ce qui serait retiré' }).click();
    const confirm = page.getByRole('region', { name: "Confirmer l'invalidation" });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('25 engagements');
    // The preview changed nothing.
    expect(await publicParticipants(challenge.id)).toBe(27);
    await inspect(page, 'console-integrity-confirm', ['desktop']);

    await confirm.getByRole('button', { name: 'Invalider ce lot' }).click();
    await page.getByText('Le lot est retiré des comptes.').waitFor();
    expect(await publicParticipants(challenge.id)).toBe(2);

    const invalidations = page.getByRole('table', {
      name: "Lots d'engagements retirés des comptes, du plus récent au plus ancien",
    });
    expect(await invalidations.textContent()).toContain('Une seule personne derrière 25 adresses');
    const log = page.getByRole('table', {
      name: 'Journal des changements du défi, du plus récent au plus ancien',
    });
    const first = await log.locator('tbody tr').first().textContent();
    expect(first).toContain('Engagements invalidés');
    expect(await log.textContent()).toContain('Défi ouvert');
    expect(await page.locator('li.alert', { hasText: 'burst.example' }).count()).toBe(0);
    await inspect(page, 'console-integrity-after');
    expect(problems).toEqual([]);

    // Someone without the admin role never sees the page (the same browser, signed in anew).
    await page.context().clearCookies();
    const outsider = await browser.page({ viewport: 'desktop' });
    const memberEmail = `member-${unique()}@example.org`;
    await addMembers(site, slug, [{ email: memberEmail, role: 'agent' }]);
    await signIn(site, outsider, memberEmail);
    const refused = await outsider.goto(`${site.url}${path}`);
    expect(refused?.status()).toBe(403);
  }, 180_000);
});
