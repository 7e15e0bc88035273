#!/usr/bin/env node
// End-to-end video: N short 720p H.264 clips generated with the ffmpeg CLI, imported into a local
// project with `project import`, and an agent that iterates every frame of each task's video, run
// through the real CLI with --threads 1 and 2. Reference: the decode bench's 1-worker figure for
// the same clip × threads. Uses dist/ (build first).
// Usage: node bench/e2e-video.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, MAIN, runCli, agentDoneWorkflow, ffmpegAvailable, median, row } from './common.mjs';

const AGENT = join(ROOT, 'bench', 'agents', 'video-frames.mjs');

/**
 * `perThreadFps`: the decode bench's 1-worker h264 720p fps for the backend the agent uses
 * (`{ beamcoder, 'node-av' }`), or null to skip the reference.
 */
/** Goal 3 of issue 12: with --threads 2 the runner keeps ≥ 0.9 of two one-worker decoders. */
export const E2E_GOAL = { op: '>=', target: 0.9 };

export async function runE2EBench({ quick = false, smoke = false, perThreadFps = null } = {}) {
  if (!ffmpegAvailable()) {
    return {
      rows: [
        { case: 'e2e video: ffmpeg CLI not found, skipped (nothing was installed)', value: null, unit: '', reference: null, ratio: null },
      ],
      samples: {},
      notes: ['ffmpeg missing'],
    };
  }
  const clips = smoke ? 2 : quick ? 4 : 8;
  const framesPerClip = smoke ? 10 : quick ? 60 : 150;
  const reps = quick || smoke ? 1 : 2;
  const { usesVideoFramesDep } = await import(AGENT);
  const { chosenDecoder, createDecoder } = await import('../dist/media/index.js');
  await createDecoder('auto');
  const backend = chosenDecoder().name; // what `auto` resolves to in the agent's workers too
  const notes = [
    usesVideoFramesDep
      ? 'agent uses deps.videoFrames()'
      : 'deps.videoFrames not exported by dist/index.js: agent falls back to createDecoder() + decoder.frames(join(project, "media", storageItem.url))',
  ];
  const root = mkdtempSync(join(tmpdir(), 'ta-bench-e2e-'));
  const rows = [];
  const samples = { backend, clips, framesPerClip, runs: {} };
  try {
    const src = join(root, 'clips');
    mkdirSync(src);
    for (let i = 0; i < clips; i++) {
      // A different pattern offset per clip so files differ; short GOP as in typical camera footage.
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=1280x720:rate=30,hue=h=${i * 40}`,
        '-frames:v',
        String(framesPerClip),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '30',
        '-pix_fmt',
        'yuv420p',
        join(src, `clip-${i}.mp4`),
      ]);
    }
    const files = Array.from({ length: clips }, (_, i) => join(src, `clip-${i}.mp4`));
    const wfFile = join(root, 'workflow.json');
    for (const threads of [1, 2]) {
      const fps = [];
      for (let r = 0; r < reps; r++) {
        const dir = join(root, `project-${threads}-${r}`);
        writeFileSync(wfFile, JSON.stringify(agentDoneWorkflow()));
        execFileSync(process.execPath, [MAIN, 'project', 'init', dir, '--workflow', wfFile, '--json'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        execFileSync(process.execPath, [MAIN, 'project', 'import', dir, ...files, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const logFile = join(root, `frames-${threads}-${r}.log`);
        const res = await runCli(['run', AGENT, '--project', dir, '--threads', String(threads), '--json', '--quiet'], {
          env: { TA_BENCH_PROJECT: dir, TA_BENCH_LOG: logFile },
        });
        if (res.code !== 0 || !res.json?.ok)
          throw new Error(`e2e run failed (exit ${res.code}): ${res.stderr.slice(-2000) || res.stdout.slice(-2000)}`);
        const seen = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
        const total = seen.reduce((a, b) => a + b, 0);
        if (seen.length !== clips || total !== clips * framesPerClip)
          throw new Error(`e2e run saw ${seen.length} tasks / ${total} frames, expected ${clips} / ${clips * framesPerClip}`);
        fps.push(total / (res.json.durationMs / 1000));
        (samples.runs[`threads=${threads}`] ??= []).push({
          durationMs: res.json.durationMs,
          wallMs: res.wallMs,
          frames: total,
          peakRssKiB: res.peakRssKiB,
        });
        rmSync(dir, { recursive: true, force: true });
      }
      const value = median(fps);
      const ref = perThreadFps?.[backend] != null ? perThreadFps[backend] * threads : null;
      rows.push(
        row(`e2e video ${clips}×${framesPerClip}f 720p h264, ${backend}, --threads ${threads}`, value, 'fps', {
          reference: ref,
          refLabel: `decode bench 1 worker × ${threads}`,
          ...(threads === 2 && { goal: E2E_GOAL }),
        }),
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { rows, samples, notes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows, notes } = await runE2EBench({ quick: process.argv.includes('--quick') });
  for (const n of notes) console.log('note:', n);
  for (const r of rows) console.log(r.case, r.value?.toFixed(1), r.unit, r.reference?.toFixed?.(1) ?? '—', r.ratio?.toFixed?.(2) ?? '—');
}
