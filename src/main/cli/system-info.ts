/**
 * `task-agents print system-info`: what a bug report needs (as `encord-agents print system-info`):
 * versions, machine, and which frame decoders load. Decoders are probed in a throw-away worker
 * thread, where agents run (the main thread never loads decoder code).
 */
import { Worker } from 'node:worker_threads';
import { arch, availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import type { DecoderName } from '../../shared/run-options.js';

export interface SystemInfo {
  taskAgents: string;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  decoders: Record<DecoderName, { ok: boolean; error?: string }>;
}

// Relative to dist/ (this file is bundled into a chunk there, like worker-pool.ts).
const DECODE_MODULE = new URL('./media/index.js', import.meta.url).href;

// CommonJS (eval workers are), importing the decoder module by URL.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData).then(async (m) => {
  const out = {};
  for (const [name, create] of [['node-av', m.createNodeAvDecoder], ['beamcoder', m.createBeamcoderDecoder]]) {
    try { const d = await create(); d.close?.(); out[name] = { ok: true }; }
    catch (e) { out[name] = { ok: false, error: String(e && e.message || e).split('\\n')[0] }; }
  }
  parentPort.postMessage(out);
}, (e) => parentPort.postMessage({ error: String(e && e.message || e) }));
`;

function probeDecoders(): Promise<SystemInfo['decoders']> {
  return new Promise((resolve) => {
    const failed = (error: string): SystemInfo['decoders'] => ({ 'node-av': { ok: false, error }, beamcoder: { ok: false, error } });
    const w = new Worker(PROBE, { eval: true, workerData: DECODE_MODULE });
    w.once('message', (m: SystemInfo['decoders'] | { error: string }) => {
      resolve('error' in m && typeof m.error === 'string' ? failed(m.error) : (m as SystemInfo['decoders']));
      void w.terminate();
    });
    w.once('error', (e) => resolve(failed(e.message)));
  });
}

export async function systemInfo(version: string): Promise<SystemInfo> {
  return {
    taskAgents: version,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    decoders: await probeDecoders(),
  };
}

export function formatSystemInfo(s: SystemInfo): string {
  const dec = Object.entries(s.decoders).map(([n, d]) => `  ${n}: ${d.ok ? 'ok' : `unavailable (${d.error})`}`);
  return [
    `task-agents ${s.taskAgents}`,
    `node ${s.node}`,
    `os ${s.os}`,
    `cpu ${s.cpu}, ${s.cores} cores, ${s.memoryGiB} GiB`,
    'decoders:',
    ...dec,
  ].join('\n');
}
