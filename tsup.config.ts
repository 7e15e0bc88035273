import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    main: 'src/main.ts',
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    // Its own file: piscina loads it by path, never through an import.
    'worker/entry': 'src/worker/entry.ts',
    // The frame thread of `project view` (also loaded by path).
    'worker/view-frames': 'src/worker/view-frames.ts',
    'demo/agents': 'src/demo/agents.ts',
    // Internals loaded directly by tests and the bench.
    'media/index': 'src/media/index.ts',
    'platform/encord/index': 'src/platform/encord/index.ts',
    'platform/emulator/index': 'src/platform/emulator/index.ts',
    'main/task-batches': 'src/main/task-batches.ts',
    'main/run-report': 'src/main/run-report.ts',
    'main/commit-buffer': 'src/main/commit-buffer.ts',
    'main/task-result-sink': 'src/main/task-result-sink.ts',
    'worker/describe-stage': 'src/worker/deps/describe-stage.ts',
    // The bench's micro tier (bench/micro.mjs) times these in isolation.
    'shared/chunk-wire': 'src/shared/chunk-wire.ts',
    'shared/workflow': 'src/shared/workflow.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: { entry: { index: 'src/index.ts', testing: 'src/testing.ts', 'platform/encord/index': 'src/platform/encord/index.ts' } },
  sourcemap: true,
  // dist/metafile-esm.json: what each output imports, read by scripts/check-bundle.mjs.
  metafile: true,
  clean: true,
  splitting: true,
  shims: false,
  // zod is bundled: loaded from node_modules it is ~100 files (its locales), ~60 ms of CPU in every
  // thread that starts (the CLI's and each worker's), against ~10 ms as part of our chunks. Imported
  // as a namespace (`import * as z`) so the bundle keeps only what we use (not every locale).
  noExternal: ['zod'],
  // Native and heavy packages stay external: they are loaded from node_modules at run time.
  external: ['better-sqlite3', 'node-av', 'beamcoder', 'piscina', 'tsx', '@napi-rs/image', 'undici'],
});
