// Media dependencies through the real runner: decoded pixels checked against the ffmpeg CLI,
// bad media failing only its own task with a TA_MEDIA_ code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { agent, cli, lines, tmp } from '../helpers/cli.mjs';
import { singleAgentWorkflow, stageCounts } from '../helpers/projects.mjs';

const sha = (b) => createHash('sha256').update(b).digest('hex');
let src;

function ffmpeg(...args) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}
/** Every frame of a file as RGB24, from the ffmpeg CLI (the oracle), each decoded frame once. */
function oracleFrames(file, w, h) {
  const raw = execFileSync('ffmpeg', ['-v', 'quiet', '-i', file, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 28,
  });
  const size = w * h * 3;
  return Array.from({ length: raw.length / size }, (_, i) => sha(raw.subarray(i * size, (i + 1) * size)));
}

before(() => {
  src = tmp('ta-media-');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(src, 'clip.mp4'));
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25',
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    join(src, 'long.mp4'),
  );
  const long = readFileSync(join(src, 'long.mp4'));
  writeFileSync(join(src, 'truncated.mp4'), long.subarray(0, Math.floor(long.length * 0.6)));
  // Garbage over a stretch in the middle, the rest of the file intact: a real decode error.
  const corrupt = Buffer.from(long);
  randomBytes(3000).copy(corrupt, Math.floor(long.length * 0.5));
  writeFileSync(join(src, 'corrupt.mp4'), corrupt);
  writeFileSync(join(src, 'noise.mp4'), randomBytes(5000));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=80x60', '-frames:v', '1', join(src, 'still.png'));
  writeFileSync(join(src, 'notes.txt'), 'some text');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(src, 'gone.mp4'));
});

async function project(files) {
  const dir = join(tmp(), 'p');
  const base = tmp();
  writeFileSync(join(base, 'wf.json'), JSON.stringify(singleAgentWorkflow().workflow));
  let r = await cli(['project', 'init', dir, '--workflow', join(base, 'wf.json')]);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['project', 'import', dir, ...files.map((f) => join(src, f)), '--json']);
  assert.equal(r.code, 0, r.stderr);
  return { dir, imported: r.json };
}

test('videoFrames equals the ffmpeg CLI frame for frame; a short file ends with a warning; bad media fail with their codes while the rest move', async () => {
  const { dir, imported } = await project(['clip.mp4', 'truncated.mp4', 'corrupt.mp4', 'noise.mp4', 'still.png', 'gone.mp4']);
  assert.ok(
    imported.warnings.some((w) => w.path.endsWith('noise.mp4')),
    'corrupt file imported with a warning',
  );
  const goneRel = readdirMedia(dir).find((p) => p.endsWith('gone.mp4'));
  unlinkSync(join(dir, 'media', goneRel));
  const out = tmp();
  const r = await cli(['run', agent('media.mjs'), '--project', dir, '--json', '--threads', '2'], {
    env: { TA_MEDIA_MODE: 'frames', TA_OUT: out },
  });
  assert.equal(r.code, 1, r.stderr);
  const byTitle = Object.fromEntries(r.json.failures.map((f) => [f.dataTitle, f]));
  assert.deepEqual(Object.keys(byTitle).sort(), ['corrupt.mp4', 'gone.mp4', 'noise.mp4', 'still.png']);
  assert.equal(byTitle['gone.mp4'].code, 'TA_MEDIA_MISSING');
  assert.equal(byTitle['still.png'].code, 'TA_MEDIA_UNSUPPORTED');
  assert.match(byTitle['still.png'].message, /only supported for video/);
  assert.equal(byTitle['noise.mp4'].code, 'TA_MEDIA_DECODE_FAILED');
  assert.equal(byTitle['corrupt.mp4'].code, 'TA_MEDIA_DECODE_FAILED');
  assert.match(byTitle['corrupt.mp4'].message, /"corrupt\.mp4".*frame \d+/);
  // The short file (its container declares 100 frames) moves: its frames end early, with a warning.
  assert.deepEqual(stageCounts(dir), { 'Agent 1': 4, Annotate: 0, Complete: 2 });
  assert.deepEqual(
    r.json.warnings.map((w) => [w.dataTitle, w.code, w.stage]),
    [['truncated.mp4', 'TA_MEDIA_TRUNCATED', 'Agent 1']],
  );
  assert.match(r.json.warnings[0].message, /"truncated\.mp4": .*holds (\d+) decodable frames \(its container declares 100\)/);
  const early = lines(join(out, 'truncated.mp4.frames'));
  assert.ok(early.length > 10 && early.length < 100, `frames delivered: ${early.length}`);
  assert.match(r.json.warnings[0].message, new RegExp(`holds ${early.length} decodable`));
  const shortOracle = oracleFrames(join(src, 'truncated.mp4'), 160, 120);
  assert.deepEqual(
    early.map((l) => l.split(' ')[2]),
    shortOracle.slice(0, early.length),
  );
  // Frames before the corruption point were delivered before the corrupt file's task failed.
  const before = lines(join(out, 'corrupt.mp4.frames'));
  assert.deepEqual(
    before.map((l) => l.split(' ')[2]),
    oracleFrames(join(src, 'long.mp4'), 160, 120).slice(0, before.length),
  );
  // A re-run retries exactly the failed tasks.
  const again = await cli(['run', agent('media.mjs'), '--project', dir, '--json'], { env: { TA_MEDIA_MODE: 'frames', TA_OUT: tmp() } });
  assert.equal(again.json.stages[0].attempted, 4);
  const ours = lines(join(out, 'clip.mp4.frames'));
  const oracle = oracleFrames(join(src, 'clip.mp4'), 96, 64);
  assert.equal(ours.length, 20);
  assert.deepEqual(
    ours.map((l) => l.split(' ')[2]),
    oracle,
  );
  assert.deepEqual(
    ours.map((l) => Number(l.split(' ')[0])),
    [...Array(20).keys()],
  );
});

