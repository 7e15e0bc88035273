/**
 * The frame thread of `project view` (its own worker entry, dist/worker/view-frames.js): decodes
 * one frame of a video or image with the decoder runs use and answers it as a JPEG. Requests are
 * handled one at a time; the main thread never terminates this thread in the middle of a decode.
 */
import { parentPort } from 'node:worker_threads';
import { TaskAgentError, serializeError } from '../shared/errors.js';
import type { DecodedFrame, FrameDecoder } from '../media/frame-decoder.js';
import { createDecoder } from '../media/select.js';
import { encodeRgbImage } from '../media/frame-encoding.js';

export interface FrameRequest {
  id: number;
  path: string;
  frame: number;
  /** 'video': frame `frame` of a video; 'image': the picture of an image file the browser cannot show. */
  kind: 'video' | 'image';
}

let decoder: Promise<FrameDecoder> | undefined;
let queue: Promise<void> = Promise.resolve();

async function render(req: FrameRequest): Promise<Uint8Array> {
  decoder ??= createDecoder('auto');
  const dec = await decoder;
  let found: DecodedFrame | undefined;
  if (req.kind === 'image') found = await dec.firstFrame(req.path, { threads: 1 });
  else for await (const f of dec.framesAt(req.path, [req.frame], { threads: 1 })) found = f;
  if (!found) throw new TaskAgentError('TA_MEDIA_DECODE_FAILED', `the video has no frame ${req.frame}`);
  // A fresh buffer of exactly the JPEG's bytes, so it can be transferred.
  return new Uint8Array(encodeRgbImage(found.content, found.width, found.height, 'jpeg', 90));
}

parentPort?.on('message', (req: FrameRequest) => {
  queue = queue.then(async () => {
    try {
      const jpeg = await render(req);
      parentPort!.postMessage({ id: req.id, jpeg }, [jpeg.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ id: req.id, error: serializeError(e, 'TA_MEDIA_DECODE_FAILED') });
    }
  });
});
