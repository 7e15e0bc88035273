// Shared helpers for the bench scripts (run against dist/).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

export function ffmpegAvailable() {
  try {
    return spawnSync('ffmpeg', ['-version']).status === 0;
  } catch {
    return false;
  }
}

const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(d));

/** The machine's 1-minute load average now (printed beside every row: ratios on a loaded machine read differently). */
export const load1 = () => loadavg()[0];

/**
 * A table row measured now: `{case, value, unit, reference, refLabel, ratio, goal, met, load}`.
 * `ratio = value / reference`; `goal` is `{ op: '>=' | '<=', target }` (printed as `≥ 0.6`) and
 * `met` says whether the ratio meets it; `load` is the 1-minute load average when it was measured.
 */
export function row(c, value, unit, { reference = null, refLabel, goal, ...extra } = {}) {
  const ratio = value != null && reference ? value / reference : null;
  const r = { case: c, value, unit, reference, ...(refLabel && { refLabel }), ratio, load: load1(), ...extra };
  if (goal)
    Object.assign(r, {
      goal: `${goal.op === '>=' ? '≥' : '≤'} ${goal.target}`,
      met: ratio == null ? null : goal.op === '>=' ? ratio >= goal.target : ratio <= goal.target,
    });
  return r;
}

/** Fills `met` of a row whose goal was given as text (`≥ 1.8`, `≤ 1.15`). */
export function judge(r) {
  const m = typeof r.goal === 'string' && r.met === undefined ? /^([≥≤])\s*([\d.]+)/.exec(r.goal) : null;
  if (m) r.met = r.ratio == null ? null : m[1] === '≥' ? r.ratio >= Number(m[2]) : r.ratio <= Number(m[2]);
  return r;
}

/** One table: case | value | unit | reference | ratio | goal | met | load (reference with its label in parentheses). */
export function formatTable(rows) {
  const withGoal = rows.some((r) => r.goal);
  const met = (r) => (r.goal ? (r.met == null ? '?' : r.met ? 'yes' : 'NO') : '');
  const cells = rows.map((r) => [
    r.case,
    fmt(r.value),
    r.unit ?? '',
    r.reference == null ? '—' : `${fmt(r.reference)}${r.refLabel ? ` (${r.refLabel})` : ''}`,
    fmt(r.ratio, 2),
    ...(withGoal ? [r.goal ?? '', met(r)] : []),
    r.load == null ? '' : r.load.toFixed(1),
  ]);
  const head = ['case', 'value', 'unit', 'reference', 'ratio', ...(withGoal ? ['goal', 'met'] : []), 'load'];
  const right = new Set([1, 4, head.length - 1]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((x, i) => (right.has(i) ? x.padStart(w[i]) : x.padEnd(w[i]))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((n, i) => (right.has(i) ? '-'.repeat(n + 1) + ':' : '-'.repeat(n + 2))).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

/** Workflow: AGENT "Agent 1" --complete--> DONE "Complete". */
export function agentDoneWorkflow() {
  const agent = randomUUID(),
    done = randomUUID();
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
 * Resolves { code, stdout, stderr, json, peakRssKiB, cpuMs (user + sys, with /usr/bin/time), spawnedAt (epoch ms), rssMethod, wallMs }.
 */
export function runCli(args, { env = {}, timeoutMs = 600_000, nodeArgs: flags = [] } = {}) {
  return new Promise((resolve, reject) => {
    const nodeArgs = [...flags, MAIN, ...args];
    const [cmd, argv] = hasGnuTime ? [TIME, ['-v', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
    const t0 = performance.now();
    const spawnedAt = performance.timeOrigin + t0;
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '',
      hwm = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = hasGnuTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const wallMs = performance.now() - t0;
      let peakRssKiB = hwm || null;
      let cpuMs = null;
      if (hasGnuTime) {
        const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(stderr);
        peakRssKiB = m ? Number(m[1]) : null;
        const user = /User time \(seconds\):\s*([\d.]+)/.exec(stderr),
          sys = /System time \(seconds\):\s*([\d.]+)/.exec(stderr);
        if (user && sys) cpuMs = (Number(user[1]) + Number(sys[1])) * 1000;
      }
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json,
        peakRssKiB,
        cpuMs,
        spawnedAt,
        rssMethod: hasGnuTime ? '/usr/bin/time -v' : '/proc VmHWM poll',
        wallMs,
      });
    });
  });
}
