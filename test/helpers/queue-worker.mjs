// A `task-agents worker` process (queue mode) for tests: the real CLI, its own worker threads.
import { spawn } from 'node:child_process';
import { MAIN, ROOT } from './cli.mjs';

/** A `task-agents worker` process; resolves once it printed its ready line. */
export function startWorker(module, url, args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'worker', module, '--queue', url, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/^worker ready on /m.test(stdout)) resolve({ child, output: () => ({ stdout, stderr }), stop });
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
    // SIGTERM; a worker still there 15 s later is killed (and its exit code is null).
    const stop = () =>
      new Promise((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
        child.removeAllListeners('exit');
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (code) => {
          clearTimeout(force);
          res(code);
        });
        child.kill('SIGTERM');
      });
  });
}
