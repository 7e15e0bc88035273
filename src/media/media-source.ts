/**
 * The small per-backend surface the shared frame walker drives: demux one video stream, decode,
 * seek, convert to RGB24. Each backend (node-av, beamcoder) implements it once; frame numbering,
 * ranges, seeking strategy, errors and cancellation live in `frame-walker.ts`, so both backends
 * behave identically.
 */

export interface SourceInfo {
  width: number;
  height: number;
  /** Frames the container declares (mp4 sample tables); null when unknown (webm, image pipes). */
  declaredFrames: number | null;
  /** True for single-picture inputs (png/jpeg/bmp/webp): never seek. */
  isImage: boolean;
}

export interface SourcePacket {
  /** Presentation timestamp in stream time base; null when the container has none. */
  pts: number | null;
  key: boolean;
}

export interface MediaSource<P, F> {
  readonly info: SourceInfo;
  /** Next packet of the video stream, or null at end of file. Throws on a read error. */
  readPacket(): Promise<P | null>;
  packetInfo(p: P): SourcePacket;
  /** Decoded frames for a packet (null flushes at end of stream). Throws on a decode error. */
  decode(p: P | null): Promise<F[]>;
  framePts(f: F): number | null;
  /** Packed RGB24 of a decoded frame (`height*width*3`). */
  toRgb(f: F): Promise<{ content: Uint8Array; width: number; height: number }>;
  /** Drop a decoded frame that will not be converted. */
  release(f: F): void;
  /** Seek to the keyframe at or before `pts` and reset the decoder. Returns false if unsupported. */
  seek(pts: number): Promise<boolean>;
  close(): void;
}

/** Opens a source; throws plain errors (the walker maps them to catalog codes). */
export type OpenSource<P, F> = (path: string, threads: number) => Promise<MediaSource<P, F>>;
