// The README's error table and the catalog in src/shared/errors.ts must list the same codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOG } from '../../dist/index.js';
import { ROOT } from '../helpers/cli.mjs';

test('every catalog code has a README row and every README row is a real code', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(TA_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  assert.equal(new Set(rows).size, rows.length, 'a code is listed twice');
  assert.deepEqual([...rows].sort(), Object.keys(ERROR_CATALOG).sort());
});

test('every code raised in src/ is in the catalog', () => {
  const files = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      statSync(p).isDirectory() ? walk(p) : n.endsWith('.ts') && files.push(p);
    }
  };
  walk(join(ROOT, 'src'));
  const used = new Set();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(TA_[A-Z0-9_]*[A-Z0-9])'/g)) used.add(m[1]);
  const unknown = [...used].filter((c) => !(c in ERROR_CATALOG));
  assert.deepEqual(unknown, []);
  assert.ok(used.size > 20);
});
