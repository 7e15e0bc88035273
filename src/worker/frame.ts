/** The Frame objects agents receive: decoder output plus `toBase64` (worker threads). */
import type { Frame } from '../deps/builtins.js';
import type { DecodedFrame } from '../media/frame-decoder.js';
import { frameToBase64 } from '../media/frame-encoding.js';
import { frameDecoded } from './worker-events.js';

let decoded = 0;

/** Frames this worker thread has handed to agents (a chunk reports its share: one chunk per thread at a time). */
export function framesDecoded(): number {
  return decoded;
}

export function toFrame(d: DecodedFrame, index = d.frame): Frame {
  decoded++;
  frameDecoded();
  return {
    frame: index,
    content: d.content,
    width: d.width,
    height: d.height,
    toBase64(options = {}) {
      return frameToBase64(d, {
        format: options.format ?? 'jpeg',
        as: options.as ?? 'url',
        ...(options.quality !== undefined && { quality: options.quality }),
      }) as string | Record<string, unknown>;
    },
  };
}
