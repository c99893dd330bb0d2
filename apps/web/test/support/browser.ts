import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tandem/core/testing';
import { httpClient } from '../../../server/test/http-client.js';
import {
  buildOnce,
  repoRoot,
  startTandem,
  type RunningTandem,
} from '../../../server/test/process.js';

/** Where screenshots go: the test output folder (gitignored), one file per page, size and language. */
export const SCREENSHOTS = join(repoRoot, 'test-output', 'screenshots');

/** The two widths every page is looked at: a small phone and a desktop. */
export const VIEWPORTS = {
  phone: { width: 360, height: 740 },
  tablet: { width: 820, height: 1180 },
  desktop: { width: 1280, height: 800 },
} as const;

/** Debian's Chromium (`.ci/run` installs it with apt; playwright cannot download browsers here). */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** A running Tandem (site + API on one port) with its own database and the dev mailbox. */
export interface Site {
  url: string;
  adminToken: string;
  api: ReturnType<typeof httpClient>;
  tandem: RunningTandem;
  stop(): Promise<void>;
}

/**
 * Builds what is stale, then starts `tandem start` (migrations, the demo
 * organization) on a fresh database with
 * the dev mailbox on and no per-address rate limit (every test browser is
 * 127.0.0.1), jobs in-process.
 */
export async function startSite(env: Record<string, string> = {}): Promise<Site> {
  buildOnce();
  const database: TestDatabase = await createTestDatabase('external');
  const adminToken = `admin-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const tandem = await startTandem('start', {
    DATABASE_URL: database.url,
    TANDEM_ADMIN_TOKEN: adminToken,
    TANDEM_DEV_MAILBOX: '1',
    TANDEM_RATE_LIMIT_PER_IP: '0',
    ...env,
  });
  return {
    url: tandem.url,
    adminToken,
    api: httpClient(tandem.url),
    tandem,
    async stop() {
      await tandem.stop();
      await database.drop();
    },
  };
}

/** A headless Chromium with a fresh profile; `close()` removes the profile. */
export interface Browser {
  context: BrowserContext;
  /** A new page at a viewport, with JavaScript on or off, in a language. */
  page(options?: {
    viewport?: keyof typeof VIEWPORTS;
    javaScript?: boolean;
    locale?: 'fr' | 'en';
  }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium through playwright-core. A context is made per
 * JavaScript setting, since Chromium decides that per context.
 */
export async function launchBrowser(): Promise<Browser> {
  const profiles: string[] = [];
  const contexts = new Map<string, BrowserContext>();
  const open = async (javaScript: boolean, locale: string) => {
    const key = `${javaScript}-${locale}`;
    const existing = contexts.get(key);
    if (existing) return existing;
    const profile = await mkdtemp(join(tmpdir(), 'tandem-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      javaScriptEnabled: javaScript,
      locale,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    contexts.set(key, context);
    return context;
  };
  const first = await open(true, 'fr-FR');
  return {
    context: first,
    async page(options = {}) {
      const context = await open(
        options.javaScript ?? true,
        options.locale === 'en' ? 'en-GB' : 'fr-FR',
      );
      const page = await context.newPage();
      await page.setViewportSize(VIEWPORTS[options.viewport ?? 'desktop']);
      return page;
    },
    async close() {
      for (const context of contexts.values()) await context.close();
      for (const profile of profiles) await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The accessibility rules the RGAA follows (WCAG 2.1 A and AA). */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe's violations on the page as it is now, as short readable lines (empty when none). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.help} — ${violation.nodes
        .slice(0, 3)
        .map((node) => node.target.join(' '))
        .join(', ')}`,
  );
}

/**
 * Fails with the answer when a setup call did not get the status it needs,
 * else gives its body as the type the caller names (the API's answers are
 * not parsed here: a setup call that went wrong should stop the test, not
 * be checked field by field).
 */
