// Runs `dist/main.js serve` as a child process, signs webhook notifications for it, reads its
// /metrics, and finds free ports (the emulator must know serve's URL before serve starts).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { MAIN, ROOT, freePort } from './cli.mjs';

export { freePort };
import { signWebhook } from '../../dist/platform/encord/index.js';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * An emulator that notifies serve, and serve on the port the emulator was told: `emulator(port)`
 * starts the one, `serve(emu, port)` the other. Between freePort() and serve's listen another
 * process can take the port (EADDRINUSE): then both start again on another port.
 */
export async function startEmulatorAndServe(emulator, serve, tries = 5) {
  for (let i = 1; ; i++) {
    const port = await freePort();
    const emu = await emulator(port);
    try {
      return { emu, serve: await serve(emu, port), port };
    } catch (e) {
      await emu.stop();
      if (i >= tries || !/EADDRINUSE/.test(String(e?.message))) throw e;
    }
  }
}

/** Spawns serve; resolves once it printed `listening on URL`. */
export function startServe(module, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', module, ...args], {
      cwd: ROOT,
      env: { ...process.env, TA_WEBHOOK_SECRET: SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let done = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^listening on (http:\/\/\S+)\n/.exec(stdout);
      if (m && !done) {
        done = true;
        const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
        resolve({
          url: m[1],
          child,
          pid: child.pid,
          firstLine: stdout.split('\n')[0],
          output: () => ({ stdout, stderr }),
          drains: () => stderr.split('\n').filter((l) => l.startsWith('drain ')),
          exited,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`serve exited ${code}: ${stderr}`));
    });
  });
}

/** Sends a signed task-ready notification for a stage (as the emulator would); resolves to { status, body }. */
export async function notify(
  url,
  { projectHash, stageUuid } = {},
  { secret = SECRET, id = `msg_${randomUUID()}`, timestamp = Date.now() / 1000, headers } = {},
) {
  const body = JSON.stringify({
    uid: randomUUID(),
    version: 1,
    source: 'Encord',
    event_type: 'agent_stage_tasks_ready',
    payload: { project_hash: projectHash, stage_uuid: stageUuid },
  });
  const h = headers ?? signWebhook(secret, id, timestamp, body);
  const res = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...h }, body });
  return { status: res.status, body: await res.json() };
}

/** /metrics parsed into { 'name{labels}': value }. */
export async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** The sum of a metric's series whose labels include every `where` pair. */
export function total(m, name, where = {}) {
  let sum = 0;
  for (const [k, v] of Object.entries(m)) {
    if (k !== name && !k.startsWith(`${name}{`)) continue;
    if (Object.entries(where).every(([lk, lv]) => k.includes(`${lk}="${lv}"`))) sum += v;
  }
  return sum;
}

/** Polls `check` (async, truthy when done) every 50 ms until `timeoutMs`; returns its last value. */
export async function waitFor(check, timeoutMs = 30_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Resident memory of a process (Linux /proc), bytes. */
export function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}
