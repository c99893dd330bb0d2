import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export `tandem-source` (their TypeScript sources), so
// tests run on the code as written, with no build step in between.
const conditions = ['tandem-source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['tandem-source'] } },
  test: {
    include: [
      'core/src/**/*.test.ts',
      'plugins/*/src/**/*.test.ts',
      'apps/server/test/**/*.test.ts',
      'apps/web/test/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'tools/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
