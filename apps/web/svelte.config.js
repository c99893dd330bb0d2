import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * The site's only Content-Security-Policy (the API's own, from helmet, stays
 * on /api, /docs and /ops): scripts carry a per-answer nonce, nothing may
 * frame a page, no plugin content. Inline style attributes are allowed
 * (progress widths, an organization's colour) because they cannot run code.
 * A basemap served from another origin is added at run time by
 * hooks.server.ts, from the operator's configuration. The agent mode's
 * manifest and service worker are this site's own files (`manifest-src`,
 * `worker-src`); the service worker is registered by the agent pages
 * themselves, for `/agent` only, and keeps only the files it needs offline
 * (ADR 0041).
 *
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build', precompress: true }),
    serviceWorker: {
      register: false,
      files: (file) => /^(agent-icon-\d+\.png|manifest\.webmanifest|favicon\.svg)$/.test(file),
    },
    csp: {
      mode: 'nonce',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self'],
        'style-src-attr': ['unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'connect-src': ['self'],
        'worker-src': ['self', 'blob:'],
        'manifest-src': ['self'],
        'font-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['none'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