test('singleFrame equals frame 0 for video and the image itself; toBase64 gives the OpenAI shape', async () => {
  const { dir } = await project(['clip.mp4', 'still.png']);
  const out = tmp();
  const r = await cli(['run', agent('media.mjs'), '--project', dir, '--json'], { env: { TA_MEDIA_MODE: 'single', TA_OUT: out } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'clip.mp4.single'), 'utf8'), `0 96x64 ${oracleFrames(join(src, 'clip.mp4'), 96, 64)[0]}`);
  assert.equal(readFileSync(join(out, 'still.png.single'), 'utf8'), `0 80x60 ${oracleFrames(join(src, 'still.png'), 80, 60)[0]}`);
  const b64 = JSON.parse(readFileSync(join(out, 'still.png.b64'), 'utf8'));
  assert.equal(b64.type, 'image_url');
  assert.match(b64.image_url.url, /^data:image\/png;base64,iVBOR/);
});

test('videoSampler: indices by seeking equal the iterator frames; rate 0.5 gives every 2nd frame; rate 1.5 is TA_MEDIA_SAMPLE_RATE', async () => {
  const oracle = oracleFrames(join(src, 'long.mp4'), 160, 120);
  const { dir } = await project(['long.mp4']);
  const out = tmp();
  let r = await cli(['run', agent('media.mjs'), '--project', dir, '--json'], {
    env: { TA_MEDIA_MODE: 'sampler', TA_OUT: out, TA_SAMPLE: '[77,3,40,3]' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    readFileSync(join(out, 'long.mp4.sample'), 'utf8').split('\n'),
    [3, 40, 77].map((i) => `${i} ${oracle[i]}`),
  );

  const p2 = await project(['long.mp4']);
  r = await cli(['run', agent('media.mjs'), '--project', p2.dir, '--json'], {
    env: { TA_MEDIA_MODE: 'sampler', TA_OUT: out, TA_SAMPLE: '0.5' },
  });
  assert.equal(r.code, 0, r.stderr);
  const half = readFileSync(join(out, 'long.mp4.sample'), 'utf8').split('\n');
  assert.equal(half.length, 50);
  assert.deepEqual(
    half.slice(0, 3),
    [0, 2, 4].map((i) => `${i} ${oracle[i]}`),
  );

  const p3 = await project(['long.mp4']);
  r = await cli(['run', agent('media.mjs'), '--project', p3.dir, '--json'], {
    env: { TA_MEDIA_MODE: 'sampler', TA_OUT: out, TA_SAMPLE: '1.5' },
  });
  assert.equal(r.code, 1);
  assert.equal(r.json.failures[0].code, 'TA_MEDIA_SAMPLE_RATE');
});

test('asset: a copy with the right suffix exists during the task and is gone after', async () => {
  const { dir } = await project(['clip.mp4', 'still.png', 'notes.txt']);
  const out = tmp();
  const r = await cli(['run', agent('media.mjs'), '--project', dir, '--json', '--threads', '2'], {
    env: { TA_MEDIA_MODE: 'asset', TA_OUT: out },
  });
  assert.equal(r.code, 0, r.stderr);
  const rows = lines(join(out, 'assets')).map((l) => l.split(' '));
  assert.equal(rows.length, 3);
  for (const [title, path, existed] of rows) {
    assert.equal(existed, 'true');
    assert.ok(path.endsWith(title.slice(title.lastIndexOf('.'))), `${title} → ${path}`);
    assert.ok(!path.startsWith(join(dir, 'media')), 'a private copy, not the project file');
    assert.equal(existsSync(path), false, `${path} removed`);
  }
});

function readdirMedia(dir) {
  const out = [];
  const walk = (d, rel) => {
    for (const e of execFileSync('ls', ['-1', d]).toString().split('\n').filter(Boolean)) {
      const p = join(d, e);
      try {
        execFileSync('test', ['-d', p]);
        walk(p, `${rel}${e}/`);
      } catch {
        out.push(`${rel}${e}`);
      }
    }
  };
  walk(join(dir, 'media'), '');
  return out;
}
