import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
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
import { organizationWithMembers } from './support/world.js';

/**
 * The organization console's campaigns and challenges, driven as an admin
 * would: an owner of a new organization signs in by magic link, adds a
 * beneficiary, creates a campaign and a commute challenge with two tiers
 * (a donation, and matching with a cap), previews its IF/THEN card, opens
 * it, finds it on the public page, and can no longer edit it (no form, and
 * the API says 409). Every console page has no axe violation and is
 * photographed at tablet and desktop sizes.
 */

let site: Site;
let browser: Browser;
let slug: string;
const owner = `owner-${unique()}@example.org`;

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  slug = await organizationWithMembers(site, {
    slug: unique('console'),
    name: 'Ville de Brionne',
    kind: 'city',
    members: [{ email: owner, role: 'owner' }],
  });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

const field = (page: Page, name: string) => page.locator(`[name="${name}"]`);

describe('the console’s campaigns and challenges', () => {
  it('creates a campaign and a two-tier commute challenge, opens it, and then refuses edits', async () => {
    const page = await browser.page({ viewport: 'desktop' });
    const problems = watchProblems(page);
    await signIn(site, page, owner, `/admin/${slug}`);
    await page.getByRole('heading', { name: /Ville de Brionne/ }).waitFor();
    await page.getByRole('heading', { name: 'À faire' }).waitFor();
    await inspect(page, 'console-overview-empty');

    // A beneficiary, for the tiers' money.
    await page.goto(`${site.url}/admin/${slug}/beneficiaries`);
    await inspect(page, 'console-beneficiaries-empty');
    const creating = page.locator('form[action="?/create"]');
    await creating.getByLabel('Nom').fill('Atelier vélo solidaire');
    await creating.getByLabel('Site web').fill('https://atelier.example.org');
    await page.getByRole('button', { name: 'Ajouter le bénéficiaire' }).click();
    await page.getByRole('heading', { name: 'Atelier vélo solidaire' }).waitFor();
    await inspect(page, 'console-beneficiaries');

    // The campaign: a refusal first (no title), shown next to the field.
    await page.goto(`${site.url}/admin/${slug}/campaigns`);
    await page.getByRole('button', { name: 'Créer la campagne' }).click();
    await expect
      .poll(() => page.getByLabel('Titre de la campagne').getAttribute('aria-invalid'))
      .toBe('true');
    await inspect(page, 'console-campaigns');
    await page.getByLabel('Titre de la campagne').fill('Printemps du vélo');
    await page.getByLabel('Premier jour').fill('2027-03-01');
    await page.getByLabel('Dernier jour').fill('2027-06-30');
    await page.getByLabel('Tout le monde').check();
    await page.getByRole('button', { name: 'Créer la campagne' }).click();
    await page.waitForURL(/\/admin\/[^/]+\/campaigns\/cmp_/);
    await page.getByRole('heading', { name: 'Printemps du vélo', level: 1 }).waitFor();
    const campaignId = new URL(page.url()).pathname.split('/').pop() as string;
    await page.getByLabel('Nouvelle équipe').fill('Mairie');
    await page.getByRole('button', { name: "Ajouter l'équipe" }).click();
    await page.getByText('Équipe ajoutée.').waitFor();
    await inspect(page, 'console-campaign');

    // The challenge: commute, its settings from the plugin's schema, two tiers.
    await page.getByRole('link', { name: 'Nouveau défi' }).click();
    await page.getByLabel("Type d'action").selectOption('commute');
    await page.getByRole('button', { name: "Choisir ce type d'action" }).click();
    await page.getByRole('group', { name: /Réglages de l'action/ }).waitFor();
    await page.getByLabel('Titre du défi').fill('Au travail à vélo');
    await page
      .getByRole('group', { name: /Modes de déplacement comptés/ })
      .getByLabel('Vélo', { exact: true })
      .check();
    await field(page, 'tiers/0/goal/participants').fill('10');
    await field(page, 'tiers/0/counterpart/kind').selectOption('donation');
    await field(page, 'tiers/0/counterpart/amount').fill('500');
    await field(page, 'tiers/0/counterpart/beneficiaryId').selectOption({
      label: 'Atelier vélo solidaire',
    });
    await field(page, 'tiers/1/goal/participants').fill('25');
    await field(page, 'tiers/1/counterpart/kind').selectOption('matching');
    await field(page, 'tiers/1/counterpart/perUnit').fill('0,10');
    await field(page, 'tiers/1/counterpart/cap').fill('300');
    await field(page, 'tiers/1/counterpart/beneficiaryId').selectOption({
      label: 'Atelier vélo solidaire',
    });
    const deadline = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Date limite').fill(deadline);
    await inspect(page, 'console-challenge-new');
    await page.getByRole('button', { name: 'Créer le brouillon' }).click();
    await page.waitForURL(/\/admin\/[^/]+\/challenges\/chl_/);
    const challengeId = new URL(page.url()).pathname.split('/').pop() as string;

    // The draft as the API keeps it: the settings and both tiers as typed.
    const draft = must<{
      status: string;
      actionType: string;
      actionSettings: Record<string, unknown>;
      tiers: { goal: unknown; counterpart: Record<string, unknown> }[];
    }>(await site.api.get(`/api/challenges/${challengeId}`, site.adminToken), 200, 'draft');
    expect(draft).toMatchObject({
      status: 'draft',
      actionType: 'commute',
      actionSettings: { modes: ['bike'] },
    });
    expect(draft.tiers.map((t) => [t.goal, t.counterpart['kind']])).toEqual([
      [{ participants: 10, match: 'all' }, 'donation'],
      [{ participants: 25, match: 'all' }, 'matching'],
    ]);
    expect(draft.tiers[1]?.counterpart).toMatchObject({
      perUnit: { value: 0.1, currency: 'EUR' },
      cap: { value: 300, currency: 'EUR' },
    });

    // The preview: the public IF/THEN card, tier by tier.
    const preview = page.locator('section[aria-labelledby="preview-title"]');
    await preview
      .getByText(/Atelier vélo solidaire/)
      .first()
      .waitFor();
    expect(await preview.locator('.if-then').count()).toBe(2);
    expect(await preview.textContent()).toContain('jusqu');
    await expect.poll(() => field(page, 'tiers/1/counterpart/cap').inputValue()).toBe('300');
    await inspect(page, 'console-challenge-draft');

    // A draft edit the API refuses comes back next to its field (an unknown sponsor).
    await field(page, 'tiers/1/sponsor').fill('no-such-organization');
    await field(page, 'tiers/1/counterpart/cap').fill('350');
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await expect
      .poll(() => field(page, 'tiers/1/sponsor').getAttribute('aria-invalid'))
      .toBe('true');
    await page.locator('#cf-tiers-1-sponsor-error').waitFor();
    await field(page, 'tiers/1/sponsor').fill('');
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await page.getByText('Enregistré.').waitFor();
    const saved = must(
      await site.api.get(`/api/challenges/${challengeId}`, site.adminToken),
      200,
      'saved',
    ) as { tiers: { counterpart: { cap?: { value: number } } }[] };
    expect(saved.tiers[1]?.counterpart.cap?.value).toBe(350);

    // Open it: the edit form is gone, the close-early form is there.
    await page.getByRole('button', { name: 'Ouvrir le défi' }).click();
    await page.getByText('Le défi est ouvert.').waitFor();
    expect(await page.getByRole('button', { name: 'Enregistrer le brouillon' }).count()).toBe(0);
    expect(await page.locator('[name="tiers/0/goal/participants"]').count()).toBe(0);
    await page.getByRole('heading', { name: 'Clore le défi maintenant' }).waitFor();
    await inspect(page, 'console-challenge-open');

    // The API refuses an edit too.
    const refused = await fetch(`${site.url}/api/challenges/${challengeId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${site.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Changed after opening' }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toBe('TANDEM_CHALLENGE_NOT_DRAFT');

    // The public page shows it, as promised.
    const visitor = await browser.page({ viewport: 'desktop' });
    await visitor.goto(`${site.url}/c/${challengeId}`);
    await visitor.getByRole('heading', { name: 'Au travail à vélo', level: 1 }).waitFor();
    expect(await visitor.locator('.if-then').first().textContent()).toContain(
      'Atelier vélo solidaire',
    );
    await visitor.close();

    // Closing early asks for a confirmation first.
    await page.getByRole('button', { name: 'Clore le défi' }).click();
    await page.getByText('Cochez la case pour confirmer.').waitFor();
    await page.getByLabel('Je confirme la clôture anticipée de ce défi.').check();
    await page.getByRole('button', { name: 'Clore le défi' }).click();
    await page.getByText('Le défi est clos.').waitFor();
    const closed = must(
      await site.api.get(`/api/challenges/${challengeId}`, site.adminToken),
      200,
      'closed',
    ) as { status: string; closedAt: string | null };
    expect(closed.status).toBe('failed');
    expect(closed.closedAt).not.toBeNull();

    // The overview lists the campaign with its challenge and its state.
    await page.goto(`${site.url}/admin/${slug}`);
    const card = page.locator(`section[aria-labelledby="campaign-${campaignId}"]`);
    await card.getByRole('link', { name: 'Au travail à vélo' }).waitFor();
    await inspect(page, 'console-overview');
    // The three refusals above answer 400, as a refused form should; nothing else went wrong.
    expect(problems.filter((problem) => !problem.includes('status of 400'))).toEqual([]);
    expect(problems).toHaveLength(3);
    await page.close();
  });

  it('deletes a draft after a confirmation, and keeps strangers out', async () => {
    const campaign = must(
      await site.api.post(
        `/api/organizations/${slug}/campaigns`,
        { title: 'Brouillons' },
        site.adminToken,
      ),
      201,
      'campaign',
    ) as { id: string };
    const challenge = must(
      await site.api.post(
        `/api/campaigns/${campaign.id}/challenges`,
        { title: 'À jeter', actionType: 'pledge-only', goal: { participants: 3 } },
        site.adminToken,
      ),
      201,
      'draft',
    ) as { id: string };
    const page = await browser.page({ viewport: 'desktop' });
    await page.goto(`${site.url}/admin/${slug}/challenges/${challenge.id}`);
    await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await page.getByText('Cochez la case pour confirmer.').waitFor();
    await page.getByLabel('Je confirme la suppression de ce brouillon.').check();
    await page.getByRole('button', { name: 'Supprimer le brouillon' }).click();
    await page.waitForURL((url) => url.pathname === `/admin/${slug}/campaigns/${campaign.id}`);
    await page.getByText('Le brouillon a été supprimé.').waitFor();
    expect((await site.api.get(`/api/challenges/${challenge.id}`, site.adminToken)).status).toBe(
      404,
    );
    await page.close();

    // A signed-in stranger gets no console page of this organization, nor its actions.
    const stranger = await browser.page({ viewport: 'desktop', locale: 'en' });
    const email = `stranger-${unique()}@example.org`;
    await signIn(site, stranger, email);
    const answer = await stranger.goto(`${site.url}/admin/${slug}/campaigns/${campaign.id}`);
    expect(answer?.status()).toBe(404);
    const posted = await stranger.request.post(
      `${site.url}/admin/${slug}/campaigns/${campaign.id}?/delete`,
      { form: { confirm: 'yes' }, headers: { origin: site.url } },
    );
    expect(posted.status()).toBe(404);
    expect((await site.api.get(`/api/campaigns/${campaign.id}`)).status).toBe(200);
    await stranger.close();
  });
});
