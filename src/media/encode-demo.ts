/**
 * Synthetic demo media written with node-av's bundled FFmpeg (no CLI): a short clip of moving
 * coloured shapes over a gradient, and still images. This is how the demo project gets media on a
 * machine that has only Node and npm.
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { encodeRgbImage } from './frame-encoding.js';
import { loadNodeAvSync } from './node-av-sync.js';

/**
 * Encoders tried in order. mpeg4 comes before libx264 on purpose: node-av 6.1.1's libx264 encodes
 * fine but the process then segfaults at exit (rc 139), which would kill the demo generator.
 */
const VIDEO_ENCODERS = ['mpeg4', 'libx264', 'libvpx-vp9', 'mjpeg'] as const;

/** Which video encoder `writeDemoVideo` will use (the first one node-av's FFmpeg has). */
export function demoVideoEncoder(): string | null {
  const { lib } = loadNodeAvSync();
  return VIDEO_ENCODERS.find((n) => lib.Codec.findEncoderByName(n as never) !== null) ?? null;
}

/** One RGB24 picture of the synthetic scene at time step `t` (deterministic for a given seed). */
export function drawDemoFrame(width: number, height: number, t: number, seed = 0): Buffer {
  const buf = Buffer.allocUnsafe(width * height * 3);
  const hue = (seed * 47) % 256;
  const cx = ((t * 4 + seed * 13) % (width + 40)) - 20;
  const cy = height / 2 + Math.sin(t / 6 + seed) * height * 0.25;
  const r2 = (Math.min(width, height) * 0.15) ** 2;
  const bx = width - ((t * 3 + seed * 7) % (width + 60));
  const by = height * 0.2;
  const bw = width * 0.18;
  const bh = height * 0.22;
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = (x * 255) / width;
      let g = (y * 255) / height;
      let b = (hue + t * 2) & 255;
      const dx = x - cx;
      const dy = y - cy;
      if (dx * dx + dy * dy < r2) [r, g, b] = [240, 60, 40];
      else if (x >= bx && x < bx + bw && y >= by && y < by + bh) [r, g, b] = [40, 200, 90];
      buf[o++] = r;
      buf[o++] = g;
      buf[o++] = b;
    }
  }
  return buf;
}

/**
 * Encodes `frames` RGB24 pictures (`frameAt(i)`, width × height × 3 bytes each) at `fps` to `path`
 * (mp4 unless the extension says otherwise) with the first available encoder (see
 * `demoVideoEncoder`). Sizes are rounded down to even numbers (4:2:0); `frameAt` must produce
 * pictures of the rounded size. Returns the encoder used.
 */
export function writeVideo(
  path: string,
  opts: {
    width: number;
    height: number;
    frames: number;
    fps: number;
    encoder?: string;
    frameAt: (i: number, width: number, height: number) => Buffer;
  },
): string {
  const { lib, api, C } = loadNodeAvSync();
  const codec = opts.encoder ?? demoVideoEncoder();
  if (!codec) throw new Error('node-av has no video encoder');
  const width = opts.width & ~1;
  const height = opts.height & ~1;
  const tb = new lib.Rational(1, Math.round(opts.fps));
  const pixelFormat = codec === 'mjpeg' ? C.AV_PIX_FMT_YUVJ420P : C.AV_PIX_FMT_YUV420P;
  const enc = api.Encoder.createSync(codec as never, {
    context: {
      timeBase: tb,
      framerate: new lib.Rational(Math.round(opts.fps), 1),
      pixelFormat,
      width,
      height,
      gopSize: 12,
      bitRate: width * height * 4,
    },
    autoFormat: true,
  });
  const mux = api.Muxer.openSync(path, extname(path) ? {} : { format: 'mp4' });
  try {
    const si = mux.addStream(enc);
    for (let i = 0; i <= opts.frames; i++) {
      let frame: import('node-av/lib').Frame | null = null;
      if (i < opts.frames) {
        frame = lib.Frame.fromVideoBuffer(opts.frameAt(i, width, height), { width, height, format: C.AV_PIX_FMT_RGB24, timeBase: tb });
        frame.pts = BigInt(i);
      }
      for (const p of enc.encodeAllSync(frame)) mux.writePacketSync(p, si);
      frame?.free();
    }
  } finally {
    mux.closeSync();
    enc.close();
  }
  return codec;
}

/** Encodes a synthetic clip (`frames` pictures of the demo scene at `fps`) to `path`. Returns the encoder used. */
export function writeDemoVideo(
  path: string,
  opts: { width: number; height: number; frames: number; fps: number; seed?: number; encoder?: string },
): string {
  return writeVideo(path, { ...opts, frameAt: (i, w, h) => drawDemoFrame(w, h, i, opts.seed ?? 0) });
}

/** Writes a synthetic still (JPEG or PNG by extension, default JPEG). */
export function writeDemoImage(path: string, opts: { width: number; height: number; seed?: number }): void {
  const format = /\.png$/i.test(path) ? 'png' : 'jpeg';
  const rgb = drawDemoFrame(opts.width, opts.height, (opts.seed ?? 0) * 5, opts.seed ?? 0);
  const data = encodeRgbImage(rgb, opts.width, opts.height, format, 90);
  writeFileSync(path, data);
}
