import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
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
import { bikeTripRecorded, organizationWithMembers, pledgeThroughApi } from './support/world.js';

/**
 * Issue 10's acceptance, in one sitting and through the pages only (the
 * API serves as the crowd and as the checker): an owner signs in, adds a
 * beneficiary, creates a campaign and a commute challenge with two tiers
 * (a donation, and matching with a cap), opens it, invites a member who
 * accepts by mail, watches the dashboard move as people pledge and ride,
 * downloads the CSV and the PDF, verifies the signed attestation with
 * `tandem verify` (and sees a tampered copy fail), marks the unlocked tier
 * delivered with an uploaded receipt, and finds it on the public ledger.
 */

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tandemBin = join(repoRoot, 'apps', 'server', 'bin', 'tandem.js');

let site: Site;
let browser: Browser;
let folder: string;
const slug = unique('lumen');
const owner = `owner-${unique()}@example.org`;
/** The campaign the first test creates, which the English tour reads. */
let campaignId = '';

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  folder = await mkdtemp(join(tmpdir(), 'tandem-flow-'));
  await organizationWithMembers(site, {
    slug,
    name: 'Compagnie Lumen',
    kind: 'company',
    members: [{ email: owner, role: 'owner' }],
  });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const field = (page: Page, name: string) => page.locator(`[name="${name}"]`);

/** Runs `tandem verify` on a file, as a sponsor's auditor would, and gives its exit code. */
function verify(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tandemBin, 'verify', file, '--jwks', `${site.url}/.well-known/jwks.json`],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A person who pledges in a team and confirms by mail, then rides `km` to work. */
async function rider(challengeId: string, team: string, km: number): Promise<void> {
  const email = `rider-${unique()}@example.org`;
  await pledgeThroughApi(site, challengeId, email, { team, details: { previousMode: 'car' } });
  await bikeTripRecorded(site, challengeId, email, km);
}

