#!/usr/bin/env node
// Encord protocol efficiency and throughput through the emulator (dist/ must be built):
// - HTTP requests per 1000 tasks for a label-row + storage-item agent (counted by the emulator's
//   /_emulator/stats), against the Python runner's request profile (protocol reference §10);
// - tasks/s of a trivial agent with --threads 2 through the emulator, against the local project.
// Usage: node bench/encord.mjs [--quick]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN, ROOT, formatTable, runCli } from './common.mjs';

const AGENTS = join(ROOT, 'bench', 'agents');

/**
 * Requests the Python runner (encord-agents SequentialRunner, §10) makes for `tasks` tasks in
 * batches of `batch`, for an agent needing the label row and the storage item and saving the row:
 * 2 (project + ontology), then per batch 1 task page + 1 labelrowmetadata + ⌈N/1000⌉ labelrow
 * GET/PUT + 1 storage get-bulk + ⌈N/100⌉ saves + ⌈N/1000⌉ action posts. Assumes the server's task
 * page equals the batch (the emulator is started with --page-size = batch so both sides match).
 */
export function pythonRequestCount(tasks, batch) {
  const full = Math.floor(tasks / batch);
  const rest = tasks % batch;
  const perBatch = (n) => 1 + 1 + Math.ceil(n / 1000) + 1 + Math.ceil(n / 100) + Math.ceil(n / 1000);
  return 2 + full * perBatch(batch) + (rest > 0 ? perBatch(rest) : 0);
}

/**
 * Requests of the Python runner for the twin-copy agent (reference §10 and the dep_twin_label_row
 * source): at start 2 (project + ontology) + 2 (twin project + ontology) + 1 (list every twin label
 * row); per batch 1 task page + 1 labelrowmetadata + ⌈N/1000⌉ action posts; per task 1 twin
 * initialise_labels + 1 twin task lookup + the agent's own twin save and twin proceed.
 */
export function pythonTwinRequestCount(tasks, batch) {
  const batches = Math.ceil(tasks / batch);
  let perBatch = 0;
  for (let b = 0; b < batches; b++) perBatch += 2 + Math.ceil(Math.min(batch, tasks - b * batch) / 1000);
  return 5 + perBatch + 4 * tasks;
}

export function makeProject(n) {
  return import(new URL('../dist/testing.js', import.meta.url).href).then(({ createTestProject }) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ta-bench-')), 'project');
    const p = createTestProject(dir, { tasks: n });
    const info = p.info;
    p.close();
    return { dir, info, root: join(dir, '..') };
  });
}

