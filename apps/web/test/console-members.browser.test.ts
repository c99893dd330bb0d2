import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPng, unique } from '@tandem/core/testing';
import {
  hasSession,
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
import { organizationWithMembers } from './support/world.js';

/**
 * The console's members, branding and sponsorships pages, and the
 * invitation link (ADR 0037): an owner invites a person by e-mail, who
 * accepts from another browser and lands in the console; the owner changes
 * a role, the branding, and accepts a sponsorship proposed by another
 * organization.
 */

let site: Site;
let browser: Browser;
let folder: string;
beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  folder = await mkdtemp(join(tmpdir(), 'tandem-logo-'));
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('the members, branding and sponsorships console', () => {
  it('invites by mail, changes a role, the branding, and accepts a sponsorship', async () => {
    const admin = site.adminToken;
    const slug = `org-${unique()}`;
    const name = `Ville ${slug}`;
    const ownerEmail = `owner-${unique()}@example.org`;
    await organizationWithMembers(site, {
      slug,
      name,
      kind: 'city',
      members: [{ email: ownerEmail, role: 'owner' }],
    });
    must(
      await site.api.post(
        `/api/organizations/${slug}/campaigns`,
        { title: 'Entre collègues', audience: { type: 'members' } },
        admin,
      ),
      201,
      'members-only campaign',
    );
    // Another organization proposes this one as the sponsor of a tier.
    const organizer = `org-${unique()}`;
    await organizationWithMembers(site, {
      slug: organizer,
      name: `Asso ${organizer}`,
      kind: 'association',
    });
    const campaign = must<{ id: string }>(
      await site.api.post(`/api/organizations/${organizer}/campaigns`, { title: 'Vélo' }, admin),
      201,
      'campaign',
    );
    const challengeTitle = `Réparer ${unique()}`;
    must(
      await site.api.post(
        `/api/campaigns/${campaign.id}/challenges`,
        {
          title: challengeTitle,
          actionType: 'pledge-only',
          goal: { participants: 10 },
          counterpart: { kind: 'act', description: 'Réparer 20 vélos' },
          sponsor: slug,
        },
        admin,
      ),
      201,
      'proposed tier',
    );

    // The owner signs in and invites a new person as admin.
    const page = await browser.page({ viewport: 'desktop' });
    const problems = watchProblems(page);
    await signIn(site, page, ownerEmail, `/admin/${slug}/members`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`${name}.*membres`) }).waitFor();
    await expect(page.getByText('Entre collègues').count()).resolves.toBeGreaterThan(0);
    await inspect(page, 'console-members');

    const invitedEmail = `invited-${unique()}@example.org`;
    await page.getByLabel('Adresse e-mail de la personne à inviter').fill(invitedEmail);
    await page.getByLabel('Rôle proposé').selectOption('admin');
    await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
    await page.getByText(`Invitation envoyée à ${invitedEmail}.`).waitFor();
    await page.getByRole('rowheader', { name: invitedEmail }).waitFor();

    // The invited person opens the mailed link in a browser of their own.
    const token = await mailedToken(site, invitedEmail, 'invitation');
    const box = await site.api.get(`/api/dev/mailbox?to=${encodeURIComponent(invitedEmail)}`);
    const mail = (box.body as { messages: { text: string; purpose: string }[] }).messages.find(
      (one) => one.purpose === 'invitation',
    );
    expect(mail?.text).toContain(`/invitation?token=${token}`);
    const elsewhere = await launchBrowser();
    try {
      const invitee = await elsewhere.page({ viewport: 'desktop' });
      const inviteeProblems = watchProblems(invitee);
      await invitee.goto(`${site.url}/invitation?token=${encodeURIComponent(token)}`);
      await invitee.getByRole('heading', { name }).waitFor();
      // Opening the link shows what it is for; it neither signs in nor makes a member.
      expect(await hasSession(site, invitee)).toBe(false);
      await invitee.getByText('Administrateur·rice', { exact: false }).waitFor();
      await inspect(invitee, 'console-invitation');
      await invitee.getByRole('button', { name: "Accepter l'invitation" }).click();
      await invitee.waitForURL(`${site.url}/admin/${slug}`);
      expect(await hasSession(site, invitee)).toBe(true);
      await invitee.getByRole('link', { name: 'Membres' }).waitFor();
      // The link works once.
      await invitee.goto(`${site.url}/invitation?token=${encodeURIComponent(token)}`);
      await invitee.getByText("Ce lien d'invitation est inconnu", { exact: false }).waitFor();
      expect(inviteeProblems).toEqual([]);
    } finally {
      await elsewhere.close();
    }

    // The owner sees the new admin, and makes them an agent.
    await page.goto(`${site.url}/admin/${slug}/members`);
    const select = page.getByLabel(`Rôle de ${invitedEmail}`);
    await expect(select.inputValue()).resolves.toBe('admin');
    await select.selectOption('agent');
    await page
      .getByRole('row')
      .filter({ has: select })
      .getByRole('button', { name: 'Enregistrer le rôle' })
      .click();
    await page.getByText('Rôle enregistré.').waitFor();
    const listed = must<{ members: { email: string; role: string }[] }>(
      await site.api.get(`/api/organizations/${slug}/members`, admin),
      200,
      'members',
    );
    expect(listed.members.find((one) => one.email === invitedEmail)?.role).toBe('agent');

    // Branding: a colour white text cannot be read on is refused on its field.
    await page.goto(`${site.url}/admin/${slug}/branding`);
    await page.getByLabel('Couleur principale').fill('#ffff00');
    await page.getByRole('button', { name: "Enregistrer l'identité visuelle" }).click();
    const colour = page.getByLabel('Couleur principale');
    await expect(colour.getAttribute('aria-invalid')).resolves.toBe('true');
    await inspect(page, 'console-branding-refused');
    // The refusal came back as a 400 page, which the browser logs: expected here.
    expect(problems.splice(0)).toEqual([
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    const logo = join(folder, 'logo.png');
    await writeFile(logo, tinyPng([0x1d, 0x4e, 0xd8]));
    const shortText = `Ensemble pour le climat ${unique()}`;
    await page.getByLabel('Couleur principale').fill('#1d4ed8');
    await page.getByLabel('Texte court').fill(shortText);
    await page.getByLabel('Logo (PNG ou JPEG, 10 Mo au plus)').setInputFiles(logo);
    await page.getByRole('button', { name: "Enregistrer l'identité visuelle" }).click();
    await page.getByText('Identité visuelle enregistrée.').waitFor();
    await inspect(page, 'console-branding');
    await page.goto(`${site.url}/o/${slug}`);
    await page.getByText(shortText).waitFor();
    await expect(
      page.getByRole('img', { name: new RegExp(name) }).getAttribute('src'),
    ).resolves.toMatch(/^\/api\/files\//);

    // The sponsorship proposed through the API is accepted, after a confirmation.
    await page.goto(`${site.url}/admin/${slug}/sponsorships`);
    await page.getByRole('heading', { name: /Propositions en attente/ }).waitFor();
    await inspect(page, 'console-sponsorships');
    await page.getByRole('link', { name: /Accepter le parrainage/ }).click();
    await page.getByRole('heading', { name: /Accepter ce parrainage/ }).waitFor();
    await page.getByRole('button', { name: 'Oui, nous nous engageons' }).click();
    await page.getByText('Parrainage accepté.').waitFor();
    await page.getByRole('table').getByText(challengeTitle).waitFor();
    await expect(page.getByText('Aucune proposition en attente.').count()).resolves.toBe(1);
    await inspect(page, 'console-sponsorships-accepted');
    expect(problems).toEqual([]);
    await page.close();
  });
});
