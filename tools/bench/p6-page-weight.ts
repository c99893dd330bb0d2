/**
 * P6 page weight: the JavaScript a browser must fetch before the challenge
 * page runs — the modules its HTML preloads and starts, with everything
 * they import statically — gzipped. Chunks reached only through a dynamic
 * `import()` (the OpenLayers map) load later and are left out; the largest
 * of them is printed beside. The baseline is the same figure for the home
 * page: the framework's floor, so the ratio says what the challenge page
 * adds to it.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fromRounds, type Measurement } from './lib/report.js';

/** Target of issue 9: under 120 KB gzipped before the map chunk. */
const TARGET_KB = 120;

/** Static imports and re-exports in a built module; `import("…")` (dynamic) does not match. */
const STATIC_IMPORT =
  /(?:\bimport|\bexport)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g;

/**
 * The scripts a page loads at once: its modulepreload links (in the HTML or
 * the `Link` header, where SvelteKit puts them) and the start script's
 * imports.
 */
export function initialScripts(html: string, linkHeader = ''): string[] {
  const found = new Set<string>();
  for (const match of linkHeader.matchAll(/<([^>]+\.js)>;\s*rel="modulepreload"/g)) {
    if (match[1]) found.add(match[1]);
  }
  for (const match of html.matchAll(/<link[^>]+rel="modulepreload"[^>]*>/g)) {
    const href = /href="([^"]+)"/.exec(match[0])?.[1];
    if (href) found.add(href);
  }
  for (const script of html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) {
    for (const call of (script[1] ?? '').matchAll(/import\(\s*["']([^"']+\.js)["']\s*\)/g)) {
      if (call[1]) found.add(call[1]);
    }
  }
  return [...found];
}

/** A URL path of the page (`/_app/…`, or relative to the page) as a file of the client build. */
function fileOf(clientDir: string, pageUrl: string, src: string): string {
  const path = new URL(src, pageUrl).pathname;
  return join(clientDir, decodeURIComponent(path));
}

/** Every module `entries` import statically, transitively (files of the client build). */
async function closure(entries: string[]): Promise<Map<string, Buffer>> {
  const seen = new Map<string, Buffer>();
  const queue = [...entries];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    const source = await readFile(file);
    seen.set(file, source);
    for (const match of source.toString('utf8').matchAll(STATIC_IMPORT)) {
      if (match[1]) queue.push(join(file, '..', match[1]));
    }
  }
  return seen;
}

const gzipKb = (files: Iterable<Buffer>) =>
  [...files].reduce((sum, source) => sum + gzipSync(source, { level: 9 }).length, 0) / 1024;

/** The gzipped KB of JavaScript a page needs before anything is lazily imported. */
export async function pageJavaScriptKb(
  clientDir: string,
  pageUrl: string,
): Promise<{ kb: number; files: Set<string> }> {
  const answer = await fetch(pageUrl);
  if (!answer.ok) throw new Error(`GET ${pageUrl}: ${answer.status}`);
  const html = await answer.text();
  const scripts = initialScripts(html, answer.headers.get('link') ?? '').map((src) =>
    fileOf(clientDir, pageUrl, src),
  );
  if (scripts.length === 0) throw new Error(`${pageUrl} loads no script: is it a SvelteKit page?`);
  // The route's own nodes (layout, page) are imported by the app script as
  // the page starts (`node_ids` in the start script): they count too.
  const app = scripts.find((file) => /[\\/]entry[\\/]app\.[^/\\]+\.js$/.test(file));
  const ids = /node_ids:\s*\[([\d,\s]+)\]/
    .exec(html)?.[1]
    ?.split(',')
    .map((id) => id.trim());
  if (app && ids) {
    const source = await readFile(app, 'utf8');
    for (const id of ids) {
      const node = new RegExp(`["'](\\.\\./nodes/${id}\\.[\\w-]+\\.js)["']`).exec(source)?.[1];
      if (node) scripts.push(join(app, '..', node));
    }
  }
  const modules = await closure(scripts);
  return { kb: gzipKb(modules.values()), files: new Set(modules.keys()) };
}

/** The public demo challenge's id, found as a visitor would (API.md: the demo org is `demo`). */
async function demoChallenge(baseUrl: string): Promise<string> {
  const org = (await (await fetch(`${baseUrl}/api/organizations/demo`)).json()) as {
    campaigns: { id: string }[];
  };
  for (const campaign of org.campaigns) {
    const body = (await (await fetch(`${baseUrl}/api/campaigns/${campaign.id}`)).json()) as {
      challenges?: { id: string }[];
    };
    const id = body.challenges?.[0]?.id;
    if (id) return id;
  }
  throw new Error('the demo has no challenge');
}

/**
 * Measures P6 against a running `tandem start` (the demo) and the client
 * build it serves. Sizes do not vary between rounds: one round.
 */
export async function pageWeight(options: {
  baseUrl: string;
  clientDir: string;
}): Promise<Measurement> {
  const id = await demoChallenge(options.baseUrl);
  const challenge = await pageJavaScriptKb(options.clientDir, `${options.baseUrl}/c/${id}`);
  const home = await pageJavaScriptKb(options.clientDir, `${options.baseUrl}/`);
  // What the page may import later: every built chunk outside its first load.
  const chunksDir = join(options.clientDir, '_app', 'immutable', 'chunks');
  let lazyKb = 0;
  for (const name of await readdir(chunksDir)) {
    const file = join(chunksDir, name);
    if (!name.endsWith('.js') || challenge.files.has(file)) continue;
    lazyKb = Math.max(lazyKb, gzipKb([await readFile(file)]));
  }
  return fromRounds({
    id: 'P6',
    title: "The challenge page's JavaScript before the map chunk, gzipped",
    metric: 'kb_gzip',
    values: [challenge.kb],
    baselines: [home.kb],
    baselineIs: 'the home page (the framework and the shared layout)',
    figures: {
      modules: challenge.files.size,
      largest_lazy_chunk_kb: Number(lazyKb.toFixed(1)),
    },
    target: ({ value }) => ({ text: `< ${TARGET_KB} KB gzipped`, met: value < TARGET_KB }),
  });
}
