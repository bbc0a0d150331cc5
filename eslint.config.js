import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Which layer may not import which: each entry forbids `from` for files in `target`. */
const LAYERS = {
  core: ['engine', 'store', 'data', 'actions', 'cli', 'server', 'demo'],
  engine: ['data', 'actions', 'cli', 'server', 'store/sqlite', 'store/postgres', 'demo'],
  store: ['data', 'actions', 'cli', 'server', 'demo'],
  data: ['engine', 'store', 'actions', 'cli', 'server', 'demo'],
  actions: ['store', 'cli', 'server', 'demo'],
  server: ['cli', 'demo'],
};
/** The zones for a source tree at `root` (the project's, and the planted fixture's in the walls test). */
const layerZones = (root) => [
  ...Object.entries(LAYERS).map(([layer, forbidden]) => ({
    target: `${root}/${layer}`,
    from: forbidden.map((f) => `${root}/${f}`),
    message: `the ${layer} layer may not depend on this (layers: cli/server → engine → core; see eslint.config.js)`,
  })),
  {
    target: `${root}/actions/shared`,
    from: `${root}/actions`,
    except: ['./shared'],
    message: 'a library shared by several actions may import core, engine and src/actions/shared only',
  },
];
const LAYER_ZONES = [
  ...layerZones('./src'),
  ...layerZones('./test/fixtures/lint/src'),
  {
    target: './src',
    from: './test',
    message: 'shipped code never depends on tests or test support (where tests live: CONTRIBUTING.md)',
  },
  {
    target: './web/src',
    from: './src',
    except: ['./core'],
    message: 'the dashboard talks to the server over HTTP',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'web/dist/**', 'test/fixtures/lint/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      curly: ['error', 'multi-line'],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The walls between layers (cli/server → engine → core; store, data and actions implement interfaces from
    // core and engine), and no import cycles anywhere. test/lint/lint-walls.test.ts plants a breach of each.
    files: ['src/**/*.ts', 'web/src/**/*.ts', 'web/src/**/*.tsx', 'test/fixtures/lint/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      // Without these, import-x does not parse .ts dependencies and so never sees a cycle through them.
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES }],
    },
  },
  {
    // core is pure: no I/O, no node built-ins.
    files: ['src/core/**/*.ts', 'test/fixtures/lint/src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node:*'] }] },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
