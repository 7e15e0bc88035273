// Runs the built CLI (dist/main.js) as a child process and collects its output.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const agent = (name) => join(FIXTURES, 'agents', name);

/** A port nothing listened on a moment ago (another process may take it before you bind it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function tmp(prefix = 'ta-test-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cli(args, { cwd = ROOT, env = {}, timeoutMs = 120_000, onSpawn } = {}) {
  return exec(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ...env }, timeoutMs, onSpawn });
}

/** Runs any command (no shell) with exactly `env`; collects stdout, stderr and stdout as JSON when it parses. Never rejects on a non-zero exit. */
export function exec(cmd, args, { cwd, env = process.env, timeoutMs = 120_000, onSpawn, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, signal, stdout, stderr, json });
    });
  });
}

export function lines(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * Spawns `dist/main.js ...args` for a long-running command (emulator, project view); resolves once
 * it prints its first line `listening on URL`: { url, child, firstLine, output(), stop() → exit code }.
 */
export function startListening(args, { cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^listening on (http:\/\/\S+)\n/.exec(stdout);
      if (m && !done) {
        done = true;
        resolve({
          url: m[1],
          child,
          firstLine: stdout.split('\n')[0],
          output: () => ({ stdout, stderr }),
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null) return res(child.exitCode);
              child.once('exit', (code) => res(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`${args[0]} exited ${code}: ${stderr}`));
    });
  });
}
