#!/usr/bin/env node
// Start-up (goal 5 of issue 12), against `node -e 0` measured in the same run:
// - `node dist/main.js --version`, spawn to exit;
// - `node dist/main.js run AGENT --project DIR --threads 1` on a one-task local project, spawn to
//   the moment the first task starts in a worker (the agent writes that time, see
//   bench/agents/first-task.mjs), and spawn to exit.
// Medians of interleaved repetitions. Uses dist/ (build first). Usage: node bench/startup.mjs [--quick]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN, ROOT, formatTable, median, row } from './common.mjs';
import { makeProject } from './runner.mjs';

const AGENT = join(ROOT, 'bench', 'agents', 'first-task.mjs');
export const VERSION_GOAL = { op: '<=', target: 1.5 };
export const FIRST_TASK_GOAL = { op: '<=', target: 4 };

/** Wall ms from spawn to exit of `node ...args` (exit code must be 0); `spawnedAt` is epoch ms. */
function timed(args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ ms: performance.now() - t0, spawnedAt: performance.timeOrigin + t0 })
        : reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-1000)}`)),
    );
  });
}

export async function runStartupBench({ quick = false, smoke = false } = {}) {
  const reps = smoke ? 2 : quick ? 5 : 11;
  const parent = mkdtempSync(join(tmpdir(), 'ta-bench-startup-'));
  const rows = [];
  const samples = { nodeE0: [], version: [], firstTask: [], runExit: [] };
  try {
    const dir = makeProject(parent, 'one', 1);
    for (let i = 0; i < reps; i++) {
      samples.nodeE0.push((await timed(['-e', '0'])).ms);
      samples.version.push((await timed([MAIN, '--version'])).ms);
      // The run moves its task to DONE: each repetition gets its own one-task project.
      const proj = i === 0 ? dir : makeProject(parent, `one-${i}`, 1);
      const mark = join(parent, `first-${i}`);
      const run = await timed([MAIN, 'run', AGENT, '--project', proj, '--threads', '1', '--json', '--quiet'], {
        TA_BENCH_FIRST_TASK: mark,
      });
      samples.firstTask.push(Number(readFileSync(mark, 'utf8')) - run.spawnedAt);
      samples.runExit.push(run.ms);
    }
    const ref = median(samples.nodeE0);
    rows.push(row('node -e 0, spawn to exit', ref, 'ms'));
    rows.push(
      row('task-agents --version, spawn to exit', median(samples.version), 'ms', {
        reference: ref,
        refLabel: 'node -e 0 (same run)',
        goal: VERSION_GOAL,
      }),
    );
    rows.push(
      row('task-agents run, 1 task, --threads 1: spawn to first task started', median(samples.firstTask), 'ms', {
        reference: ref,
        refLabel: 'node -e 0 (same run)',
        goal: FIRST_TASK_GOAL,
      }),
    );
    rows.push(
      row('task-agents run, 1 task, --threads 1: spawn to exit', median(samples.runExit), 'ms', {
        reference: ref,
        refLabel: 'node -e 0 (same run)',
      }),
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  return { rows, samples };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await runStartupBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(rows));
}
