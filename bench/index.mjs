#!/usr/bin/env node
// Runs the benchmark cases against dist/ (build first: `npm run bench` does), prints one table,
// writes bench/results/<iso-date>-<gitsha>.json and bench/results/decode-scaling.svg.
// Usage: node bench/index.mjs [--quick | --smoke] [--only micro,startup,runner,memory,decode,e2e,encord,latency,queue,ocr]
// --smoke: every case at toy sizes (the figures mean nothing; the test suite uses it to keep the
// whole table working). Installs nothing. Exits 0 whether or not a goal is met; non-zero only when
// a case crashed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, ffmpegAvailable, formatTable, judge, load1 } from './common.mjs';

const CASES = ['micro', 'startup', 'runner', 'memory', 'decode', 'e2e', 'encord', 'latency', 'queue', 'ocr'];

/** `--quick`, `--smoke`, `--only a,b` (or `--only=a,b`), `--help`; anything else is exit 2 with the usage. */
function parseFlags(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        smoke: { type: 'boolean', default: false },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    usage(e.message);
  }
  const { quick, smoke, only, help } = parsed.values;
  if (help) usage();
  const flags = { quick, smoke, only: CASES };
  if (only !== undefined) {
    flags.only = only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (flags.only.length === 0) usage('--only needs a list of cases');
    const bad = flags.only.filter((c) => !CASES.includes(c));
    if (bad.length) usage(`unknown case(s): ${bad.join(', ')}`);
  }
  return flags;
}

function usage(err) {
  const text = `usage: node bench/index.mjs [--quick | --smoke] [--only ${CASES.join(',')}]`;
  if (err) {
    console.error(`${err}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

function gitSha() {
  try {
    return String(execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })).trim();
  } catch {
    return 'nogit';
  }
}

/** Hand-written SVG: aggregate frames/s against worker threads, one line per series, plus ideal. */
function scalingSvg(series, meta) {
  const W = 700,
    H = 400,
    L = 70,
    R = 250,
    T = 40,
    B = 50;
  const pts = series.flatMap((s) => s.points);
  const maxX = Math.max(...pts.map((p) => p.x));
  const xs = Array.from({ length: maxX }, (_, i) => i + 1);
  const ideal = series
    .filter((s) => s.ideal)
    .map((s) => ({ ...s, points: xs.map((x) => ({ x, y: s.points.find((p) => p.x === 1).y * Math.min(x, meta.cores) })) }));
  const maxY = Math.max(...[...pts, ...ideal.flatMap((s) => s.points)].map((p) => p.y)) * 1.1;
  const sx = (x) => L + ((x - 1) / Math.max(1, maxX - 1)) * (W - L - R);
  const sy = (y) => H - B - (y / maxY) * (H - T - B);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14" font-weight="bold">${esc(meta.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
  ];
  for (let x = 1; x <= maxX; x++)
    out.push(
      `<line x1="${sx(x)}" y1="${H - B}" x2="${sx(x)}" y2="${H - B + 5}" stroke="black"/><text x="${sx(x)}" y="${H - B + 18}" text-anchor="middle">${x}</text>`,
    );
  const step =
    Math.pow(10, Math.floor(Math.log10(maxY / 5))) *
    ([1, 2, 5].find((m) => maxY / 5 / Math.pow(10, Math.floor(Math.log10(maxY / 5))) <= m) ?? 10);
  for (let y = 0; y <= maxY; y += step)
    out.push(
      `<line x1="${L - 5}" y1="${sy(y)}" x2="${W - R}" y2="${sy(y)}" stroke="#ddd"/><text x="${L - 8}" y="${sy(y) + 4}" text-anchor="end">${Math.round(y)}</text>`,
    );
  out.push(
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">worker threads</text>`,
    `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">frames/s (aggregate)</text>`,
  );
  series.forEach((s, i) => {
    const c = colors[i % colors.length];
    const ly = T + 10 + i * 36;
    out.push(
      `<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of s.points)
      out.push(
        `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(s.name)}: ${p.x} → ${p.y.toFixed(1)} fps</title></circle>`,
      );
    out.push(
      `<line x1="${W - R + 15}" y1="${ly}" x2="${W - R + 35}" y2="${ly}" stroke="${c}" stroke-width="2"/><text x="${W - R + 40}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
    const ideal1 = ideal.find((d) => d.name === s.name);
    if (ideal1) {
      out.push(
        `<polyline fill="none" stroke="${c}" stroke-width="1" stroke-dasharray="4 4" points="${ideal1.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`,
      );
      out.push(
        `<line x1="${W - R + 15}" y1="${ly + 16}" x2="${W - R + 35}" y2="${ly + 16}" stroke="${c}" stroke-dasharray="4 4"/><text x="${W - R + 40}" y="${ly + 20}">ideal: 1 worker × min(n, ${meta.cores} cores)</text>`,
      );
    }
  });
  out.push(`<text x="${L}" y="${T - 4}" fill="#555">${esc(meta.subtitle)}</text>`, '</svg>');
  return out.join('\n') + '\n';
}

const flags = parseFlags(process.argv.slice(2));
const size = { quick: flags.quick || flags.smoke, smoke: flags.smoke };
const sha = gitSha();
const started = new Date();
const env = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  availableParallelism: availableParallelism(),
  platform: `${process.platform} ${process.arch}`,
};
const hasFfmpeg = ffmpegAvailable();
const rows = [],
  cases = {},
  notes = [],
  errors = [];

