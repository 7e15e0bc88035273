// Shared helpers for the bench scripts (run against dist/).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

export function ffmpegAvailable() {
  try { return spawnSync('ffmpeg', ['-version']).status === 0; } catch { return false; }
}

const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(d));

/** One table: case | value | unit | reference | ratio (reference with its label), plus goal when a row has one. */
export function formatTable(rows) {
  const withGoal = rows.some((r) => r.goal);
  const cells = rows.map((r) => [r.case, fmt(r.value), r.unit ?? '', r.reference == null ? '—' : `${fmt(r.reference)}${r.refLabel ? ` (${r.refLabel})` : ''}`, fmt(r.ratio, 2), ...(withGoal ? [r.goal ?? ''] : [])]);
  const head = ['case', 'value', 'unit', 'reference', 'ratio', ...(withGoal ? ['goal'] : [])];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((x, i) => (i === 1 || i === 4 ? x.padStart(w[i]) : x.padEnd(w[i]))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i === 1 || i === 4 ? '-'.repeat(n + 1) + ':' : '-'.repeat(n + 2))).join('|')}|`, ...cells.map(line)].join('\n');
}

/** Workflow: AGENT "Agent 1" --complete--> DONE "Complete". */
export function agentDoneWorkflow() {
  const agent = randomUUID(), done = randomUUID();
  return {
    stages: [
      { stageType: 'AGENT', uuid: agent, title: 'Agent 1', pathways: [{ uuid: randomUUID(), title: 'complete', destinationUuid: done }] },
      { stageType: 'DONE', uuid: done, title: 'Complete' },
    ],
  };
}

const TIME = '/usr/bin/time';
const hasGnuTime = existsSync(TIME) && spawnSync(TIME, ['-v', 'true']).status === 0;

/**
 * Runs `node dist/main.js ...args` and measures peak RSS of that process: with `/usr/bin/time -v`
 * when present ("Maximum resident set size", KiB), else by polling /proc/<pid>/status VmHWM.
 * Resolves { code, stdout, stderr, json, peakRssKiB, rssMethod, wallMs }.
 */
export function runCli(args, { env = {}, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const nodeArgs = [MAIN, ...args];
    const [cmd, argv] = hasGnuTime ? [TIME, ['-v', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', hwm = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = hasGnuTime ? null : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch { /* exited */ }
    }, 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const wallMs = performance.now() - t0;
      let peakRssKiB = hwm || null;
      if (hasGnuTime) {
        const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(stderr);
        peakRssKiB = m ? Number(m[1]) : null;
      }
      let json;
      try { json = JSON.parse(stdout); } catch { json = undefined; }
      resolve({ code, signal, stdout, stderr, json, peakRssKiB, rssMethod: hasGnuTime ? '/usr/bin/time -v' : '/proc VmHWM poll', wallMs });
    });
  });
}
