/** Decoder backends and their selection (worker threads; also loaded by tests and the bench). */
export type { DecodedFrame, DecodeOptions, FrameDecoder, MediaProbe } from './frame-decoder.js';
export { createDecoder, chosenDecoder } from './select.js';
export type { DecoderKind, CreateDecoderOptions } from './select.js';
export { createNodeAvDecoder } from './node-av-decoder.js';
export { createBeamcoderDecoder } from './beamcoder-decoder.js';
export { probeMedia } from './probe.js';
export { frameToBase64, encodeRgbImage } from './frame-encoding.js';
export type { ImageFormat, B64Output, OpenAIImagePart, AnthropicImagePart } from './frame-encoding.js';
export { writeDemoVideo, writeDemoImage, demoVideoEncoder, drawDemoFrame } from './encode-demo.js';
