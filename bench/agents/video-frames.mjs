// E2E video bench agent: iterates every frame of the task's video, then completes the task.
// Uses deps.videoFrames() when dist/index.js exports it; otherwise (it is being wired in main) it
// falls back to a worker-scoped decoder from dist/media/index.js iterating the local media
// file join(TA_BENCH_PROJECT, 'media', storageItem.url). Appends "<frames>\n" per task to
// TA_BENCH_LOG so the bench can check every frame was seen.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runner, deps, defineDep } from '../../dist/index.js';

const log = (n) => {
  if (process.env.TA_BENCH_LOG) appendFileSync(process.env.TA_BENCH_LOG, `${n}\n`);
};
export const usesVideoFramesDep = typeof deps.videoFrames === 'function';

const runner = new Runner();
if (usesVideoFramesDep) {
  runner.stage('Agent 1', { deps: { frames: deps.videoFrames() } }, async ({ frames }) => {
    const it = typeof frames === 'function' ? frames() : frames;
    let n = 0;
    for await (const f of it) {
      if (f.content.length === 0) throw new Error('empty frame');
      n++;
    }
    log(n);
    return 'complete';
  });
} else {
  const decoder = defineDep({
    scope: 'worker',
    create: async () => (await import('../../dist/media/index.js')).createDecoder(process.env.TA_BENCH_DECODER ?? 'auto'),
  });
  runner.stage('Agent 1', { deps: { item: deps.storageItem(), decoder } }, async ({ item, decoder }) => {
    const path = join(process.env.TA_BENCH_PROJECT, 'media', item.url);
    let n = 0;
    for await (const f of decoder.frames(path, {}, { threads: 1 })) {
      if (f.content.length === 0) throw new Error('empty frame');
      n++;
    }
    log(n);
    return 'complete';
  });
}
export default runner;
