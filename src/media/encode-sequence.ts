/**
 * Image sequences as Encord stores them: the images encoded into one video (so the storage item
 * has a file to sign and download, and `deps.asset()` gives an .mp4 as in encord-agents). Every
 * image is scaled to the first image's size. Runs at import time, in the CLI process.
 */
import { readFileSync } from 'node:fs';
import { ResizeFit, Transformer } from '@napi-rs/image';
import { writeVideo } from './encode-demo.js';

/** RGBA → packed RGB24. */
function rgbaToRgb(rgba: Buffer, pixels: number): Buffer {
  const out = Buffer.allocUnsafe(pixels * 3);
  for (let i = 0, o = 0; i < pixels; i++, o += 3) {
    out[o] = rgba[i * 4]!;
    out[o + 1] = rgba[i * 4 + 1]!;
    out[o + 2] = rgba[i * 4 + 2]!;
  }
  return out;
}

/** Encodes `images` (in order) at `fps` to `dest`; returns the encoder and the video size. */
export function writeImageSequenceVideo(
  images: string[],
  dest: string,
  opts: { width: number; height: number; fps: number },
): { codec: string; width: number; height: number } {
  const codec = writeVideo(dest, {
    width: opts.width,
    height: opts.height,
    fps: opts.fps,
    frames: images.length,
    frameAt: (i, w, h) => rgbaToRgb(new Transformer(readFileSync(images[i])).resize(w, h, null, ResizeFit.Fill).rawPixelsSync(), w * h),
  });
  return { codec, width: opts.width & ~1, height: opts.height & ~1 };
}
