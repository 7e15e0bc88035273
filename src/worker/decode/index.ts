/** Decoder backends and their selection (worker threads; also loaded by tests and the bench). */
export type { DecodedFrame, DecodeOptions, FrameDecoder, MediaProbe } from './frame-decoder.js';
export { createDecoder, chosenDecoder } from './select.js';
export type { DecoderKind, CreateDecoderOptions } from './select.js';
export { createNodeAvDecoder } from './node-av-decoder.js';
export { createBeamcoderDecoder } from './beamcoder-decoder.js';
