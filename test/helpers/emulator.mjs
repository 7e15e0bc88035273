// Starts `dist/main.js emulator` as a child process, and runs the CLI against it as Encord.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { agent, cli, startListening, tmp } from './cli.mjs';

/** An ssh-keygen'd ed25519 key pair in a temp dir: { keyFile, pubFile, keyText, pubLine }. */
export function makeKey() {
  const dir = tmp('ta-key-');
  const keyFile = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-C', 'contract-test', '-f', keyFile]);
  return {
    keyFile,
    pubFile: `${keyFile}.pub`,
    keyText: readFileSync(keyFile, 'utf8'),
    pubLine: readFileSync(`${keyFile}.pub`, 'utf8').trim(),
  };
}

/** Spawns the emulator for DIR; resolves once it prints its `listening on` line. */
export async function startEmulator(dir, args = []) {
  const server = await startListening(['emulator', dir, '--port', '0', ...args]);
  return { ...server, stats: async () => (await fetch(`${server.url}/_emulator/stats`)).json() };
}

/**
 * Runs an agent module through the CLI against TARGET ('local' or 'encord') on project DIR.
 * For 'encord' an emulator is started and stopped; its pages are its own size (default 500, or
 * `--page-size` in emuArgs), independent of --task-batch-size, as on Encord.
 */
export async function runOn(target, module, dir, projectHash, args = [], env = {}, emuArgs = []) {
  if (target === 'local') return cli(['run', agent(module), '--project', dir, '--json', ...args], { env });
  const key = makeKey();
  const emu = await startEmulator(dir, ['--authorized-keys', key.pubFile, ...emuArgs]);
  try {
    const r = await cli(['run', agent(module), '--project', projectHash, '--json', ...args], {
      env: { ENCORD_SSH_KEY_FILE: key.keyFile, ENCORD_DOMAIN: emu.url, TA_ENCORD_BACKOFF_MS: '5', ...env },
    });
    r.emulatorStats = await emu.stats();
    return r;
  } finally {
    await emu.stop();
  }
}
