#!/usr/bin/env node
// Runner throughput: a trivial agent over a large local project through the real CLI, with
// --threads 1 and 2; references: the Python runner's documented 10k tasks/s and, measured in the
// same run, a bare SQLite loop that moves the same tasks in transactions of 1000. Plus peak RSS of
// the CLI process at 10 000 and 100 000 tasks. Uses dist/ (build first).
// Usage: node bench/runner.mjs [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestProject } from '../dist/testing.js';
import { ROOT, runCli, agentDoneWorkflow, median } from './common.mjs';

const AGENT = join(ROOT, 'bench', 'agents', 'trivial.mjs');
const PYTHON_DOCUMENTED_TPS = 10_000;

function makeProject(parent, name, tasks) {
  const dir = join(parent, name);
  const p = createTestProject(dir, { tasks, workflow: agentDoneWorkflow() });
  p.close();
  return dir;
}

/** One CLI run over a fresh project; throws when the run did not move every task. */
async function cliRun(parent, name, tasks, threads) {
  const dir = makeProject(parent, name, tasks);
  try {
    const r = await runCli(['run', AGENT, '--project', dir, '--threads', String(threads), '--json', '--quiet']);
    if (r.code !== 0 || !r.json?.ok) throw new Error(`CLI run failed (exit ${r.code}): ${r.stderr.slice(-2000) || r.stdout.slice(-2000)}`);
    const moved = r.json.stages.reduce((s, st) => s + Object.values(st.moved).reduce((a, b) => a + b, 0), 0);
    if (moved !== tasks) throw new Error(`CLI run moved ${moved} of ${tasks} tasks`);
    return { tasksPerSecond: r.json.tasksPerSecond, durationMs: r.json.durationMs, wallMs: r.wallMs, peakRssKiB: r.peakRssKiB, rssMethod: r.rssMethod };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The store's own ceiling: a bare better-sqlite3 loop over a project built the same way, reading
 * the agent stage's tasks in keyset pages of 1000 (by seq) and moving each page to DONE in one
 * transaction, directly on the `tasks` table (no LocalProject, no workers, no agent).
 */
function bareSqliteLoop(parent, tasks) {
  const workflow = agentDoneWorkflow();
  const agent = workflow.stages[0].uuid, done = workflow.stages[1].uuid;
  const dir = join(parent, 'bare');
  createTestProject(dir, { tasks, workflow }).close();
  const require = createRequire(join(ROOT, 'package.json'));
  const Database = require('better-sqlite3');
  const db = new Database(join(dir, 'project.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // as LocalProject opens it
    const page = db.prepare('SELECT seq FROM tasks WHERE stage_uuid = ? AND seq > ? ORDER BY seq LIMIT 1000').pluck();
    const move = db.prepare('UPDATE tasks SET stage_uuid = ? WHERE seq = ? AND stage_uuid = ?');
    const moveAll = db.transaction((ids) => { let n = 0; for (const id of ids) n += move.run(done, id, agent).changes; return n; });
    const t0 = performance.now();
    let last = -1, moved = 0;
    for (;;) {
      const ids = page.all(agent, last);
      if (ids.length === 0) break;
      moved += moveAll(ids);
      last = ids[ids.length - 1];
    }
    const ms = performance.now() - t0;
    if (moved !== tasks) throw new Error(`bare SQLite loop moved ${moved} of ${tasks}`);
    return { ms, tasksPerSecond: tasks / (ms / 1000) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runRunnerBench({ quick = false } = {}) {
  const big = quick ? 10_000 : 100_000;
  const reps = quick ? 1 : 3;
  const parent = mkdtempSync(join(tmpdir(), 'ta-bench-runner-'));
  const rows = [];
  const samples = {};
  try {
    const bare = [];
    for (let i = 0; i < reps; i++) bare.push(bareSqliteLoop(parent, big).tasksPerSecond);
    samples.bareSqliteTasksPerSecond = bare;
    const bareTps = median(bare);
    rows.push({ case: `bare SQLite loop, ${big} tasks, txn of 1000 (store ceiling)`, value: bareTps, unit: 'tasks/s', reference: null, ratio: null });
    const runs = { 1: [], 2: [] };
    for (const threads of [1, 2]) {
      for (let i = 0; i < reps; i++) runs[threads].push(await cliRun(parent, `p${threads}-${i}`, big, threads));
      samples[`cli threads=${threads}, ${big} tasks`] = runs[threads];
      const tps = median(runs[threads].map((r) => r.tasksPerSecond));
      rows.push({ case: `runner CLI trivial agent, ${big} tasks, --threads ${threads}`, value: tps, unit: 'tasks/s', reference: PYTHON_DOCUMENTED_TPS, refLabel: 'python (documented)', ratio: tps / PYTHON_DOCUMENTED_TPS });
      rows.push({ case: `runner CLI trivial agent, ${big} tasks, --threads ${threads}`, value: tps, unit: 'tasks/s', reference: bareTps, refLabel: 'bare SQLite loop (same run)', ratio: tps / bareTps });
    }
    // Peak RSS: 10 000 vs 100 000 tasks (quick: 1 000 vs 10 000), --threads 2.
    const small = big / 10;
    const rssSmall = await cliRun(parent, 'rss-small', small, 2);
    const rssBig = runs[2].map((r) => r.peakRssKiB);
    samples.peakRssKiB = { [small]: rssSmall.peakRssKiB, [big]: rssBig, method: rssSmall.rssMethod };
    const mbSmall = rssSmall.peakRssKiB / 1024, mbBig = median(rssBig) / 1024;
    rows.push({ case: `runner CLI peak RSS, ${small} tasks, --threads 2 (${rssSmall.rssMethod})`, value: mbSmall, unit: 'MiB', reference: null, ratio: null });
    rows.push({ case: `runner CLI peak RSS, ${big} tasks, --threads 2 (goal: ratio ≈ 1)`, value: mbBig, unit: 'MiB', reference: mbSmall, refLabel: `RSS at ${small} tasks`, ratio: mbBig / mbSmall });
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  return { rows, samples };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await runRunnerBench({ quick: process.argv.includes('--quick') });
  for (const r of rows) console.log(r.case, r.value?.toFixed(1), r.unit, r.reference?.toFixed?.(1) ?? '—', r.ratio?.toFixed?.(2) ?? '—');
}
