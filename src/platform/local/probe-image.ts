/** A prober for image files (dimensions from the file header, via @napi-rs/image). */
import { readFileSync } from 'node:fs';
import { Transformer } from '@napi-rs/image';
import type { MediaProber } from './import-files.js';

export const probeImageOnly: MediaProber = async (path, kind) => {
  if (kind !== 'image') return { width: null, height: null, fps: null, frameCount: null, duration: null, codec: null };
  const meta = await new Transformer(readFileSync(path)).metadata();
  return { width: meta.width, height: meta.height, fps: null, frameCount: 1, duration: null, codec: String(meta.format ?? '') || null };
};
