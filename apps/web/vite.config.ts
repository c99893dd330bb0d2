import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    paraglideVitePlugin({
      project: './project.inlang',
      outdir: './src/lib/paraglide',
      // The language a visitor chose (a cookie, set by the switch), else
      // their browser's, else French.
      strategy: ['cookie', 'preferredLanguage', 'baseLocale'],
    }),
    sveltekit(),
  ],
  // Kit 2 wants cookie 0.6; Fastify hoists cookie 2 (STACK.md).
  ssr: { noExternal: ['cookie'] },
});
