// ESLint (flat config): typescript-eslint's recommended type-aware rules, no import cycles, and the
// rooms of README's "Layout" section — which folder may import which, by where its code runs.
// `npm run lint`; part of `npm test`.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

// Rooms (folders of src/ by where their code runs) and what each may import besides itself.
// A room missing from a list may not be imported by that room, type imports included.
const ROOMS = {
  shared: [], // both threads, no I/O at import
  media: ['shared'], // decoding, probing, encoding: worker threads and CLI commands
  platform: ['shared'], // the Platform interface and its implementations
  deps: ['shared', 'platform'], // dependency declarations (both threads)
  agent: ['shared', 'deps'], // the user-facing Runner, imported by every worker; main/ only through import()
  worker: ['shared', 'deps', 'agent', 'platform', 'media'], // worker threads only
  main: ['shared', 'deps', 'agent', 'platform', 'media'], // main thread only; names dist/worker/entry.js by URL
  demo: [], // the demo agents (import the package entry, as users do)
};
const ALL = Object.keys(ROOMS);

const roomZones = Object.entries(ROOMS).map(([room, allowed]) => ({
  target: `./src/${room}`,
  from: [
    ...ALL.filter((r) => r !== room && !allowed.includes(r)).map((r) => `./src/${r}`),
    ...(room === 'demo' ? [] : ['./src/index.ts', './src/testing.ts', './src/main.ts']),
  ],
  message: `src/${room} may import only ${[room, ...allowed].join(', ')} (README, Layout)`,
}));
// The entry files are main-thread or both-thread code: none imports worker/.
roomZones.push({
  target: ['./src/index.ts', './src/testing.ts', './src/main.ts'],
  from: './src/worker',
  message: 'entry files never import worker code (piscina loads dist/worker/entry.js by URL)',
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-before/**',
      'node_modules/**',
      'test/**',
      'bench/**',
      'templates/**',
      'examples/**',
      'viewer/**',
      'scripts/**',
      '*.config.*',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: roomZones.filter((z) => z.target !== './src/agent') }],
      // Promises: a floating one loses its error; awaiting a non-promise hides a bug.
      '@typescript-eslint/no-floating-promises': 'error',
      // Off: an async method without await is how a synchronous implementation of a Promise
      // interface (LocalPlatform, the node-av decoder) turns its throws into rejections.
      '@typescript-eslint/require-await': 'off',
      // A closure that reads a variable assigned after it is declared (serve's request handler) needs `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // agent/: the room rule, except that main/ may be reached through import() (lazily, main thread only).
    files: ['src/agent/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: roomZones.filter((z) => z.target === './src/agent').map((z) => ({ ...z, from: z.from.filter((f) => f !== './src/main') })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/\\/main\\//]',
          message: 'src/agent reaches src/main only through import(): workers import the Runner',
        },
        {
          selector: 'ExportNamedDeclaration[source.value=/\\/main\\//], ExportAllDeclaration[source.value=/\\/main\\//]',
          message: 'src/agent re-exports nothing of src/main',
        },
      ],
    },
  },
);
