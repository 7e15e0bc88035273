import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Branches build before every entry exists; skip the missing ones instead of failing.
const present = (e: Record<string, string>) => Object.fromEntries(Object.entries(e).filter(([, p]) => existsSync(p)));

const dtsEntries = present({ index: 'src/index.ts', testing: 'src/testing.ts' });

export default defineConfig({
  entry: present({
    main: 'src/main.ts',
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    // Its own file: piscina loads it by path, never through an import.
    'worker/entry': 'src/worker/entry.ts',
    'demo/agents': 'src/demo/agents.ts',
    // Decoder backends, loaded directly by tests and the bench.
    'worker/decode/index': 'src/worker/decode/index.ts',
  }),
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // No dts when none of its entries exist yet (rollup refuses an empty input).
  dts: Object.keys(dtsEntries).length > 0 ? { entry: dtsEntries } : false,
  sourcemap: true,
  clean: true,
  splitting: true,
  shims: false,
  // Native and heavy packages stay external: they are loaded from node_modules at run time.
  external: ['better-sqlite3', 'node-av', 'beamcoder', 'piscina', 'tsx', '@napi-rs/image', 'undici'],
});
