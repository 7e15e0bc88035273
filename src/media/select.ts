/** Chooses a decoder backend: `auto` takes node-av (the faster here) where it loads, beamcoder elsewhere. */
import type { FrameDecoder } from './frame-decoder.js';
import { createBeamcoderDecoder } from './beamcoder-decoder.js';
import { createNodeAvDecoder } from './node-av-decoder.js';
import { TaskAgentError } from '../shared/errors.js';
import type { DecoderKind } from '../shared/run-options.js';

export type { DecoderKind } from '../shared/run-options.js';

export interface CreateDecoderOptions {
  /** Called with the backend `auto` picked and why the other was skipped (for logs / the summary). */
  onChoice?: (choice: { name: FrameDecoder['name']; fallbackReason?: string }) => void;
}

let lastChoice: { name: FrameDecoder['name']; fallbackReason?: string } | null = null;

/** The backend the last `createDecoder` in this thread resolved to (null before the first call). */
export function chosenDecoder(): { name: FrameDecoder['name']; fallbackReason?: string } | null {
  return lastChoice;
}

/**
 * Creates a FrameDecoder. `auto` tries node-av first and falls back to beamcoder, recording the
 * choice (see `chosenDecoder`). Throws TA_MEDIA_DECODER_UNAVAILABLE when the requested backend
 * (or, for `auto`, both) cannot load.
 */
export async function createDecoder(kind: DecoderKind = 'auto', opts: CreateDecoderOptions = {}): Promise<FrameDecoder> {
  let dec: FrameDecoder;
  let fallbackReason: string | undefined;
  if (kind === 'beamcoder') dec = await createBeamcoderDecoder();
  else if (kind === 'node-av') dec = await createNodeAvDecoder();
  else if (kind === 'auto') {
    // node-av measured faster per thread and scales better across workers (bench/decode.mjs).
    try {
      dec = await createNodeAvDecoder();
    } catch (e) {
      fallbackReason = e instanceof Error ? e.message : String(e);
      dec = await createBeamcoderDecoder();
    }
  } else {
    throw new TaskAgentError('TA_CFG_INVALID', `Unknown decoder "${String(kind)}" (use auto, beamcoder or node-av)`);
  }
  lastChoice = fallbackReason === undefined ? { name: dec.name } : { name: dec.name, fallbackReason };
  opts.onChoice?.(lastChoice);
  return dec;
}
