// Preloaded with `node --import` by test/cli/lean-start.test.mjs: when the process exits, writes to
// stderr one line `loaded-modules: JSON` with the native addons mapped into the process (from
// /proc/self/maps, so whoever loaded them) and the packages of interest in the CommonJS cache.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const WATCHED = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;
process.on('exit', () => {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const natives = [
    ...new Set(
      maps
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[5] ?? '')
        .filter((p) => p.endsWith('.node')),
    ),
  ];
  const cache = Object.keys(createRequire(import.meta.url).cache);
  const packages = [...new Set(cache.map((k) => WATCHED.exec(k)?.[1]).filter(Boolean))];
  process.stderr.write(`\nloaded-modules: ${JSON.stringify({ natives, packages })}\n`);
});
