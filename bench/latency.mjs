#!/usr/bin/env node
// Through the emulator with 50 ms added to every request (`--faults latency:50ms`, pages of 100
// tasks): a run's wall time against the critical-path bound, computed from the emulator's own
// request log (GET /_emulator/requests) of that same run. Goal 4 of issue 12: wall ≤ 1.15 × bound,
// for 3 000 trivial tasks and for 1 000 tasks with label rows + storage items.
//
// The bound is what any runner must wait for, in sequence, on this server:
//   start-up   spawn → the first request reaching the emulator (node, CLI, credentials; measured)
//   + project  the project request (the stage's UUID comes from its workflow)
//   + pages    every task-page request (each needs the previous page's token)
//   + tail     what the last page's tasks still need after it, one step after another: for the
//              label-row agent label-row metadata, then the label rows and storage items (which do
//              not depend on each other: the slower of them), then the label-row save; then the
//              proceed (actions) request
// each step taking the median duration the emulator logged for that kind of request in this run.
// Usage: node bench/latency.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, formatTable, median, row, runCli } from './common.mjs';
import { makeProject, startEmulator } from './encord.mjs';

const AGENTS = join(ROOT, 'bench', 'agents');
export const LATENCY_MS = 50;
export const PAGE_SIZE = 100;
export const BOUND_GOAL = { op: '<=', target: 1.15 };

const PROJECT = 'GET v2 projects/{p}';
const PAGE = 'GET v2 …/stages/{s}/tasks';
const ACTIONS = 'POST v2 …/stages/{s}/actions';
const METADATA = 'v1 labelrowmetadata GET';
/** Requests for the label rows and storage items of a batch: independent of one another. */
const DATA = ['v1 labelrow GET', 'v1 labelrow PUT', 'POST v2 storage/items/get-bulk'];
const SAVE = 'v1 labelrow POST';

/**
 * The critical-path bound of a run from the emulator's request log (`requests`), the run's spawn
 * time (epoch ms) and which tail it has. Returns the bound and its parts, in ms.
 */
export function criticalPath(requests, spawnedAt, { labelRows = false } = {}) {
  const api = requests.filter((r) => r.endpoint !== 'media').sort((a, b) => a.start - b.start);
  if (api.length === 0) throw new Error('the emulator logged no request');
  const dur = (kind) => median(api.filter((r) => r.endpoint === kind).map((r) => r.end - r.start)) ?? 0;
  const has = (kind) => api.some((r) => r.endpoint === kind);
  for (const kind of [PROJECT, PAGE, ACTIONS]) if (!has(kind)) throw new Error(`the emulator logged no "${kind}" request`);
  const startup = api[0].start - spawnedAt;
  const project = dur(PROJECT);
  const pageRequests = api.filter((r) => r.endpoint === PAGE);
  const pages = pageRequests.reduce((s, r) => s + (r.end - r.start), 0);
  const steps = labelRows
    ? [dur(METADATA), Math.max(...DATA.filter(has).map(dur), 0), has(SAVE) ? dur(SAVE) : 0, dur(ACTIONS)]
    : [dur(ACTIONS)];
  const tail = steps.reduce((a, b) => a + b, 0);
  return {
    bound: startup + project + pages + tail,
    startup,
    project,
    pages,
    pageRequests: pageRequests.length,
    tail,
    requests: api.length,
  };
}

async function boundedRun(agent, tasks, key, { labelRows }) {
  const p = await makeProject(tasks);
  const emu = await startEmulator(p.dir, [
    '--authorized-keys',
    `${key}.pub`,
    '--page-size',
    String(PAGE_SIZE),
    '--faults',
    `latency:${LATENCY_MS}ms`,
  ]);
  try {
    const r = await runCli(['run', join(AGENTS, agent), '--project', p.info.projectHash, '--json', '--quiet', '--threads', '2'], {
      env: { ENCORD_SSH_KEY_FILE: key, ENCORD_DOMAIN: emu.url },
    });
    if (r.code !== 0 || !r.json?.ok) throw new Error(`run exited ${r.code}: ${r.stderr.slice(-1500)}`);
    const moved = r.json.stages.reduce((s, st) => s + Object.values(st.moved).reduce((a, b) => a + b, 0), 0);
    if (moved !== tasks) throw new Error(`the run moved ${moved} of ${tasks} tasks`);
    const log = await emu.requestLog();
    if (log.dropped) throw new Error('the emulator dropped log entries');
    return { wallMs: r.wallMs, durationMs: r.json.durationMs, ...criticalPath(log.requests, r.spawnedAt, { labelRows }) };
  } finally {
    await emu.stop();
    rmSync(p.root, { recursive: true, force: true });
  }
}

export async function runLatencyBench({ quick = false, smoke = false } = {}) {
  const keyDir = mkdtempSync(join(tmpdir(), 'ta-bench-key-'));
  const key = join(keyDir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', key]);
  const rows = [];
  const samples = {};
  const reps = quick || smoke ? 1 : 3;
  try {
    const cases = [
      { name: 'trivial agent', agent: 'trivial-pre-label.mjs', tasks: smoke ? 300 : 3000, labelRows: false },
      { name: 'label row + storage item agent (saves the row)', agent: 'label-storage.mjs', tasks: smoke ? 200 : 1000, labelRows: true },
    ];
    for (const c of cases) {
      const runs = [];
      for (let i = 0; i < reps; i++) runs.push(await boundedRun(c.agent, c.tasks, key, c));
      samples[c.name] = runs;
      // The run with the median wall/bound ratio, so wall and bound come from the same run.
      const m = [...runs].sort((a, b) => a.wallMs / a.bound - b.wallMs / b.bound)[runs.length >> 1];
      const parts = `start-up ${m.startup.toFixed(0)} + project ${m.project.toFixed(0)} + ${m.pageRequests} pages ${m.pages.toFixed(0)} + tail ${m.tail.toFixed(0)} ms`;
      rows.push(
        row(`emulator latency:${LATENCY_MS}ms, ${c.tasks} tasks, ${c.name}, --threads 2: wall`, m.wallMs, 'ms', {
          reference: m.bound,
          refLabel: `critical path: ${parts}`,
          goal: BOUND_GOAL,
        }),
      );
    }
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
  }
  return { rows, samples };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await runLatencyBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(rows));
}
