// ESLint for the whole repository: `npm run lint` (with `prettier --check`), in CI before the tests.
// Type-aware rules (typescript-eslint's project service) catch the bugs a scheduler cannot afford:
// a promise nobody awaits, a promise handed where a void callback is expected, `any` leaking from
// the public API. Formatting belongs to Prettier; eslint-config-prettier turns off the rules that
// would argue with it.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'dist/',
      '.build/',
      'coverage/',
      'node_modules/',
      'test-artifacts/',
      '.kronos-pg/',
      // The consumer applications are separate projects with their own package.json and node_modules.
      'test/consumers/*/',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The bugs this configuration is for, spelled out (recommendedTypeChecked has them too).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Style: methods that implement a Promise-returning contract (engine, health checks, job
      // handlers) are async without awaiting anything, so that a throw becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed parameters and destructured leftovers are deliberate (e.g. `(_where, block)`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The library: its exports are the public API, typed all the way down.
    files: ['lib/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests and benchmarks read JSON, child-process messages and private members on purpose;
    // `any` there is checked by the assertions that follow.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Plain JavaScript (configuration, the benchmark runner): no type information, Node.js globals.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
