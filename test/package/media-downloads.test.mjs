// Media on Encord (the emulator) from the packed tarball, in a folder outside the repository: one
// download per item however many media dependencies a task has, kept for the item's next stage;
// the per-thread cache is bounded; no ta-media-* folder is left after a run that succeeds, fails
// or has a worker crash; a folder left by a killed process is swept by the next run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedPackage, run } from './packed.mjs';

let pkg;
let work;
let media;

const AGENT = `import { Runner, deps } from 'task-agents';
import { appendFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
const runner = new Runner();
const media = { asset: deps.asset(), first: deps.singleFrame(), frames: deps.videoFrames({ whenNotVideo: 'null' }) };
async function note(stage, { task, asset, first, frames }) {
  let n = 0;
  if (frames) for await (const f of frames) n++;
  const threadRoot = dirname(dirname(asset));
  appendFileSync(process.env.TA_OUT, JSON.stringify({ stage, title: task.dataTitle, width: first.width, frames: n, dirs: readdirSync(threadRoot).length, root: dirname(threadRoot) }) + '\\n');
  if (task.dataTitle === process.env.FAIL_ON) throw new Error('failing on purpose');
  if (task.dataTitle === process.env.CRASH_ON) process.exit(7);
}
runner.stage('pre-label', { deps: media }, async (ctx) => { await note('pre-label', ctx); return 'labelled'; });
runner.stage('triage', { deps: media }, async (ctx) => { await note('triage', ctx); return 'accept'; });
export default runner;
`;

before(async () => {
  pkg = await installedPackage();
  work = pkg.work('media');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'media', type: 'module' }));
  writeFileSync(join(work, 'agent.mjs'), AGENT);
  media = join(work, 'src');
  mkdirSync(media);
  const ff = (...a) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...a]);
  for (let i = 0; i < 8; i++) {
    if (i % 2 === 0)
      ff(
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=${64 + 16 * i}x48:rate=10`,
        '-t',
        '0.5',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        join(media, `v${i}.mp4`),
      );
    else ff('-f', 'lavfi', '-i', `testsrc2=size=${64 + 16 * i}x48`, '-frames:v', '1', join(media, `i${i}.png`));
  }
});

async function project(files) {
  const dir = join(pkg.work('proj'), 'p');
  const init = await run(pkg.bin, ['project', 'init', dir, '--json'], { cwd: work });
  assert.equal(init.code, 0, init.stderr);
  const imp = await run(pkg.bin, ['project', 'import', dir, ...files.map((f) => join(media, f)), '--json'], { cwd: work });
  assert.equal(imp.code, 0, imp.stderr);
  return { dir, projectHash: init.json.projectHash };
}

/** Runs agent.mjs against the emulator serving `p`; returns the run, the emulator's stats, the agent's notes and the CLI's pid. */
async function runOnEmulator(p, args, env = {}) {
  const keyDir = pkg.work('key');
  const keyFile = join(keyDir, 'id');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', keyFile]);
  const emu = spawn(pkg.bin, ['emulator', p.dir, '--port', '0', '--authorized-keys', `${keyFile}.pub`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    emu.stdout.on('data', (d) => {
      out += d;
      const m = /^listening on (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    emu.once('exit', (c) => reject(new Error(`emulator exited ${c}`)));
  });
  const out = join(pkg.work('out'), 'notes');
  try {
    let pid;
    const r = await new Promise((resolve) => {
      const child = spawn(pkg.bin, ['run', 'agent.mjs', '--project', p.projectHash, '--json', ...args], {
        cwd: work,
        env: { ...process.env, ENCORD_SSH_KEY_FILE: keyFile, ENCORD_DOMAIN: url, TA_ENCORD_BACKOFF_MS: '5', TA_OUT: out, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pid = child.pid;
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr, json: JSON.parse(stdout) }));
    });
    const stats = await (await fetch(`${url}/_emulator/stats`)).json();
    const notes = existsSync(out)
      ? readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
      : [];
    return { r, stats, notes, pid };
  } finally {
    emu.kill('SIGTERM');
    await new Promise((res) => (emu.exitCode !== null ? res() : emu.once('exit', res)));
  }
}

const leftovers = (pid) => readdirSync(tmpdir()).filter((n) => n.startsWith(`ta-media-${pid}`));

test('three media deps and two stages of the same item: one download per item (one thread); no temp folder left', async () => {
  const files = ['v0.mp4', 'i1.png', 'v2.mp4', 'i3.png'];
  const p = await project(files);
  const { r, stats, notes, pid } = await runOnEmulator(p, ['--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.json.stages.map((s) => s.attempted),
    [4, 4],
  );
  assert.equal(notes.length, 8);
  for (const n of notes) assert.ok(n.width >= 64 && (n.title.endsWith('.mp4') ? n.frames === 5 : n.frames === 0), JSON.stringify(n));
  assert.equal(stats.media, files.length, `downloads: ${stats.media} for ${files.length} items`);
  assert.deepEqual(leftovers(pid), []);
  assert.ok(!existsSync(notes[0].root), "the run's media folder is gone");
});

test('the cache is bounded: more items than it holds are downloaded again in the second stage, and a thread never holds more than the cache and the task in hand', async () => {
  const files = readdirSync(media).sort();
  const p = await project(files);
  const { r, stats, notes, pid } = await runOnEmulator(p, ['--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(stats.media > files.length, `an unbounded cache would download ${files.length} times, got ${stats.media}`);
  // 4 cached downloads, plus the task's own download and its asset copy.
  for (const n of notes) assert.ok(n.dirs <= 4 + 2, `thread folder held ${n.dirs} entries`);
  assert.deepEqual(leftovers(pid), []);
});

test('no temp folder is left after failures or a worker crash (two threads)', async () => {
  const p = await project(['v0.mp4', 'i1.png', 'v2.mp4', 'i3.png', 'v4.mp4']);
  const { r, notes, pid } = await runOnEmulator(p, ['--threads', '2', '--num-retries', '0'], { FAIL_ON: 'i1.png', CRASH_ON: 'v2.mp4' });
  assert.equal(r.code, 1, r.stderr);
  const codes = r.json.failures.map((f) => f.code).sort();
  assert.deepEqual(codes, ['TA_AGENT_THREW', 'TA_WORKER_CRASHED']);
  assert.ok(notes.length >= 5);
  assert.deepEqual(leftovers(pid), []);
});

test('a run sweeps media folders of processes that are gone, and leaves those of live ones', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const stale = join(tmpdir(), `ta-media-${dead}-deadbeef`);
  const live = join(tmpdir(), `ta-media-${process.pid}-cafe0000`);
  mkdirSync(join(stale, 'w-x', 't-y'), { recursive: true });
  writeFileSync(join(stale, 'w-x', 't-y', 'asset.mp4'), 'x');
  mkdirSync(live, { recursive: true });
  try {
    const p = await project(['i1.png']);
    const { r } = await runOnEmulator(p, ['--threads', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(stale), "the dead process's folder is swept");
    assert.ok(existsSync(live), "a live process's folder is left alone");
  } finally {
    spawnSync('rm', ['-rf', stale, live]);
  }
});
