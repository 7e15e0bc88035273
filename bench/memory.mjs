#!/usr/bin/env node
// Memory against the project's size: peak RSS of the CLI process (main thread + worker threads)
// running the trivial agent with --threads 2 over 10 000 tasks and over 1 000 000 (100 000 with
// --quick). Goal 2 of issue 12: the large run's peak RSS ≤ 1.10 × the small run's, measured in
// the same bench run (memory bounded by the in-flight window, not by the task count).
// Uses dist/ (build first). Usage: node bench/memory.mjs [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, row } from './common.mjs';
import { cliRun } from './runner.mjs';

export const RSS_GOAL = { op: '<=', target: 1.1 };

export async function runMemoryBench({ quick = false, smoke = false } = {}) {
  const small = smoke ? 500 : 10_000;
  const big = smoke ? 5_000 : quick ? 100_000 : 1_000_000;
  const parent = mkdtempSync(join(tmpdir(), 'ta-bench-memory-'));
  const rows = [];
  const samples = {};
  try {
    // The small run twice (one before, one after the large run): its spread shows the noise.
    const before = await cliRun(parent, 'small-a', small, 2);
    const large = await cliRun(parent, 'big', big, 2);
    const after = await cliRun(parent, 'small-b', small, 2);
    samples.runs = { [small]: [before, after], [big]: [large] };
    samples.rssMethod = large.rssMethod;
    const mbSmall = (before.peakRssKiB + after.peakRssKiB) / 2 / 1024;
    const mbBig = large.peakRssKiB / 1024;
    rows.push(row(`runner CLI peak RSS, ${small} tasks, --threads 2 (${large.rssMethod})`, mbSmall, 'MiB'));
    rows.push(
      row(`runner CLI peak RSS, ${big} tasks, --threads 2`, mbBig, 'MiB', {
        reference: mbSmall,
        refLabel: `RSS at ${small} tasks (same run)`,
        goal: RSS_GOAL,
      }),
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  return { rows, samples };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await runMemoryBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(rows));
}