export function must<T = unknown>(
  answer: { status: number; body: unknown },
  status: number,
  what: string,
): T {
  if (answer.status !== status) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body as T;
}

/**
 * Looks at a page as the house rules ask: at each size in turn (tablet
 * and desktop unless told), axe finds no violation and a full-page
 * screenshot is saved as `<name>-<size>.png`. The page is left at the last
 * size.
 */
export async function inspect(
  page: Page,
  name: string,
  sizes: readonly (keyof typeof VIEWPORTS)[] = ['tablet', 'desktop'],
): Promise<void> {
  for (const size of sizes) {
    await page.setViewportSize(VIEWPORTS[size]);
    expect(await accessibilityViolations(page), `${name} ${size}`).toEqual([]);
    await screenshot(page, name);
  }
}

/** Saves a full-page screenshot as `<name>-<viewport>.png` under {@link SCREENSHOTS}. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? VIEWPORTS.desktop.width;
  // Named after the narrowest viewport the page fits in: phone, tablet or desktop.
  const label =
    width <= VIEWPORTS.phone.width
      ? 'phone'
      : width <= VIEWPORTS.tablet.width
        ? 'tablet'
        : 'desktop';
  const path = join(SCREENSHOTS, `${name}-${label}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Console errors and failed requests a page met, to assert there were none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

/**
 * The newest one-time token the dev mailbox holds for an address and a
 * purpose (`sign-in`, `pledge-confirmation`…), waiting for it to arrive.
 */
export async function mailedToken(site: Site, to: string, purpose: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await site.api.get(`/api/dev/mailbox?to=${encodeURIComponent(to)}`);
    const messages = (answer.body as { messages?: { purpose: string; token?: string }[] }).messages;
    const found = messages?.find((message) => message.purpose === purpose && message.token);
    if (found?.token) return found.token;
    if (Date.now() > deadline) throw new Error(`no ${purpose} mail with a token for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the page's browser holds a session cookie for the site. */
export async function hasSession(site: Site, page: Page): Promise<boolean> {
  const cookies = await page.context().cookies(site.url);
  return cookies.some((cookie) => cookie.name === 'tandem_session');
}

/** The words of the sign-in page a test presses, in the page's language. */
const SIGN_IN_WORDS = {
  fr: {
    email: 'Adresse e-mail',
    send: 'Recevoir un lien de connexion',
    sent: 'Regardez vos e-mails',
    confirm: 'Me connecter',
  },
  en: {
    email: 'Email address',
    send: 'Send me a sign-in link',
    sent: 'Check your email',
    confirm: 'Sign me in',
  },
} as const;

/**
 * Signs in as a person would: asks for a link on /sign-in, opens the mailed
 * link (which alone signs nobody in), presses the button, and waits for the
 * page it leads to (`next`, else /me). Works for a browser in French or in
 * English.
 */
export async function signIn(site: Site, page: Page, email: string, next?: string): Promise<void> {
  // Typing before the page's script has hydrated the form would be wiped by it.
  await page.goto(`${site.url}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`, {
    waitUntil: 'networkidle',
  });
  const words =
    (await page.locator('html').getAttribute('lang')) === 'en'
      ? SIGN_IN_WORDS.en
      : SIGN_IN_WORDS.fr;
  await page.getByLabel(words.email).fill(email);
  await page.getByRole('button', { name: words.send }).click();
  await page.getByRole('heading', { name: words.sent }).waitFor();
  const token = await mailedToken(site, email, 'sign-in');
  await page.goto(`${site.url}/sign-in?token=${encodeURIComponent(token)}`, {
    waitUntil: 'networkidle',
  });
  const button = page.getByRole('button', { name: words.confirm });
  await button.waitFor();
  if (await hasSession(site, page)) throw new Error('opening the mailed link signed in by itself');
  await button.click();
  await page.waitForURL((url) => url.pathname === (next ?? '/me').split('?')[0]);
  if (!(await hasSession(site, page))) throw new Error(`no session after signing in ${email}`);
}
