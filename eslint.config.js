// One lint set-up for the whole repository. Type-aware rules catch floating
// promises; `no-restricted-imports` keeps the import directions of
// docs/architecture.md ("Layers", docs/decisions/0020), folder by folder.
// core/src/layers.test.ts adds what a per-folder rule cannot see: no cycle.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

/** `../<folder>` and everything under it, from any depth below core/src. */
const folders = (...names) => names.flatMap((name) => [`**/${name}`, `**/${name}/**`]);

const noIo = [
  {
    group: folders(
      'store',
      'jobs',
      'http',
      'mail',
      'services',
      'live',
      'notifications',
      'ops',
      'limits',
      'plugins',
      'testing',
    ),
    message: 'core/src/domain is pure: no store, jobs, http, mail, services or other I/O.',
  },
  {
    group: ['**/config.js', '**/keyring.js', '**/logging.js'],
    message: 'core/src/domain is pure: configuration, keys and logs are I/O; pass values in.',
  },
  {
    group: [
      '@mikro-orm/*',
      'fastify',
      'fastify-*',
      '@fastify/*',
      'ioredis',
      'bullmq',
      'nodemailer',
      'node:*',
    ],
    message: 'core/src/domain does no I/O.',
  },
];
// The plugin SDK depends on nothing of the engine (ADR 0019): its files
// import each other, TypeBox, semver and node's builtins, nothing else.
const sdkOnly = [
  {
    regex: '^(?!\\./[^/]+$|@sinclair/typebox(/[a-z]+)?$|semver$|node:)',
    message:
      'core/src/sdk imports only core/src/sdk, @sinclair/typebox, semver and node builtins (ADR 0019).',
  },
];
const noPlugins = [
  {
    group: [
      '@tandem/plugin-*',
      '@tandem/server',
      '../../plugins/**',
      '../../../plugins/**',
      '../../../../plugins/**',
      '../../apps/**',
      '../../../apps/**',
    ],
    message: 'core never imports a plugin or an app.',
  },
];

// The composition root installs features; features never import it. Apps,
// core's index (its public API), testing/ and tests may.
const noCompositionRoot = [
  {
    group: [
      '../platform.js',
      '../../platform.js',
      '../../../platform.js',
      './platform.js',
      ...folders('composition'),
    ],
    message: 'Only apps, testing/ and tests import the composition root (platform.ts).',
  },
];
const noStoreUpward = [
  {
    group: folders('services', 'jobs', 'http', 'live', 'notifications', 'ops'),
    message:
      'core/src/store holds repositories: it imports domain, never services, jobs, http, live, notifications or ops.',
  },
];
const noServicesUpward = [
  {
    group: [
      ...folders('http', 'live', 'ops', 'notifications'),
      '**/jobs/handlers/**',
      '**/jobs/scheduled/**',
    ],
    message:
      'core/src/services holds use cases: no http, live, ops, notifications or job handlers.',
  },
];
const noJobsUpward = [
  {
    group: folders('http', 'live', 'ops'),
    message: 'core/src/jobs never imports http, live or ops.',
  },
];
const noHttpUpward = [
  {
    group: folders('live', 'ops', 'notifications'),
    message:
      'core/src/http is installed on by live, ops and notifications; it does not import them.',
  },
];
const noPortUpward = [
  {
    group: folders('services', 'jobs', 'http', 'live', 'notifications', 'ops'),
    message: 'Ports (mail, limits) and their adapters sit below services, jobs and http.',
  },
];
const noOutsideSdk = [
  {
    group: ['../*', '../**'],
    message: 'core/src/sdk imports only itself, @sinclair/typebox and node builtins.',
  },
];
/** The rule's options for one folder: the folder's own patterns and the ones every core file keeps. */
const restrict = (...patterns) => ['error', { patterns: [...patterns.flat(), ...noPlugins] }];
const layered = (folder, ...patterns) => ({
  files: [`core/src/${folder}/**/*.ts`],
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': restrict(noCompositionRoot, ...patterns) },
});

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/.tandem/**',
      '**/.svelte-kit/**',
      '**/build/**',
      '**/src/lib/paraglide/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // The site's components: Svelte's own rules, TypeScript inside <script>.
  ...svelte.configs.recommended,
  {
    files: ['apps/web/**/*.svelte', 'apps/web/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    // The site has no base path: a plain href is the page it names.
    rules: { 'svelte/no-navigation-without-resolve': 'off' },
  },
  {
    files: ['apps/web/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  // SvelteKit leaves the service worker out of the app's tsconfig (it runs in
  // a worker, with other globals), so it is linted without type information.
  {
    files: ['apps/web/src/service-worker.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { ...globals.serviceworker },
    },
  },
  {
    files: ['core/src/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(noCompositionRoot) },
  },
  {
    files: ['core/src/index.ts', 'core/src/testing/**/*.ts', 'core/src/**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict() },
  },
  {
    files: ['core/src/sdk/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...sdkOnly, ...noPlugins] }] },
  },
  {
    files: ['core/src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(noIo, noCompositionRoot) },
  },
  layered('store', noStoreUpward),
  layered('services', noServicesUpward),
  layered('jobs', noJobsUpward),
  layered('http', noHttpUpward),
  layered('mail', noPortUpward),
  layered('limits', noPortUpward),
  layered('sdk', noOutsideSdk),
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@tandem/core/*',
                '!@tandem/core/testing',
                '**/core/src/*',
                '@tandem/server',
                '**/apps/*',
              ],
              message:
                'A plugin uses what @tandem/core exports from its index (and @tandem/core/testing in tests), nothing else.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/server/src/cli.ts', 'apps/server/bin/*.js', 'tools/**'],
    rules: { 'no-console': 'off' },
  },
);