if (!existsSync(join(ROOT, 'dist', 'main.js'))) {
  console.error('dist/ not built: run `npm run bench` (builds first) or `npx tsup`.');
  process.exit(1);
}
if (!hasFfmpeg && flags.only.some((c) => c === 'decode' || c === 'e2e' || c === 'ocr')) {
  const msg = 'ffmpeg CLI not found: the decode, e2e and ocr cases are skipped (nothing is installed; install ffmpeg to run them)';
  notes.push(msg);
  console.error(msg);
}

async function runCase(name, fn) {
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}${flags.smoke ? ' (smoke)' : flags.quick ? ' (quick)' : ''}, load ${load1().toFixed(1)}…\n`);
  try {
    const r = await fn();
    cases[name] = { ...r, seconds: (performance.now() - t0) / 1000 };
    // Rows that did not note the load when they were measured get the load at the end of their case.
    for (const x of r.rows) judge(Object.assign(x, { load: x.load ?? load1() }));
    rows.push(...r.rows);
    for (const n of r.notes ?? []) notes.push(`${name}: ${n}`);
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    errors.push({ case: name, message });
    cases[name] = { error: message, seconds: (performance.now() - t0) / 1000 };
    rows.push({ case: `${name}: CRASHED (see stderr / JSON errors)`, value: null, unit: '', reference: null, ratio: null });
    console.error(`bench: case ${name} crashed:\n${message}`);
  }
}

let perThreadFps = null;
if (flags.only.includes('micro')) {
  await runCase('micro', async () => (await import('./micro.mjs')).runMicroBench(size));
}
if (flags.only.includes('startup')) {
  await runCase('startup', async () => (await import('./startup.mjs')).runStartupBench(size));
}
if (flags.only.includes('runner')) {
  await runCase('runner', async () => (await import('./runner.mjs')).runRunnerBench(size));
}
if (flags.only.includes('memory')) {
  await runCase('memory', async () => (await import('./memory.mjs')).runMemoryBench(size));
}
if (flags.only.includes('decode')) {
  await runCase('decode', async () => {
    const { runDecodeBench } = await import('./decode.mjs');
    const r = await runDecodeBench(size);
    const scaling = r.scaling ?? [];
    perThreadFps = Object.fromEntries(scaling.filter((p) => p.workers === 1).map((p) => [p.backend, p.fps]));
    return { rows: [...r], samples: r.samples ?? {}, scaling, notes: hasFfmpeg ? [] : ['skipped: ffmpeg missing'] };
  });
}
if (flags.only.includes('e2e')) {
  await runCase('e2e', async () => {
    if (!perThreadFps && hasFfmpeg) notes.push('e2e: decode case not run, so the e2e rows have no reference');
    return (await import('./e2e-video.mjs')).runE2EBench({ ...size, perThreadFps });
  });
}

if (flags.only.includes('encord')) {
  await runCase('encord', async () => ({ rows: await (await import('./encord.mjs')).runEncordBench(size) }));
}

if (flags.only.includes('latency')) {
  await runCase('latency', async () => (await import('./latency.mjs')).runLatencyBench(size));
}

if (flags.only.includes('queue')) {
  await runCase('queue', async () => (await import('./queue.mjs')).runQueueBench(size));
}

if (flags.only.includes('ocr')) {
  await runCase('ocr', async () => (await import('./ocr.mjs')).runOcrBench(size));
}

console.log(formatTable(rows));
for (const n of notes) console.log(`note: ${n}`);
// The closing note: every goal, met or not (what limits an unmet one is in bench/README.md).
const goals = rows.filter((r) => r.goal);
if (goals.length) {
  console.log(
    `goals: ${goals.filter((r) => r.met).length} of ${goals.length} met${flags.quick || flags.smoke ? ' (reduced sizes: re-run without --quick on a quiet machine before reading them)' : ''}`,
  );
  for (const r of goals.filter((x) => !x.met))
    console.log(
      `  not met: ${r.case}: ratio ${r.ratio == null ? '—' : r.ratio.toFixed(2)}, goal ${r.goal}, load ${r.load?.toFixed(1) ?? '—'}`,
    );
}

const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(
  resultsDir,
  `${started
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z')}-${sha}.json`,
);
writeFileSync(
  file,
  JSON.stringify(
    {
      date: started.toISOString(),
      gitSha: sha,
      ...env,
      flags: { quick: flags.quick, smoke: flags.smoke, only: flags.only },
      ffmpeg: hasFfmpeg,
      rows,
      notes,
      errors,
      cases,
    },
    null,
    2,
  ) + '\n',
);
console.log(`results: ${file}`);

const scaling = cases.decode?.scaling ?? [];
if (scaling.length) {
  const series = [];
  for (const backend of [...new Set(scaling.map((p) => p.backend))]) {
    series.push({
      name: `decode ${backend}`,
      ideal: true,
      points: scaling.filter((p) => p.backend === backend).map((p) => ({ x: p.workers, y: p.fps })),
    });
  }
  const e2e = (cases.e2e?.rows ?? [])
    .filter((r) => r.value != null)
    .map((r) => ({ x: Number(/--threads (\d+)/.exec(r.case)?.[1]), y: r.value }))
    .filter((p) => p.x);
  if (e2e.length) series.push({ name: `e2e runner (${cases.e2e.samples.backend})`, points: e2e });
  const svg = scalingSvg(series, {
    title: `h264 720p decode → RGB24: frames/s vs worker threads`,
    cores: env.availableParallelism,
    subtitle: `${env.cpu}, ${env.availableParallelism} cores, node ${env.node}, ${sha}${flags.quick ? ', quick' : ''}`,
  });
  const svgFile = join(resultsDir, 'decode-scaling.svg');
  writeFileSync(svgFile, svg);
  console.log(`chart: ${svgFile}`);
}
process.exit(errors.length ? 1 : 0);