export function startEmulator(dir, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'emulator', dir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^listening on (\S+)\n/.exec(out);
      if (m)
        resolve({
          url: m[1],
          requestLog: async () => (await fetch(`${m[1]}/_emulator/requests`)).json(),
          stop: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

/** A CLI run that must succeed: its wall time and JSON summary. */
async function runOk(args, env) {
  const r = await runCli(args, { env });
  if (r.code !== 0) throw new Error(`run exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  return { ms: r.wallMs, summary: r.json };
}

/** Runs `agent` on a fresh project of `n` tasks against the emulator; returns run time, summary and emulator stats. */
async function throughEmulator(agent, n, batch, key, runArgs) {
  const p = await makeProject(n);
  const emu = await startEmulator(p.dir, ['--authorized-keys', `${key}.pub`, '--page-size', String(batch)]);
  try {
    const r = await runOk(
      ['run', join(AGENTS, agent), '--project', p.info.projectHash, '--json', '--task-batch-size', String(batch), ...runArgs],
      { ENCORD_SSH_KEY_FILE: key, ENCORD_DOMAIN: emu.url },
    );
    const stats = await (await fetch(`${emu.url}/_emulator/stats`)).json();
    return { ...r, stats };
  } finally {
    await emu.stop();
    rmSync(p.root, { recursive: true, force: true });
  }
}

/** The twin-copy agent on a project and its twin, both served by one emulator; returns run summary and stats. */
async function twinThroughEmulator(n, batch, key) {
  const p = await makeProject(n);
  const twinDir = join(p.root, 'twin');
  try {
    const made = await runCli(['project', 'init', twinDir, '--twin-of', p.dir, '--json']);
    if (made.code !== 0) throw new Error(`project init --twin-of failed: ${made.stderr}`);
    const emu = await startEmulator(p.dir, [twinDir, '--authorized-keys', `${key}.pub`, '--page-size', String(batch)]);
    try {
      const r = await runOk(
        [
          'run',
          join(AGENTS, 'twin-copy.mjs'),
          '--project',
          p.info.projectHash,
          '--json',
          '--task-batch-size',
          String(batch),
          '--threads',
          '2',
        ],
        { ENCORD_SSH_KEY_FILE: key, ENCORD_DOMAIN: emu.url, BENCH_TWIN: made.json.projectHash },
      );
      return { ...r, stats: await (await fetch(`${emu.url}/_emulator/stats`)).json() };
    } finally {
      await emu.stop();
    }
  } finally {
    rmSync(p.root, { recursive: true, force: true });
  }
}

/** Rows `{case, value, unit, reference?, ratio?}`. */
export async function runEncordBench({ quick = false, smoke = false } = {}) {
  const keyDir = mkdtempSync(join(tmpdir(), 'ta-bench-key-'));
  const key = join(keyDir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', key]);
  const rows = [];
  try {
    const tasks = smoke ? 200 : quick ? 1000 : 3000;
    for (const batch of quick ? [100] : [100, 300]) {
      const r = await throughEmulator('label-storage.mjs', tasks, batch, key, ['--threads', '2']);
      if (r.summary.stages[0].moved.labelled !== tasks) throw new Error('not every task was moved');
      const ours = (r.stats.total * 1000) / tasks;
      const python = (pythonRequestCount(tasks, batch) * 1000) / tasks;
      rows.push({
        case: `requests per 1000 tasks, label row + storage item, batch ${batch}`,
        value: ours,
        unit: 'req',
        reference: python,
        ratio: ours / python,
      });
    }
    const twinTasks = smoke ? 100 : quick ? 300 : 1200;
    const twin = await twinThroughEmulator(twinTasks, 300, key);
    if (twin.summary.stages[0].moved.labelled !== twinTasks) throw new Error('not every twin task was moved');
    const twinOurs = (twin.stats.total * 1000) / twinTasks;
    const twinPython = (pythonTwinRequestCount(twinTasks, 300) * 1000) / twinTasks;
    rows.push({
      case: 'requests per 1000 tasks, twin copy (twin save + twin proceed), batch 300',
      value: twinOurs,
      unit: 'req',
      reference: twinPython,
      ratio: twinOurs / twinPython,
    });
    const n = smoke ? 200 : quick ? 1000 : 4000;
    const enc = await throughEmulator('trivial-pre-label.mjs', n, 300, key, ['--threads', '2']);
    const local = await makeProject(n);
    try {
      const loc = await runOk(['run', join(AGENTS, 'trivial-pre-label.mjs'), '--project', local.dir, '--json', '--threads', '2'], {});
      const encTps = (n * 1000) / enc.ms;
      const locTps = (n * 1000) / loc.ms;
      rows.push({
        case: 'trivial agent --threads 2 via emulator (wall, incl. startup)',
        value: encTps,
        unit: 'task/s',
        reference: locTps,
        ratio: encTps / locTps,
      });
      rows.push({
        case: 'trivial agent --threads 2 via emulator (runner-reported)',
        value: enc.summary.tasksPerSecond,
        unit: 'task/s',
        reference: loc.summary.tasksPerSecond,
        ratio: enc.summary.tasksPerSecond / loc.summary.tasksPerSecond,
      });
    } finally {
      rmSync(local.root, { recursive: true, force: true });
    }
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runEncordBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(rows));
}
