import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '@tandem/core/testing';
import {
  accessibilityViolations,
  inspect,
  launchBrowser,
  mailedToken,
  must,
  signIn,
  startSite,
  VIEWPORTS,
  watchProblems,
  type Browser,
  type Site,
} from './support/browser.js';
import { organizationWithMembers } from './support/world.js';

/**
 * A federated challenge on the site and in the console (ADR 0043, 0048):
 * the owner invites another organization from its console, that
 * organization's admin accepts in theirs (in English), a visitor pledges on
 * the partner's white-label page without JavaScript, the public page's
 * ranking of partners moves without a reload, and the owner's console shows
 * the partner's figures. Each page is checked with axe and looked at, phone
 * and desktop.
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
  owner: string;
  ownerName: string;
  ownerAdmin: string;
  partner: string;
  partnerName: string;
  partnerAdmin: string;
  challengeId: string;
}

/** Two organizations with an admin each; the first owns a draft challenge, the second wears its own colours. */
async function setUp(): Promise<Setup> {
  const admin = site.adminToken;
  const tag = unique().slice(-5);
  // Names ranked so the partner starts second and has to climb.
  const ownerName = `Alpha Network ${tag}`;
  const partnerName = `Zephyr Campus ${tag}`;
  const ownerAdmin = `owner-${unique()}@example.org`;
  const partnerAdmin = `partner-${unique()}@example.org`;
  const owner = await organizationWithMembers(site, {
    name: ownerName,
    kind: 'network',
    members: [{ email: ownerAdmin, role: 'admin' }],
  });
  const partner = await organizationWithMembers(site, {
    name: partnerName,
    kind: 'association',
    members: [{ email: partnerAdmin, role: 'admin' }],
  });
  const branded = await fetch(`${site.url}/api/organizations/${partner}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      branding: { primaryColor: '#7a2e8c', shortText: 'Every campus counts.' },
    }),
  });
  expect(branded.status, 'partner branding').toBe(200);
  const campaign = must<{ id: string }>(
    await site.api.post(
      `/api/organizations/${owner}/campaigns`,
      { title: 'One million actions', audience: { type: 'public' } },
      admin,
    ),
    201,
    'campaign',
  );
  const challenge = must<{ id: string }>(
    await site.api.post(
      `/api/campaigns/${campaign.id}/challenges`,
      {
        title: 'Tour of campuses',
        actionType: 'pledge-only',
        deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        goal: { participants: 10 },
        counterpart: { kind: 'act', description: 'a tree planted on each campus' },
      },
      admin,
    ),
    201,
    'challenge',
  );
  return {
    owner,
    ownerName,
    ownerAdmin,
    partner,
    partnerName,
    partnerAdmin,
    challengeId: challenge.id,
  };
}

/**
 * Looks at a page at phone and desktop sizes (axe, screenshots), after
 * checking that nothing `within` the part under test makes the phone page
 * scroll sideways.
 */
async function look(page: Page, name: string, within = 'body'): Promise<void> {
  await page.setViewportSize(VIEWPORTS.phone);
  // What sticks out past the right edge, if anything, named by tag and class.
  const selector = within
    .split(',')
    .map((part) => `${part.trim()} *`)
    .join(', ');
  const wide = await page.locator(selector).evaluateAll(
    (elements, limit) =>
      elements
        .filter(
          (element) =>
            element.getBoundingClientRect().right > limit + 1 && !element.closest('.ranking'),
        )
        .map(
          (element) =>
            `${element.tagName.toLowerCase()}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`,
        )
        .slice(0, 5),
    VIEWPORTS.phone.width,
  );
  expect(wide, `${name} is wider than a phone`).toEqual([]);
  await inspect(page, name, ['phone', 'desktop']);
}

/** The parts of a challenge page this work touches (the map resizes on its own time). */
const CHALLENGE_PARTS = '.head, .progress, .pledge';

/** The ranking's rows as "rank. organization | participants". */
async function ranking(page: Page): Promise<string[]> {
  const rows = page.locator('[data-ranking] tbody tr');
  const lines: string[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = await rows.nth(i).locator('th, td').allTextContents();
    lines.push(
      cells
        .slice(0, 2)
        .map((cell) => cell.replace(/\s+/g, ' ').trim())
        .join(' | '),
    );
  }
  return lines;
}

describe('a federated challenge', () => {
  it('is shared by invitation, pledged on a partner’s page, and ranked live', async () => {
    const s = await setUp();
    const consolePath = `/admin/${s.owner}/challenges/${s.challengeId}`;

    // The owner invites the partner from the console (French, desktop).
    const owner = await browser.page({ viewport: 'desktop' });
    const ownerProblems = watchProblems(owner);
    await signIn(site, owner, s.ownerAdmin, consolePath);
    await owner.getByRole('heading', { name: 'Organisations partenaires' }).waitFor();
    await owner.getByLabel('Identifiant de l’organisation').fill(`unknown-${unique()}`);
    await owner.getByRole('button', { name: 'Inviter' }).click();
    await owner.getByText(/Aucune organisation « unknown-/).waitFor();
    await owner.getByLabel('Identifiant de l’organisation').fill(s.partner);
    await owner.getByRole('button', { name: 'Inviter' }).click();
    await owner
      .getByRole('status')
      .filter({ hasText: `${s.partnerName} est invitée` })
      .waitFor();
    const row = owner.locator(`[data-partner="${s.partner}"]`);
    await expect(row.locator('[data-status]').textContent()).resolves.toBe(
      'Invitée, sans réponse pour l’instant',
    );
    await look(owner, 'federation-owner-invited-fr', '#partners');
    // Its admins were told by mail.
    const mailbox = await site.api.get(`/api/dev/mailbox?to=${encodeURIComponent(s.partnerAdmin)}`);
    expect(
      (mailbox.body as { messages: { purpose: string }[] }).messages.map((m) => m.purpose),
    ).toContain('partner-invitation');

    // The owner's console gives the address where the partner's admins answer.
    const answerAt = new URL((await row.locator('.answer-link code').textContent()) ?? '');
    expect(answerAt.pathname).toBe(`/admin/${s.partner}/partners`);

    // The partner's admin accepts in their console (English), audience: everyone.
    const partner = await browser.page({ viewport: 'phone', locale: 'en' });
    const partnerProblems = watchProblems(partner);
    await signIn(site, partner, s.partnerAdmin, `/admin/${s.partner}`);
    await partner.getByRole('heading', { name: 'Invitations to shared challenges' }).waitFor();
    // The mail leads to the overview, which lists the invitation waiting.
    await partner.getByRole('link', { name: 'Answer the invitation: Tour of campuses' }).click();
    await partner.waitForURL((url) => url.search === answerAt.search);
    const draftTitle = 'Tour of campuses';
    const invitation = partner.locator(`[data-invitation="${s.challengeId}"]`);
    await invitation.getByRole('heading', { name: draftTitle }).waitFor();
    await look(partner, 'federation-partner-invited-en');
    await invitation
      .getByRole('link', { name: `Accept the invitation to “${draftTitle}”` })
      .click();
    await partner.getByRole('heading', { name: `Take part in “${draftTitle}”?` }).waitFor();
    await partner.getByLabel('Email addresses in some domains').check();
    await partner.getByRole('button', { name: 'Yes, take part' }).click();
    // Domains asked for and none given: said next to the field, nothing decided.
    await partner.getByText('Give at least one domain.').waitFor();
    await partner.getByLabel('Everyone').check();
    await partner.getByRole('button', { name: 'Yes, take part' }).click();
    await partner.getByRole('status').filter({ hasText: 'You take part in' }).waitFor();
    const feeding = partner.locator(`[data-feeding="${s.challengeId}"]`);
    await feeding.waitFor();
    // Still a draft: it may leave, it has no page yet.
    await feeding.getByRole('link', { name: `Leave “${draftTitle}”` }).waitFor();
    expect(await feeding.getByRole('link', { name: 'Your page of the challenge' }).count()).toBe(0);
    await look(partner, 'federation-partner-accepted-en');

    // The owner sees the answer, then opens the challenge.
    await owner.goto(`${site.url}${consolePath}`);
    await expect(row.locator('[data-status]').textContent()).resolves.toBe('Participe');
    // Another organization, invited by mistake, is withdrawn while it is a draft, once confirmed.
    const other = await organizationWithMembers(site, {
      name: `Other ${unique()}`,
      kind: 'company',
    });
    await owner.getByLabel('Identifiant de l’organisation').fill(other);
    await owner.getByRole('button', { name: 'Inviter' }).click();
    const otherRow = owner.locator(`[data-partner="${other}"]`);
    await otherRow.getByRole('link', { name: /^Retirer / }).click();
    await owner.getByRole('button', { name: 'Retirer', exact: true }).click();
    await owner
      .locator('#withdraw-confirm-error')
      .getByText('Cochez la case pour confirmer.')
      .waitFor();
    expect(await accessibilityViolations(owner), 'withdrawal confirmation').toEqual([]);
    const names = await owner
      .locator('.confirm input[name="confirm"]')
      .evaluate((input) => input.closest('label')?.textContent?.trim() ?? '');
    expect(names).toMatch(/^Je confirme retirer Other /);
    await owner.locator('.confirm input[name="confirm"]').check();
    await owner.getByRole('button', { name: 'Retirer', exact: true }).click();
    await owner.getByRole('status').filter({ hasText: 'ne fait plus partie du défi' }).waitFor();
    await expect(otherRow.locator('[data-status]').textContent()).resolves.toBe('S’est retirée');
    must(
      await site.api.post(`/api/challenges/${s.challengeId}/open`, {}, site.adminToken),
      200,
      'open',
    );

    // The public page: the shared progress and the ranking, partner second for now.
    const watcher = await browser.page({ viewport: 'desktop', locale: 'en' });
    const watcherProblems = watchProblems(watcher);
    await watcher.goto(`${site.url}/c/${s.challengeId}`);
    await watcher.getByRole('heading', { name: 'The partner organizations' }).waitFor();
    expect(await ranking(watcher)).toEqual([`1. ${s.ownerName} | 0`, `2. ${s.partnerName} | 0`]);
    await watcher.getByText('Live updates on.').waitFor();

    // A visitor pledges on the partner's page, without JavaScript.
    const visitor = await browser.page({ viewport: 'phone', javaScript: false });
    const pagePath = `/o/${s.partner}/c/${s.challengeId}`;
    // The partner's own home lists the shared challenge and leads to its page there.
    await visitor.goto(`${site.url}/o/${s.partner}`);
    await visitor.locator('section[aria-labelledby="shared-title"] a').first().click();
    await visitor.waitForURL(`${site.url}${pagePath}`);
    expect(await visitor.locator('.challenge').getAttribute('style')).toContain('#7a2e8c');
    await visitor.getByText('Every campus counts.').waitFor();
    expect(await visitor.locator('input[name="via"]').getAttribute('value')).toBe(s.partner);
    // axe runs in the page: it looks with JavaScript on.
    const seen = await browser.page({ viewport: 'phone' });
    await seen.goto(`${site.url}${pagePath}`);
    await seen.getByText('Every campus counts.').waitFor();
    await look(seen, 'federation-partner-page-fr', CHALLENGE_PARTS);
    await seen.close();
    const email = `visitor-${unique()}@example.org`;
    await visitor.getByLabel('Adresse électronique').fill(email);
    await visitor.getByRole('button', { name: /Je m.engage/ }).click();
    await visitor.getByText(email).first().waitFor();
    const token = await mailedToken(site, email, 'pledge-confirmation');
    must(await site.api.post('/api/pledges/confirm', { token }), 200, 'confirm');

    // The open public page moves by itself: the partner now leads.
    await expect
      .poll(async () => (await ranking(watcher))[0], { timeout: 20_000 })
      .toBe(`1. ${s.partnerName} | 1`);
    expect(await ranking(watcher)).toEqual([`1. ${s.partnerName} | 1`, `2. ${s.ownerName} | 0`]);
    await look(watcher, 'federation-public-en', CHALLENGE_PARTS);
    // At phone size the ranking fits as it is: nothing to scroll sideways.
    await watcher.setViewportSize(VIEWPORTS.phone);
    const region = watcher.locator('.ranking');
    expect(
      await region.evaluate((element) => element.scrollWidth - element.clientWidth),
    ).toBeLessThanOrEqual(1);

    // The partner's page says where it stands, in French too.
    await visitor.goto(`${site.url}${pagePath}`);
    await visitor.getByText(`${s.partnerName} est 1ᵉ sur 2 organisations.`).waitFor();
    const french = await browser.page({ viewport: 'phone' });
    await french.goto(`${site.url}/c/${s.challengeId}`);
    await french.getByRole('heading', { name: 'Les organisations partenaires' }).waitFor();
    await look(french, 'federation-public-fr', CHALLENGE_PARTS);

    // The owner's console shows the partner's figures and its report.
    await owner.goto(`${site.url}${consolePath}`);
    await expect(owner.locator(`[data-figures="${s.partner}"]`).textContent()).resolves.toMatch(
      /1 participants/,
    );
    expect(
      await row.getByRole('link', { name: `Bilan de ${s.partnerName}` }).getAttribute('href'),
    ).toBe(`/api/challenges/${s.challengeId}/partners/${s.partner}/report`);
    await look(owner, 'federation-owner-figures-fr', '#partners');

    // The partner's own figures in its console, the challenge now open and named.
    await partner.goto(`${site.url}/admin/${s.partner}/partners`);
    await partner
      .locator(`[data-feeding="${s.challengeId}"]`)
      .getByRole('heading', { name: 'Tour of campuses' })
      .waitFor();
    await expect(partner.locator(`[data-figures="${s.partner}"]`).textContent()).resolves.toMatch(
      /1 participants/,
    );
    const opened = partner.locator(`[data-feeding="${s.challengeId}"]`);
    expect(
      await opened.getByRole('link', { name: "Your share's report" }).getAttribute('href'),
    ).toBe(`/api/challenges/${s.challengeId}/partners/${s.partner}/report`);
    expect(
      await opened.getByRole('link', { name: 'Your page of the challenge' }).getAttribute('href'),
    ).toBe(`/o/${s.partner}/c/${s.challengeId}`);
    // Open now: no leaving (its share stays on record).
    expect(await opened.getByRole('link', { name: /^Leave/ }).count()).toBe(0);
    await look(partner, 'federation-partner-open-en');

    // No organization outside the challenge has a page of it.
    const stranger = await fetch(`${site.url}/o/${s.owner}x/c/${s.challengeId}`);
    expect(stranger.status).toBe(404);

    // The refused forms above answered 404 (no such organization) and 400 (no domain): nothing else.
    const refused = /status of (400|404) /;
    expect([
      ...ownerProblems.filter((p) => !refused.test(p)),
      ...partnerProblems.filter((p) => !refused.test(p)),
      ...watcherProblems,
    ]).toEqual([]);
    for (const page of [owner, partner, watcher, visitor, french]) await page.close();
  }, 240_000);
});