describe('the organization console, from a blank organization to the public ledger', () => {
  it('runs a campaign end to end through the console', async () => {
    const page = await browser.page({ viewport: 'desktop' });
    const problems = watchProblems(page);
    await signIn(site, page, owner, `/admin/${slug}`);
    await page.getByRole('heading', { level: 1, name: /Compagnie Lumen/ }).waitFor();
    await inspect(page, 'flow-overview');

    // A beneficiary, with the address its receipt link goes to.
    await page.goto(`${site.url}/admin/${slug}/beneficiaries`);
    const creating = page.locator('section[aria-labelledby="new-beneficiary"]');
    await creating.getByLabel('Nom').fill('Vélo-école du Rhône');
    await creating.getByLabel('Adresse e-mail du bénéficiaire').fill('dons@velo-ecole.example');
    await page.getByRole('button', { name: 'Ajouter le bénéficiaire' }).click();
    await page.getByRole('heading', { name: 'Vélo-école du Rhône' }).waitFor();

    // The campaign, and a team in it.
    await page.goto(`${site.url}/admin/${slug}/campaigns`);
    await page.getByLabel('Titre de la campagne').fill("Mobilité d'hiver");
    await page.getByLabel('Tout le monde').check();
    await page.getByRole('button', { name: 'Créer la campagne' }).click();
    await page.getByRole('heading', { name: "Mobilité d'hiver", level: 1 }).waitFor();
    campaignId = new URL(page.url()).pathname.split('/').pop() as string;
    await page.getByLabel('Nouvelle équipe').fill('Atelier');
    await page.getByRole('button', { name: "Ajouter l'équipe" }).click();
    await page.getByText('Équipe ajoutée.').waitFor();
    await inspect(page, 'flow-campaign');

    // A commute challenge: 2 people unlock 500 €; 50 people, 0,50 € per km capped at 10 €.
    await page.getByRole('link', { name: 'Nouveau défi' }).click();
    await page.getByLabel("Type d'action").selectOption('commute');
    await page.getByRole('button', { name: "Choisir ce type d'action" }).click();
    await page.getByLabel('Titre du défi').fill('Au bureau autrement');
    await field(page, 'tiers/0/goal/participants').fill('2');
    await field(page, 'tiers/0/counterpart/kind').selectOption('donation');
    await field(page, 'tiers/0/counterpart/amount').fill('500');
    await field(page, 'tiers/0/counterpart/beneficiaryId').selectOption({
      label: 'Vélo-école du Rhône',
    });
    await field(page, 'tiers/1/goal/participants').fill('50');
    await field(page, 'tiers/1/counterpart/kind').selectOption('matching');
    await field(page, 'tiers/1/counterpart/perUnit').fill('0,50');
    await field(page, 'tiers/1/counterpart/cap').fill('10');
    await field(page, 'tiers/1/counterpart/beneficiaryId').selectOption({
      label: 'Vélo-école du Rhône',
    });
    const deadline = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Date limite').fill(deadline);
    await page.getByRole('button', { name: 'Créer le brouillon' }).click();
    await page.waitForURL(/\/admin\/[^/]+\/challenges\/chl_/);
    const challengeId = new URL(page.url()).pathname.split('/').pop() as string;
    await inspect(page, 'flow-challenge-draft');
    await page.getByRole('button', { name: 'Ouvrir le défi' }).click();
    await page.getByText('Le défi est ouvert.').waitFor();
    const opened = must(
      await site.api.get(`/api/challenges/${challengeId}`),
      200,
      'public challenge',
    ) as { status: string; tiers: { counterpart: { kind: string } }[] };
    expect(opened.status).toBe('open');
    expect(opened.tiers.map((tier) => tier.counterpart.kind)).toEqual(['donation', 'matching']);

    // A colleague is invited by mail and accepts in a browser of their own.
    await page.goto(`${site.url}/admin/${slug}/members`);
    const colleague = `colleague-${unique()}@example.org`;
    await page.getByLabel('Adresse e-mail de la personne à inviter').fill(colleague);
    await page.getByLabel('Rôle proposé').selectOption('member');
    await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
    await page.getByText(`Invitation envoyée à ${colleague}.`).waitFor();
    await inspect(page, 'flow-members');
    const token = await mailedToken(site, colleague, 'invitation');
    const elsewhere = await launchBrowser();
    try {
      const invitee = await elsewhere.page({ viewport: 'phone' });
      await invitee.goto(`${site.url}/invitation?token=${encodeURIComponent(token)}`);
      await invitee.getByRole('button', { name: "Accepter l'invitation" }).click();
      // A plain member lands on the organization's public page, signed in.
      await invitee.waitForURL(`${site.url}/o/${slug}`);
    } finally {
      await elsewhere.close();
    }
    const members = must(
      await site.api.get(`/api/organizations/${slug}/members`, site.adminToken),
      200,
      'members',
    ) as { members: { email: string | null; role: string }[] };
    expect(members.members.find((one) => one.email === colleague)?.role).toBe('member');

    // The dashboard moves as people pledge and ride, without reloading by hand.
    await page.goto(`${site.url}/admin/${slug}/campaigns/${campaignId}/dashboard`);
    const participants = page.locator('[data-figure="participants"]');
    await expect.poll(() => participants.textContent()).toBe('0');
    await rider(challengeId, 'atelier', 12);
    await rider(challengeId, 'atelier', 14);
    await expect.poll(() => participants.textContent(), { timeout: 30_000 }).toBe('2');
    await expect.poll(() => page.locator('[data-figure="quantity"]').textContent()).toBe('26');
    // 26 km at 0,50 € is 13 €: the matching tier owes its 10 € cap.
    await page.getByText(/10\s€ \(plafond atteint\)/).waitFor();
    await inspect(page, 'flow-dashboard');

    // The reports, as the links on the dashboard serve them to this admin.
    const download = async (name: string) => {
      const href = await page.getByRole('link', { name }).getAttribute('href');
      expect(href, name).toBeTruthy();
      const answer = await page.request.get(`${site.url}${href}`);
      expect(answer.status(), name).toBe(200);
      return Buffer.from(await answer.body());
    };
    const csv = (await download('Rapport (CSV)')).toString('utf8');
    expect(csv).toContain('Au bureau autrement');
    const pdf = await download('Rapport (PDF)');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // The signed attestation verifies with the platform's published keys; a
    // copy whose figures were changed does not.
    const attestation = (await download('Attestation signée (JSON)')).toString('utf8');
    const { jws } = JSON.parse(attestation) as { jws: string };
    const [header, payload, signature] = jws.split('.') as [string, string, string];
    const figures = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      campaignId: string;
      challenges: { participants: number }[];
    };
    expect(figures.campaignId).toBe(campaignId);
    expect(figures.challenges[0]?.participants).toBe(2);
    const genuine = join(folder, 'attestation.json');
    await writeFile(genuine, attestation);
    const verified = await verify(genuine);
    expect(verified.code, verified.output).toBe(0);
    const inflated = {
      ...figures,
      challenges: figures.challenges.map((one) => ({ ...one, participants: 2000 })),
    };
    const tampered = join(folder, 'tampered.json');
    await writeFile(
      tampered,
      JSON.stringify({
        jws: `${header}.${Buffer.from(JSON.stringify(inflated)).toString('base64url')}.${signature}`,
      }),
    );
    const refused = await verify(tampered);
    expect(refused.code, refused.output).toBe(1);

    // The unlocked tier is delivered, with the transfer receipt uploaded.
    await page.goto(`${site.url}/admin/${slug}/ledger`);
    const card = page.getByRole('article').filter({ hasText: /500\s€/ });
    await card.getByText(/À livrer avant le/).waitFor();
    await inspect(page, 'flow-ledger');
    await card.getByRole('button', { name: 'Marquer comme livré' }).click();
    const receipt = tinyPng([0x10, 0x70, 0x30]);
    await page.getByLabel('Ce qui a été livré').fill('Virement de 500 € du 4 décembre');
    await page
      .getByLabel(/Justificatif/)
      .setInputFiles({ name: 'virement.png', mimeType: 'image/png', buffer: receipt });
    await page.getByRole('button', { name: 'Marquer comme livré' }).click();
    await page.getByRole('status').filter({ hasText: 'Livraison enregistrée' }).waitFor();

    // The public ledger shows it to anyone, with the receipt it was proven by.
    const visitor = await browser.page({ viewport: 'phone', locale: 'en' });
    await visitor.context().clearCookies();
    await visitor.goto(`${site.url}/o/${slug}`);
    const ledger = await site.api.get(`/api/organizations/${slug}/ledger`);
    const entries = (
      must(ledger, 200, 'ledger') as {
        entries: { fulfilledAt: string | null; proof: { file?: { sha256: string } } | null }[];
      }
    ).entries;
    const delivered = entries.find((entry) => entry.fulfilledAt !== null);
    expect(delivered?.proof?.file?.sha256).toBe(createHash('sha256').update(receipt).digest('hex'));
    await visitor
      .getByText(/Delivered on/)
      .first()
      .waitFor();
    await inspect(visitor, 'flow-public-ledger');
    expect(problems).toEqual([]);
    await page.close();
    await visitor.close();
  }, 300_000);

  it('reads the same console in English, with no violation', async () => {
    expect(campaignId, 'the first test made the campaign').not.toBe('');
    const page = await browser.page({ viewport: 'desktop', locale: 'en' });
    await page.context().clearCookies();
    await signIn(site, page, owner, `/admin/${slug}`);
    await page.getByRole('heading', { level: 1, name: /Compagnie Lumen/ }).waitFor();
    await inspect(page, 'flow-en-overview');
    const tour = [
      ['campaigns', `/admin/${slug}/campaigns/${campaignId}`],
      ['dashboard', `/admin/${slug}/campaigns/${campaignId}/dashboard`],
      ['members', `/admin/${slug}/members`],
      ['ledger', `/admin/${slug}/ledger`],
      ['integrity', `/admin/${slug}/integrity`],
      ['integrations', `/admin/${slug}/integrations`],
    ] as const;
    for (const [name, path] of tour) {
      const answer = await page.goto(`${site.url}${path}`);
      expect(answer?.status(), path).toBe(200);
      expect(await page.locator('html').getAttribute('lang'), path).toBe('en');
      await inspect(page, `flow-en-${name}`);
    }
    await page.close();
  });

  it("lets the demo's organizer and agent in, as `npm start` prints", async () => {
    const page = await browser.page({ viewport: 'tablet' });
    await page.context().clearCookies();
    await signIn(site, page, 'organisation@demo.tandem.localhost', '/admin/demo');
    await page.getByRole('heading', { level: 1, name: /Ville de Démo/ }).waitFor();
    await page.context().clearCookies();
    await signIn(site, page, 'agent@demo.tandem.localhost', '/agent/demo');
    // An agent has the field tablet, not the organization's settings.
    const settings = await page.goto(`${site.url}/admin/demo/members`);
    expect(settings?.status()).toBe(403);
    await page.close();
  });
});
