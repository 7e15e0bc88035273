/**
 * The decoding seam (worker threads only). Two native FFmpeg backends implement it: beamcoder
 * (system FFmpeg 5.x) and node-av (FFmpeg inside its npm package). Frames come out as packed
 * RGB24, one Uint8Array of height*width*3 bytes each, handed to the agent without copies.
 * Cancellation is cooperative: `signal` is checked between frames, never by killing a thread.
 */
import type { ProbedMedia } from '../shared/types.js';
import type { TaskAgentError } from '../shared/errors.js';
import type { DecoderName } from '../shared/run-options.js';

export interface DecodedFrame {
  /** 0-based frame index in decode (presentation) order. */
  frame: number;
  /** Packed RGB24, `height * width * 3` bytes. */
  content: Uint8Array;
  width: number;
  height: number;
}

export interface MediaProbe extends ProbedMedia {
  /** 'video' | 'image' | 'audio' | null when no stream was recognised. */
  kind: 'video' | 'image' | 'audio' | null;
}

export interface DecodeOptions {
  /** FFmpeg decoder threads per decode; the runner sets it so N workers do not oversubscribe the cores. */
  threads?: number;
  signal?: AbortSignal;
  /** Told of what does not stop the frames but the user should know (TA_MEDIA_TRUNCATED). */
  onWarning?: (warning: TaskAgentError) => void;
}

export interface FrameDecoder {
  readonly name: DecoderName;
  /** Frames [start, end) every `step`, in order. Frames decoded before an error are still yielded. */
  frames(path: string, range?: { start?: number; end?: number; step?: number }, options?: DecodeOptions): AsyncIterable<DecodedFrame>;
  /** Exactly these (sorted, unique) frame indices, seeking rather than decoding everything. */
  framesAt(path: string, indices: number[], options?: DecodeOptions): AsyncIterable<DecodedFrame>;
  /** The first frame only (images: the image) without decoding past it. */
  firstFrame(path: string, options?: DecodeOptions): Promise<DecodedFrame>;
  close?(): void;
}
