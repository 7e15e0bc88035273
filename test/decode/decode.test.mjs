// Both decoder backends through one table, checked against the ffmpeg CLI (bit-exact RGB24).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { createDecoder, probeMedia } from '../../dist/media/index.js';
import { hasFfmpeg, makeFixtures, ffmpegRgb, ffprobeFrames, meanAbsDiff } from './fixtures.mjs';

const skip = hasFfmpeg ? false : 'ffmpeg/ffprobe CLI not installed (the oracle)';
let fx;
before(() => {
  if (!skip) fx = makeFixtures();
});
after(() => fx?.cleanup());

const exact = ['h264.mp4', 'h264-odd.mp4', 'vp9.webm', 'mjpeg.avi', 'img.png'];

async function collect(it) {
  const out = [];
  for await (const f of it) out.push(f);
  return out;
}

const buf = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

// One backend per test process (decode-beamcoder.test.mjs runs this file for beamcoder): node-av
// and beamcoder bring two FFmpeg builds (8.1 and 5.1), and with both loaded the process crashed
// once with SIGSEGV after every test had passed (a fresh-clone CI run, in probeMedia's test).
const backends = [process.env.TA_DECODE_BACKEND ?? 'node-av'];

for (const backend of backends) {
  describe(`${backend} decoder`, { skip }, () => {
    let dec;
    before(async () => {
      dec = await createDecoder(backend);
    });

    for (const name of exact) {
      test(`${name}: every frame equals ffmpeg's RGB24 bit for bit`, async () => {
        const file = fx.p(name);
        const ref = ffmpegRgb(file);
        const frames = await collect(dec.frames(file));
        assert.equal(frames.length, ffprobeFrames(file));
        const size = frames[0].width * frames[0].height * 3;
        assert.equal(ref.length, size * frames.length);
        frames.forEach((f, i) => {
          assert.equal(f.frame, i);
          assert.equal(f.content.length, size);
          assert.ok(buf(f.content).equals(ref.subarray(i * size, (i + 1) * size)), `frame ${i} differs`);
        });
      });
    }

    test('img.jpg: within mean absolute difference 1.0 of ffmpeg', async () => {
      const file = fx.p('img.jpg');
      const [f] = await collect(dec.frames(file));
      assert.ok(meanAbsDiff(f.content, ffmpegRgb(file)) < 1.0);
    });

    for (const name of ['h264.mp4', 'vp9.webm', 'mjpeg.avi']) {
      test(`${name}: framesAt (seeking) and ranges equal the sequential frames`, async () => {
        const file = fx.p(name);
        const all = await collect(dec.frames(file));
        const n = all.length;
        const want = [0, 1, 5, 9, 10, 11, n - 3, n - 1];
        const got = await collect(dec.framesAt(file, [...want].reverse()));
        assert.deepEqual(
          got.map((f) => f.frame),
          [...new Set(want)].sort((a, b) => a - b),
        );
        for (const f of got) assert.ok(buf(f.content).equals(buf(all[f.frame].content)), `frame ${f.frame}`);
        const backwards = await collect(dec.framesAt(file, [n - 1]));
        assert.ok(buf(backwards[0].content).equals(buf(all[n - 1].content)));
        assert.deepEqual((await collect(dec.framesAt(file, [n + 5]))).length, 0);
        const ranged = await collect(dec.frames(file, { start: 3, end: n - 1, step: 4 }));
        assert.deepEqual(
          ranged.map((f) => f.frame),
          all
            .slice(3, n - 1)
            .filter((_, i) => i % 4 === 0)
            .map((f) => f.frame),
        );
        for (const f of ranged) assert.ok(buf(f.content).equals(buf(all[f.frame].content)));
        const stepped = await collect(dec.frames(file, { step: 7 }));
        assert.deepEqual(
          stepped.map((f) => f.frame),
          all.filter((_, i) => i % 7 === 0).map((f) => f.frame),
        );
      });
    }

    for (const name of ['h264.mp4', 'vp9.webm', 'img.png', 'img.jpg']) {
      test(`${name}: firstFrame equals frame 0`, async () => {
        const file = fx.p(name);
        const [f0] = await collect(dec.frames(file, { end: 1 }));
        const first = await dec.firstFrame(file, { threads: 2 });
        assert.equal(first.frame, 0);
        assert.ok(buf(first.content).equals(buf(f0.content)));
      });
    }

    test('threads option decodes the same frames', async () => {
      const file = fx.p('h264.mp4');
      const a = await collect(dec.frames(file));
      const b = await collect(dec.frames(file, {}, { threads: 2 }));
      assert.equal(a.length, b.length);
      a.forEach((f, i) => assert.ok(buf(f.content).equals(buf(b[i].content))));
    });

    test('missing file → TA_MEDIA_MISSING naming only the basename', async () => {
      const file = fx.p('nope.mp4');
      await assert.rejects(
        collect(dec.frames(file)),
        (e) => e.code === 'TA_MEDIA_MISSING' && e.message.includes('nope.mp4') && !e.message.includes(fx.dir),
      );
      await assert.rejects(dec.firstFrame(file), (e) => e.code === 'TA_MEDIA_MISSING');
    });

    test('random bytes → TA_MEDIA_DECODE_FAILED at frame 0', async () => {
      await assert.rejects(
        collect(dec.frames(fx.p('junk.mp4'))),
        (e) => e.code === 'TA_MEDIA_DECODE_FAILED' && /frame 0/.test(e.message) && !e.message.includes(fx.dir),
      );
    });

    for (const name of ['trunc.mp4', 'cut-at-packet.mp4']) {
      test(`${name} (fewer frames than its container declares): the frames end where ffmpeg's do, with one TA_MEDIA_TRUNCATED warning`, async () => {
        const file = fx.p(name);
        const warnings = [];
        const got = await collect(dec.frames(file, {}, { onWarning: (w) => warnings.push(w) }));
        // The oracle: what the ffmpeg CLI decodes of the same file. We may stop earlier (at the
        // last whole frame before a broken packet), never later, and every frame we give is its frame.
        const ref = ffmpegRgb(file, { passthrough: true });
        const size = 320 * 240 * 3;
        assert.ok(
          got.length >= 5 && got.length <= ref.length / size && got.length < 30,
          `yielded ${got.length}, ffmpeg ${ref.length / size}`,
        );
        got.forEach((f, i) => assert.ok(buf(f.content).equals(ref.subarray(i * size, (i + 1) * size)), `frame ${i} differs`));
        assert.deepEqual(
          warnings.map((w) => w.code),
          ['TA_MEDIA_TRUNCATED'],
        );
        assert.match(warnings[0].message, new RegExp(`holds ${got.length} decodable frames`));
        assert.ok(warnings[0].message.includes(basename(file)) && !warnings[0].message.includes(fx.dir));
      });
    }

    test('garbage mid-stream with the rest of the file after it stays TA_MEDIA_DECODE_FAILED naming the frame reached', async () => {
      const file = fx.p('corrupt-mid.mp4');
      const got = [];
      const warnings = [];
      let err;
      try {
        for await (const f of dec.frames(file, {}, { onWarning: (w) => warnings.push(w) })) got.push(f);
      } catch (e) {
        err = e;
      }
      assert.equal(err?.code, 'TA_MEDIA_DECODE_FAILED', `yielded ${got.length} frames, warnings ${warnings.map((w) => w.message)}`);
      assert.match(err.message, new RegExp(`frame ${got.length}\\b`));
      assert.ok(got.length < 30);
      const ref = ffmpegRgb(fx.p('h264.mp4'));
      const size = 320 * 240 * 3;
      assert.ok(buf(got[0].content).equals(ref.subarray(0, size)));
    });

    test('cancellation: an aborted signal stops between frames', async () => {
      const ac = new AbortController();
      const got = [];
      await assert.rejects(
        async () => {
          for await (const f of dec.frames(fx.p('h264.mp4'), {}, { signal: ac.signal })) {
            got.push(f.frame);
            if (got.length === 3) ac.abort();
          }
        },
        (e) => e.name === 'AbortError',
      );
      assert.deepEqual(got, [0, 1, 2]);
    });
  });
}

// probeMedia is node-av's.
describe('probeMedia', { skip: skip || (backends[0] !== 'node-av' && 'runs with the node-av backend') }, () => {
  test('video, webm without nb_frames, images, junk', async () => {
    const v = await probeMedia(fx.p('h264.mp4'));
    assert.deepEqual(
      { ...v, duration: Math.round(v.duration * 100) / 100 },
      { width: 320, height: 240, fps: 25, frameCount: 30, duration: 1.2, codec: 'h264', kind: 'video', mimeType: 'video/mp4' },
    );
    const w = await probeMedia(fx.p('vp9.webm'));
    assert.equal(w.frameCount, ffprobeFrames(fx.p('vp9.webm')));
    assert.equal(w.codec, 'vp9');
    const i = await probeMedia(fx.p('img.jpg'));
    assert.equal(i.kind, 'image');
    assert.equal(i.frameCount, 1);
    assert.equal(i.mimeType, 'image/jpeg');
    await assert.rejects(probeMedia(fx.p('junk.mp4')), (e) => e.code === 'TA_MEDIA_DECODE_FAILED');
    await assert.rejects(probeMedia(fx.p('gone.mp4')), (e) => e.code === 'TA_MEDIA_MISSING');
  });
});
