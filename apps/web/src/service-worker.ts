/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The agent mode's service worker (registered by the agent pages only, with
 * the scope `/agent/`): it keeps the app's shell so that a tablet out of
 * coverage still opens the agent pages and records into its queue.
 *
 * - The build's files and the static files (icons, manifest) are cached
 *   when it installs, and served from the cache: their names change with
 *   their content.
 * - Agent pages are fetched from the network first; a copy of each is kept
 *   and served when the network is gone.
 * - Nothing under `/api` is ever cached or even handled here: its answers
 *   carry personal data, and the queue's syncs come from the page itself.
 */
import { build, files, version } from '$service-worker';

const worker = self as unknown as ServiceWorkerGlobalScope;

const SHELL = `tandem-agent-shell-${version}`;
const PAGES = 'tandem-agent-pages';
const SHELL_FILES = [...build, ...files];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // One by one rather than `addAll`: on a weak signal one file may fail,
      // and the others are still worth keeping (a missed one is fetched later).
      await Promise.allSettled(SHELL_FILES.map((file) => cache.add(file)));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // An older build's files are never asked for again.
      for (const name of await caches.keys()) {
        if (name.startsWith('tandem-agent-shell-') && name !== SHELL) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

/** An agent page: `/agent` and below, never the API nor another page of the site. */
const isAgentPage = (url: URL): boolean =>
  url.pathname === '/agent' || url.pathname.startsWith('/agent/');

async function agentPage(request: Request): Promise<Response> {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    // Only a page that rendered for a signed-in agent is worth keeping; a
    // redirect to sign in, or an error, is not.
    if (response.status === 200 && response.type === 'basic') {
      await cache.put(new URL(request.url).pathname, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(new URL(request.url).pathname);
    if (kept) return kept;
    throw error;
  }
}

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    if (isAgentPage(url)) event.respondWith(agentPage(request));
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(SHELL);
        const kept = await cache.match(url.pathname);
        if (kept) return kept;
        const fetched = await fetch(request);
        if (fetched.ok) await cache.put(url.pathname, fetched.clone());
        return fetched;
      })(),
    );
  }
});
