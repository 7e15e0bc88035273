#!/usr/bin/env node
// Queue mode: a trivial agent over a local project with `run --queue` and two `task-agents worker`
// processes (one thread each) on a throw-away redis-server, against the same run with two local
// threads, measured in the same session. Skipped (a note, not a crash) without redis-server.
// Usage: node bench/queue.mjs [--quick]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestProject } from '../dist/testing.js';
import { MAIN, ROOT, agentDoneWorkflow, formatTable, runCli } from './common.mjs';

const AGENT = join(ROOT, 'bench', 'agents', 'trivial.mjs');

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Spawns a process and resolves once a stdout line matches `ready`. */
function spawnUntil(cmd, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (ready.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}`)));
  });
}

const stop = (child) =>
  new Promise((res) => {
    if (child.exitCode !== null) return res();
    child.removeAllListeners('exit');
    child.once('exit', res);
    child.kill('SIGTERM');
  });

export async function runQueueBench({ quick = false, smoke = false } = {}) {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    return { rows: [], notes: ['skipped: redis-server not installed (scripts/setup.sh installs it)'] };
  const tasks = smoke ? 500 : quick ? 5_000 : 30_000;
  const parent = mkdtempSync(join(tmpdir(), 'ta-bench-queue-'));
  const port = await freePort();
  const redis = await spawnUntil(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', parent],
    /Ready to accept connections/,
  );
  const url = `redis://127.0.0.1:${port}`;
  const workers = [];
  try {
    const project = (name) => {
      const dir = join(parent, name);
      createTestProject(dir, { tasks, workflow: agentDoneWorkflow() }).close();
      return dir;
    };
    const local = await runCli(['run', AGENT, '--project', project('local'), '--threads', '2', '--json', '--quiet']);
    for (let i = 0; i < 2; i++)
      workers.push(await spawnUntil(process.execPath, [MAIN, 'worker', AGENT, '--queue', url, '--threads', '1'], /^worker ready/m));
    const queued = await runCli(['run', AGENT, '--project', project('queued'), '--queue', url, '--threads', '2', '--json', '--quiet']);
    for (const r of [local, queued])
      if (r.code !== 0 || !r.json?.ok) throw new Error(`run failed (exit ${r.code}): ${r.stderr.slice(-1000)}`);
    return {
      rows: [
        {
          case: `queue mode, trivial agent, ${tasks} tasks, 2 worker processes × 1 thread (runner-reported)`,
          value: queued.json.tasksPerSecond,
          unit: 'task/s',
          reference: local.json.tasksPerSecond,
          refLabel: 'local --threads 2 (same run)',
          ratio: queued.json.tasksPerSecond / local.json.tasksPerSecond,
        },
      ],
    };
  } finally {
    for (const w of workers) await stop(w);
    await stop(redis);
    rmSync(parent, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runQueueBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(r.rows));
  for (const n of r.notes ?? []) console.log(`note: ${n}`);
}
