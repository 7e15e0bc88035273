#!/usr/bin/env node
// Bundle boundaries, checked on what tsup built (dist/metafile-esm.json, esbuild's metafile), since a
// shared chunk can carry code across a boundary that the source imports respect:
// - the worker bundles (dist/worker/*.js) load no main-thread code when they start;
// - the CLI entry (dist/main.js) loads no native or heavy package at start: commands load theirs on use.
// Exits 1 listing every breach. Part of `npm test`.
import { readFileSync } from 'node:fs';

const META = new URL('../dist/metafile-esm.json', import.meta.url);
// Heavy at start: native addons (or packages that load one at import), the pool, the HTTP stack, the TS loader, queue mode.
const NOT_AT_CLI_START = ['better-sqlite3', '@napi-rs/image', 'piscina', 'node-av', 'beamcoder', 'undici', 'tsx', 'bullmq', 'ioredis'];

let meta;
try {
  meta = JSON.parse(readFileSync(META, 'utf8'));
} catch (e) {
  console.error(`check-bundle: cannot read ${META.pathname} (run \`npm run build\`; tsup.config.ts must set metafile): ${e.message}`);
  process.exit(1);
}
const outputs = meta.outputs;

/** Outputs loaded when `entry` is imported: the closure over static import statements. */
function staticClosure(entry) {
  const seen = new Set([entry]);
  const externals = new Map(); // package → the output that imports it
  for (const out of seen) {
    for (const imp of outputs[out]?.imports ?? []) {
      if (imp.kind !== 'import-statement') continue;
      if (imp.external) externals.set(imp.path, externals.get(imp.path) ?? out);
      else seen.add(imp.path);
    }
  }
  return { outputs: [...seen], externals };
}

const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const breaches = [];

const workerEntries = Object.keys(outputs).filter((o) => /^dist\/worker\/[^/]+\.js$/.test(o));
if (workerEntries.length === 0) breaches.push('no dist/worker/*.js entry in the metafile');
for (const entry of workerEntries) {
  for (const out of staticClosure(entry).outputs) {
    for (const input of Object.keys(outputs[out].inputs)) {
      if (input.startsWith('src/main/') || input === 'src/main.ts')
        breaches.push(`${entry} loads main-thread code at start: ${input} (in ${out})`);
    }
  }
}

if (!outputs['dist/main.js']) breaches.push('no dist/main.js in the metafile');
else {
  // dist/main.js imports the command line itself with import() (so `--version` loads none of it):
  // what the CLI loads at start is that import's static closure too.
  const cliStart = [
    'dist/main.js',
    ...outputs['dist/main.js'].imports.filter((i) => i.kind === 'dynamic-import' && !i.external).map((i) => i.path),
  ];
  const externals = new Map(cliStart.flatMap((entry) => [...staticClosure(entry).externals]));
  for (const [spec, from] of externals) {
    if (NOT_AT_CLI_START.includes(packageOf(spec)))
      breaches.push(`dist/main.js loads ${spec} at start (imported by ${from}); load it in the command that needs it, with import()`);
  }
}

if (breaches.length) {
  console.error(`check-bundle: ${breaches.length} boundary breach(es):\n  ${breaches.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `check-bundle: ok (${workerEntries.length} worker entries load no main-thread code; dist/main.js loads none of ${NOT_AT_CLI_START.join(', ')} at start)`,
);
