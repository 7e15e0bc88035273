/** Decoder backends and their selection (worker threads; also loaded by tests and the bench). */
export type { DecodedFrame, DecodeOptions, FrameDecoder, MediaProbe } from './frame-decoder.js';
