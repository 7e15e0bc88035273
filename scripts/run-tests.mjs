#!/usr/bin/env node
// Runs every test/**/*.test.mjs with node's test runner (Node 20's --test takes no globs).
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'helpers') continue;
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.mjs')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length ? only : find('test');
// Failures of Encord projects are remembered under $XDG_STATE_HOME: a test run keeps them in a temp dir.
const env = { ...process.env, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'ta-test-state-')) };
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
