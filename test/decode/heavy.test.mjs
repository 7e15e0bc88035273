// Memory bound on a 1080p clip, both backends in two worker threads at once, base64 shapes, demo media.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecoder, frameToBase64, probeMedia, writeDemoVideo, writeDemoImage } from '../../dist/media/index.js';
import { hasFfmpeg, ff, ffmpegRgb } from './fixtures.mjs';

const skip = hasFfmpeg ? false : 'ffmpeg/ffprobe CLI not installed (the oracle)';
let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ta-decode-heavy-'));
  if (skip) return;
  ff([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1920x1080:rate=30',
    '-frames:v',
    '300',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    join(dir, 'long.mp4'),
  ]);
  ff([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-frames:v',
    '40',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    join(dir, 'w.mp4'),
  ]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of ['node-av', 'beamcoder']) {
  test(`${backend}: 300 frames of 1080p decode with bounded RSS`, { skip }, async () => {
    const dec = await createDecoder(backend);
    let base = 0;
    let peak = 0;
    let n = 0;
    for await (const f of dec.frames(join(dir, 'long.mp4'))) {
      assert.equal(f.content.length, 1920 * 1080 * 3);
      if (n === 10) {
        globalThis.gc?.();
        base = process.memoryUsage().rss;
      }
      if (n > 10 && n % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      n++;
    }
    assert.equal(n, 300);
    const growthMb = (peak - base) / 2 ** 20;
    // 300 frames would be 1.8 GB if buffered; a few frames plus GC slack is well under 200 MB.
    assert.ok(growthMb < 200, `RSS grew ${growthMb.toFixed(0)} MB`);
  });
}

test('both backends decode correctly in two worker threads at once', { skip }, async () => {
  const file = join(dir, 'w.mp4');
  const expected = createHash('sha256').update(ffmpegRgb(file)).digest('hex');
  const url = new URL('../../dist/media/index.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createHash } = require('node:crypto');
    import(workerData.url).then(async (m) => {
      const dec = await m.createDecoder(workerData.backend);
      const h = createHash('sha256'); let n = 0;
      for await (const f of dec.frames(workerData.file)) { h.update(f.content); n++; }
      const first = await dec.firstFrame(workerData.file);
      parentPort.postMessage({ name: dec.name, n, hash: h.digest('hex'), firstLen: first.content.length });
    }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
  const run = (backend) =>
    new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { url, backend, file } });
      w.once('message', (m) => {
        resolve(m);
      });
      w.once('error', reject);
    });
  const results = await Promise.all([run('beamcoder'), run('node-av'), run('node-av'), run('beamcoder')]);
  for (const r of results) {
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.n, 40);
    assert.equal(r.hash, expected, `${r.name} frames differ`);
    assert.equal(r.firstLen, 320 * 240 * 3);
  }
});

test('frameToBase64 shapes match Python Frame.b64_encoding', async () => {
  const frame = { frame: 0, width: 4, height: 2, content: new Uint8Array(4 * 2 * 3).fill(200) };
  const raw = frameToBase64(frame, { as: 'raw' });
  assert.ok(
    Buffer.from(raw, 'base64')
      .subarray(0, 2)
      .equals(Buffer.from([0xff, 0xd8])),
  );
  assert.match(frameToBase64(frame), /^data:image\/jpeg;base64,/);
  const url = frameToBase64(frame, { format: 'png', as: 'url' });
  assert.match(url, /^data:image\/png;base64,iVBOR/);
  assert.deepEqual(frameToBase64(frame, { format: 'png', as: 'openai' }), { type: 'image_url', image_url: { url } });
  assert.deepEqual(frameToBase64(frame, { format: 'png', as: 'anthropic' }), {
    type: 'image',
    source: { type: 'base64', media_type: 'image/png', data: url.slice('data:image/png;base64,'.length) },
  });
});

test('writeDemoVideo / writeDemoImage produce decodable media without the CLI', async () => {
  const v = join(dir, 'demo.mp4');
  const codec = writeDemoVideo(v, { width: 160, height: 96, frames: 24, fps: 24 });
  const p = await probeMedia(v);
  assert.equal(p.codec, codec === 'libx264' ? 'h264' : codec);
  assert.equal(p.frameCount, 24);
  assert.equal(p.width, 160);
  const dec = await createDecoder('node-av');
  let n = 0;
  for await (const _ of dec.frames(v)) n++;
  assert.equal(n, 24);
  for (const name of ['demo.jpg', 'demo.png']) {
    writeDemoImage(join(dir, name), { width: 64, height: 48, seed: 2 });
    const f = await dec.firstFrame(join(dir, name));
    assert.equal(f.width, 64);
  }
});
