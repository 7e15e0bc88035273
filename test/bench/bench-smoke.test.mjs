// Smoke test of the benchmark suite so it cannot rot: runs the quick runner case through
// bench/index.mjs and checks the exit code, the table and the JSON shape (no timing assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tmp } from '../helpers/cli.mjs';

test('bench --quick --only runner exits 0, prints the table and writes the JSON results', () => {
  const out = tmp('ta-bench-smoke-');
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'index.mjs'), '--quick', '--only', 'runner'], {
      cwd: ROOT, env: { ...process.env, BENCH_RESULTS_DIR: out }, encoding: 'utf8', timeout: 300_000,
    });
    assert.equal(r.status, 0, `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^\|\s*case\s*\|\s*value\s*\|\s*unit\s*\|\s*reference\s*\|\s*ratio\s*\|$/);
    assert.ok(lines.some((l) => /runner CLI trivial agent, 10000 tasks, --threads 1 .*python \(documented\)/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /runner CLI trivial agent, 10000 tasks, --threads 2 .*bare SQLite loop/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /peak RSS/.test(l)), r.stdout);
    assert.doesNotMatch(r.stdout, /CRASHED/);

    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1, `results files: ${files}`);
    assert.match(files[0], /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-z]+\.json$/);
    const j = JSON.parse(readFileSync(join(out, files[0]), 'utf8'));
    assert.equal(typeof j.node, 'string');
    assert.equal(typeof j.cpu, 'string');
    assert.equal(typeof j.availableParallelism, 'number');
    assert.equal(typeof j.gitSha, 'string');
    assert.deepEqual(j.flags, { quick: true, only: ['runner'] });
    assert.deepEqual(j.errors, []);
    assert.ok(Array.isArray(j.rows) && j.rows.length >= 5);
    for (const row of j.rows) {
      assert.deepEqual(Object.keys(row).filter((k) => ['case', 'value', 'unit', 'reference', 'ratio'].includes(k)).sort(), ['case', 'ratio', 'reference', 'unit', 'value']);
      assert.equal(typeof row.case, 'string');
    }
    const samples = j.cases.runner.samples;
    assert.ok(Array.isArray(samples.bareSqliteTasksPerSecond) && samples.bareSqliteTasksPerSecond.length >= 1);
    for (const t of [1, 2]) {
      const runs = samples[`cli threads=${t}, 10000 tasks`];
      assert.ok(Array.isArray(runs) && runs.length >= 1);
      for (const run of runs) {
        assert.equal(typeof run.tasksPerSecond, 'number');
        assert.equal(typeof run.durationMs, 'number');
      }
    }
    assert.ok('peakRssKiB' in samples);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
