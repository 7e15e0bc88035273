// Smoke test of the benchmark suite so it cannot rot: runs bench/index.mjs --smoke (every case at
// toy sizes) over the cases of issue 12's table and checks the exit code, the table, the closing
// goals note and the JSON shape (no timing assertions: on a shared machine figures mean nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tmp } from '../helpers/cli.mjs';

const CASES = ['micro', 'startup', 'runner', 'memory', 'e2e', 'latency'];

test('bench --smoke exits 0, prints every row with its reference, goal and load, and writes the JSON results', () => {
  const out = tmp('ta-bench-smoke-');
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'index.mjs'), '--smoke', '--only', CASES.join(',')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_RESULTS_DIR: out },
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(r.status, 0, `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], /^\|\s*case\s*\|\s*value\s*\|\s*unit\s*\|\s*reference\s*\|\s*ratio\s*\|\s*goal\s*\|\s*met\s*\|\s*load\s*\|$/);
    const table = lines.filter((l) => l.startsWith('| '));
    const has = (re) =>
      assert.ok(
        table.some((l) => re.test(l)),
        `no row matching ${re}\n${r.stdout}`,
      );
    // Goal 1: the runner against the bare SQLite loop at 1 and 2 threads, and 2 threads against 1.
    has(/runner CLI trivial agent, 2000 tasks, --threads 1 .*bare SQLite loop \(same run\).*≥ 0\.6 +\| (yes|NO) /);
    has(/runner CLI trivial agent, 2000 tasks, --threads 2 .*bare SQLite loop \(same run\).*≥ 0\.6/);
    has(/--threads 2 vs 1 .*--threads 1 \(same run\).*≥ 1 /);
    // Goal 2: peak RSS of the large run against the small one.
    has(/peak RSS, 5000 tasks.*RSS at 500 tasks \(same run\).*≤ 1\.1/);
    // Goal 3: e2e video with --threads 2 (its reference needs the decode case, not run here).
    has(/e2e video .*--threads 2 .*≥ 0\.9/);
    // Goal 4: wall against the critical path from the emulator's request log, for both agents.
    has(/latency:50ms, 300 tasks, trivial agent.*critical path: start-up \d+ \+ project \d+ \+ \d+ pages \d+ \+ tail \d+ ms.*≤ 1\.15/);
    has(/latency:50ms, 200 tasks, label row \+ storage item.*critical path:.*≤ 1\.15/);
    // Goal 5: start-up rows against node -e 0.
    has(/--version, spawn to exit .*node -e 0 \(same run\).*≤ 1\.5/);
    has(/spawn to first task started .*node -e 0 \(same run\).*≤ 4/);
    // Goal 6: the micro tier, each against its own same-run reference.
    for (const m of [
      'chunk of 300 tasks',
      'outcomes packed',
      'commit buffer',
      'resolvePathway by title',
      'resolvePathway by UUID',
      'label-row toJSON',
    ])
      has(new RegExp(`micro: .*${m}.*\\(.+\\)`));
    // Every row ends with the load average it was measured at.
    for (const l of table.slice(1)) assert.match(l, /\| +\d+\.\d \|$/, l);
    assert.ok(
      lines.some((l) => /^goals: \d+ of \d+ met/.test(l)),
      r.stdout,
    );
    assert.doesNotMatch(r.stdout, /CRASHED/);

    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1, `results files: ${files}`);
    assert.match(files[0], /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-z]+\.json$/);
    const j = JSON.parse(readFileSync(join(out, files[0]), 'utf8'));
    assert.equal(typeof j.node, 'string');
    assert.equal(typeof j.cpu, 'string');
    assert.equal(typeof j.availableParallelism, 'number');
    assert.equal(typeof j.gitSha, 'string');
    assert.deepEqual(j.flags, { quick: false, smoke: true, only: CASES });
    assert.deepEqual(j.errors, []);
    assert.deepEqual(Object.keys(j.cases).sort(), [...CASES].sort());
    for (const row of j.rows) {
      for (const k of ['case', 'value', 'unit', 'reference', 'ratio', 'load']) assert.ok(k in row, `${row.case}: no ${k}`);
      assert.equal(typeof row.load, 'number');
      if (row.goal) assert.equal(typeof row.met, row.ratio == null ? 'object' : 'boolean', row.case);
      if (row.ratio != null) assert.ok(Math.abs(row.ratio - row.value / row.reference) < 1e-9, row.case);
    }
    const runner = j.cases.runner.samples;
    assert.ok(Array.isArray(runner.bareSqliteTasksPerSecond) && runner.bareSqliteTasksPerSecond.length >= 1);
    for (const t of [1, 2]) {
      const runs = runner[`cli threads=${t}, 2000 tasks`];
      assert.ok(Array.isArray(runs) && runs.length >= 1);
      for (const run of runs) {
        assert.equal(typeof run.tasksPerSecond, 'number');
        assert.equal(typeof run.durationMs, 'number');
      }
    }
    assert.equal(typeof j.cases.memory.samples.runs['5000'][0].peakRssKiB, 'number');
    // The bound's parts add up.
    for (const [name, runs] of Object.entries(j.cases.latency.samples)) {
      for (const x of runs) {
        assert.ok(Math.abs(x.bound - (x.startup + x.project + x.pages + x.tail)) < 1e-6, name);
        // (Start-up against 0 and wall is not checked here: start-up is read off the emulator's
        // clock, wall off the bench's, and on a fresh CI clone one smoke run read start-up > wall.)
        assert.ok(x.pageRequests >= 1 && Number.isFinite(x.startup) && x.wallMs > 0, `${name}: ${JSON.stringify(x)}`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
