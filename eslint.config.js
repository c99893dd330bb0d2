// One lint set-up for the whole repository. Type-aware rules catch floating
// promises; `no-restricted-imports` keeps the import direction of DESIGN.md:
// domain <- store, jobs, http <- plugins <- apps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noIo = [
  {
    group: [
      '../store/*',
      '../store',
      '../jobs/*',
      '../jobs',
      '../http/*',
      '../http',
      '../mail/*',
      '../mail',
    ],
    message: 'core/src/domain is pure: no store, jobs, http or mail.',
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
    regex: '^(?!\\./[^/]+$|@sinclair/typebox$|semver$|node:)',
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

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/.tandem/**',
      '**/.svelte-kit/**',
      '**/build/**',
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
  {
    files: ['core/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: noPlugins }] },
  },
  {
    files: ['core/src/sdk/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...sdkOnly, ...noPlugins] }] },
  },
  {
    files: ['core/src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...noIo, ...noPlugins] }] },
  },
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
