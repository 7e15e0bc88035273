// A throw-away redis-server (apt package redis-server; scripts/setup.sh installs it) on a free port.
import { spawn } from 'node:child_process';
import { freePort, tmp } from './cli.mjs';

/**
 * Starts redis-server without persistence (on `port`, default a free one); resolves with
 * { url, port, stop, kill } once it accepts connections. `kill(signal)` resolves once it is gone.
 */
export async function startRedis({ port } = {}) {
  // A free port can be taken by another process before redis-server binds it: then another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOn(port ?? (await freePort()));
    } catch (e) {
      if (port !== undefined || attempt >= 5 || !/Address already in use/.test(String(e?.message))) throw e;
    }
  }
}

async function startRedisOn(port) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp('ta-redis-')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`redis-server could not start (${e.message}); run scripts/setup.sh`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve();
    });
  });
  const kill = (signal) =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      child.once('exit', () => res());
      child.kill(signal);
    });
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => kill('SIGTERM'), kill };
}
