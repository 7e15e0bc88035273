#!/usr/bin/env node
// Decode throughput of both backends vs the ffmpeg CLI (single-threaded, piped to a sink),
// 1→2(→4 in full mode) worker-thread scaling, and first-frame latency. Uses dist/ (build first).
// Usage: node bench/decode.mjs [--quick]
import { spawn, execFileSync } from 'node:child_process';
import { ffmpegAvailable, formatTable, median, row } from './common.mjs';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = new URL('../dist/media/index.js', import.meta.url).href;

/** Wall ms of an ffmpeg run whose stdout is drained by this process (the "sink"). */
function timeFfmpeg(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('ffmpeg', ['-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', () => {});
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

// Runs inside a worker: loads the decoder (not timed), then decodes or takes first frames.
const WORKER = `
  const { parentPort, workerData: w } = require('node:worker_threads');
  import(w.dist).then(async (m) => {
    const dec = await m.createDecoder(w.backend);
    await dec.firstFrame(w.file); // warm-up: module, codec tables
    parentPort.postMessage({ ready: true });
    await new Promise((r) => parentPort.once('message', r));
    if (w.mode === 'first') {
      const ms = [];
      for (let i = 0; i < w.reps; i++) { const t0 = performance.now(); await dec.firstFrame(w.file); ms.push(performance.now() - t0); }
      parentPort.postMessage({ ms });
    } else {
      const t0 = performance.now(); let n = 0;
      for await (const f of dec.frames(w.file, {}, { threads: 1 })) n++;
      parentPort.postMessage({ n, ms: performance.now() - t0 });
    }
  }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;

/** Starts `count` workers, waits until all are warm, then releases them together. */
async function runWorkers(count, data) {
  const ws = Array.from({ length: count }, () => new Worker(WORKER, { eval: true, workerData: { dist: DIST, ...data } }));
  const ready = ws.map(
    (w) =>
      new Promise((res, rej) => {
        w.once('message', (m) => (m.error ? rej(new Error(m.error)) : res()));
        w.once('error', rej);
      }),
  );
  await Promise.all(ready);
  const t0 = performance.now();
  const done = ws.map(
    (w) =>
      new Promise((res, rej) => {
        w.once('message', (m) => (m.error ? rej(new Error(m.error)) : res(m)));
        w.postMessage('go');
      }),
  );
  const results = await Promise.all(done);
  const wall = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate())); // idle by now: safe to terminate
  return { results, wall };
}

/**
 * Runs the decode benchmark. Returns rows `{case, value, unit, reference, ratio}`; `reference`
 * is the ffmpeg CLI figure (null when the CLI is missing, which is also reported in `case`).
 * The returned array also carries `scaling` (worker-count points for the chart) and `samples`.
 */
/** Goal 3 of issue 12: two workers decode ≥ 1.8 × what one does (on 2 free cores). */
export const SCALING_GOAL = { op: '>=', target: 1.8 };

export async function runDecodeBench({ quick = false, smoke = false } = {}) {
  const rows = [];
  /** Worker-thread scaling points `{backend, clip, workers, fps, frames, wallMs}` (also on `rows.scaling`). */
  const scaling = [];
  /** Raw per-rep samples (ms) by case (also on `rows.samples`). */
  const samples = {};
  rows.scaling = scaling;
  rows.samples = samples;
  if (!ffmpegAvailable()) {
    rows.push({
      case: 'ffmpeg CLI not found: install ffmpeg to generate clips and measure the reference (nothing was installed)',
      value: null,
      unit: '',
      reference: null,
      ratio: null,
    });
    return rows;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ta-bench-decode-'));
  try {
    const n720 = smoke ? 20 : quick ? 90 : 300;
    const n1080 = smoke ? 10 : quick ? 60 : 200;
    const clips = [
      {
        name: 'h264 720p',
        file: join(dir, 'h264-720.mp4'),
        args: ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-frames:v', String(n720), '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
      },
      {
        name: 'h264 1080p',
        file: join(dir, 'h264-1080.mp4'),
        args: [
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=1920x1080:rate=30',
          '-frames:v',
          String(n1080),
          '-c:v',
          'libx264',
          '-preset',
          'fast',
          '-pix_fmt',
          'yuv420p',
        ],
      },
      {
        name: 'mjpeg 720p',
        file: join(dir, 'mjpeg-720.avi'),
        args: ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-frames:v', String(n720), '-c:v', 'mjpeg', '-q:v', '3'],
      },
    ];
    for (const c of clips) execFileSync('ffmpeg', ['-v', 'error', '-y', ...c.args, c.file]);
    const reps = quick ? 1 : 3;
    for (const c of clips) {
      const frames = Number(
        String(
          execFileSync('ffprobe', [
            '-v',
            'error',
            '-count_packets',
            '-select_streams',
            'v:0',
            '-show_entries',
            'stream=nb_read_packets',
            '-of',
            'csv=p=0',
            c.file,
          ]),
        ).trim(),
      );
      const refMs = [];
      for (let i = 0; i < reps; i++)
        refMs.push(await timeFfmpeg(['-threads', '1', '-filter_threads', '1', '-i', c.file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
      const refFps = frames / (median(refMs) / 1000);
      for (const backend of ['beamcoder', 'node-av']) {
        const ms = [];
        for (let i = 0; i < reps; i++) ms.push((await runWorkers(1, { backend, file: c.file, mode: 'decode' })).results[0].ms);
        const fps = frames / (median(ms) / 1000);
        samples[`${backend} ${c.name} decode ms`] = ms;
        samples[`ffmpeg ${c.name} decode ms`] = refMs;
        rows.push(
          row(`${backend} ${c.name} decode→RGB24, 1 worker, 1 thread`, fps, 'fps', { reference: refFps, refLabel: 'ffmpeg CLI, 1 thread' }),
        );
      }
    }
    // Scaling: the same clip decoded by 1, 2 (and 4 in full mode) workers started together
    // (aggregate fps). Points are kept on `rows.scaling` for the SVG chart of bench/index.mjs.
    const sc = clips[0];
    const counts = quick ? [1, 2] : [1, 2, 4];
    for (const backend of ['beamcoder', 'node-av']) {
      const fpsBy = {};
      for (const count of counts) {
        const r = await runWorkers(count, { backend, file: sc.file, mode: 'decode' });
        fpsBy[count] = r.results.reduce((s, x) => s + x.n, 0) / (r.wall / 1000);
        scaling.push({ backend, clip: sc.name, workers: count, fps: fpsBy[count], frames: r.results.map((x) => x.n), wallMs: r.wall });
      }
      for (const count of counts.slice(1)) {
        rows.push(
          row(`${backend} ${sc.name} scaling 1→${count} workers (aggregate fps)`, fpsBy[count], 'fps', {
            reference: fpsBy[1],
            refLabel: '1 worker (same run)',
            ...(count === 2 && { goal: SCALING_GOAL }),
          }),
        );
      }
    }
    // First-frame latency: warm decoder in a worker vs a fresh `ffmpeg -frames:v 1` run.
    const fc = clips[1];
    const frep = smoke ? 1 : quick ? 3 : 7;
    const refFirst = [];
    for (let i = 0; i < frep; i++)
      refFirst.push(await timeFfmpeg(['-i', fc.file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
    for (const backend of ['beamcoder', 'node-av']) {
      const r = await runWorkers(1, { backend, file: fc.file, mode: 'first', reps: frep });
      const ms = median(r.results[0].ms);
      samples[`${backend} ${fc.name} first frame ms`] = r.results[0].ms;
      rows.push(
        row(`${backend} ${fc.name} first frame latency`, ms, 'ms', { reference: median(refFirst), refLabel: 'fresh ffmpeg -frames:v 1' }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runDecodeBench({ quick: process.argv.includes('--quick') });
  console.log(formatTable(rows));
}
