// @ts-check
/**
 * Lint catches what review misses: floating promises, value imports used only as types, and Node
 * built-ins or I/O-heavy modules inside workflows/, whose code runs in Temporal's deterministic
 * sandbox. Formatting is prettier's job, not ESLint's.
 */
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's globals for the few plain JS files (launcher, setup script, configs); no `globals` package needed. */
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    '__dirname',
    '__filename',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'URL',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

/** Modules that must not be imported, as values, by workflow code. */
const workflowForbidden = {
  paths: [
    ...builtinModules.filter((m) => !m.startsWith('_')),
    'onnxruntime-node',
    'openai',
    '@temporalio/activity',
    '@temporalio/client',
    '@temporalio/worker',
  ].map((name) => ({
    name,
    allowTypeImports: true,
    message:
      'Workflow code runs in a deterministic sandbox: do I/O in an activity and import only its types.',
  })),
  patterns: [
    {
      group: ['node:*'],
      allowTypeImports: true,
      message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.',
    },
    {
      group: ['**/activities', '**/activities/*'],
      allowTypeImports: true,
      message:
        'Workflows import activity types only: proxyActivities<ReturnType<typeof createActivities>>().',
    },
  ],
};

/**
 * The folders of src/ that know nothing of Temporal, so they stay testable and reusable on their
 * own: the ML and data parts, and the local model server (`model-server`). The model server is an
 * HTTP server, not ML code, but it belongs here all the same: `rlaif serve-local` runs it with no
 * Temporal anywhere, and a Temporal import in it would make every user of the server load the SDK.
 * The Temporal side is plugin.ts, cli/, connection.ts and the operator tooling folders (codec,
 * temporal-server, report, bench, chaos). devtools/ (test and development servers) is held to the
 * same rule below.
 */
const TEMPORAL_FREE_FOLDERS = [
  'compute',
  'config',
  'data',
  'demo',
  'eval',
  'export',
  'judges',
  'loop',
  'model-server',
  'models',
  'onnx',
  'policy',
  'providers',
  'reward',
  'stages',
  'store',
  'util',
];

export default defineConfig(
  {
    ignores: [
      'dist/',
      '.build-*/',
      'node_modules/',
      '.tools/',
      '.rlaif/',
      'coverage/',
      'tests/fixtures/',
      '.previous-release/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules only where they pay: promises someone forgot to await.
    files: ['{src,workflows,activities,devtools,tests}/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', workflowForbidden],
    },
  },
  {
    files: [...TEMPORAL_FREE_FOLDERS.map((f) => `src/${f}/**/*.ts`), 'devtools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/*'],
              message: 'This folder knows nothing of Temporal; adapt it to Temporal in activities/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
);
