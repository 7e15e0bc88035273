#!/usr/bin/env node
// Runs every test/**/*.test.mjs, each file in its own `node --test` process, two at a time.
// A file that runs past its limit is killed with everything it started (its process group) and
// counted as failed, so a hung test shows up as a named failure instead of a CI job that never
// ends. Each file's output is printed whole when it finishes; a summary of failures, timeouts
// and the slowest files comes last (CI often shows only the tail).
//
//   node scripts/run-tests.mjs [FILE...]
//   TA_TEST_JOBS=2  TA_TEST_FILE_TIMEOUT_S=600  TA_TEST_TIMEOUT_MS=300000
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';

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
const jobs = Number(process.env.TA_TEST_JOBS ?? Math.max(1, Math.min(2, cpus().length)));
const fileLimitMs = Number(process.env.TA_TEST_FILE_TIMEOUT_S ?? 600) * 1000;
// One test that hangs fails on its own instead of holding its file to the file limit.
const testLimitMs = Number(process.env.TA_TEST_TIMEOUT_MS ?? 300_000);

const results = [];
const running = new Set();

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', `--test-timeout=${testLimitMs}`, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, fileLimitMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      // Whatever the file started and left behind (servers, browsers) goes with it.
      killGroup(child, 'SIGKILL');
      const ms = Date.now() - started;
      const tests = (out.match(/^# tests (\d+)/m) ?? [])[1];
      const failed = Number((out.match(/^# fail (\d+)/m) ?? [])[1] ?? 0);
      const status = timedOut ? 'TIMEOUT' : code === 0 ? 'ok' : 'FAIL';
      process.stdout.write(`\n### ${file}\n${out}`);
      process.stdout.write(
        `### ${status} ${file} (${(ms / 1000).toFixed(1)} s${tests ? `, ${tests} tests` : ''}${failed ? `, ${failed} failed` : ''}${signal ? `, ${signal}` : ''})\n`,
      );
      results.push({ file, status, ms, failedNames: failedTests(out) });
      resolve();
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function failedTests(out) {
  return [...out.matchAll(/^not ok \d+ - (.*)$/gm)].map((m) => m[1]).filter((name) => !/^\S+\.test\.mjs$/.test(name));
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    process.exit(130);
  });
}

const t0 = Date.now();
const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length) await runFile(queue.shift());
  }),
);

const bad = results.filter((r) => r.status !== 'ok');
const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 8);
console.log(`\n=== ${results.length} test files in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${jobs} at a time; ${bad.length} not ok`);
console.log('slowest:');
for (const r of slowest) console.log(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`);
for (const r of bad) {
  console.log(`${r.status} ${r.file}`);
  for (const name of r.failedNames) console.log(`    not ok - ${name}`);
}
process.exit(bad.length ? 1 : 0);
