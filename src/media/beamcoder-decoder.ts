/**
 * FrameDecoder on beamcoder (N-API binding to the system's FFmpeg 5.x). Loaded straight from its
 * `.node` file: the package index loads segfault-handler, which cannot load twice in one process
 * (main + workers), and prints a banner to stdout. Calls are async (libuv threadpool).
 * RGB conversion goes through a `format=rgb24` filter graph, which is bit-exact with the ffmpeg CLI.
 */
import { createRequire } from 'node:module';
import type { FrameDecoder } from './frame-decoder.js';
import type { MediaSource, OpenSource, SourceInfo } from './media-source.js';
import { createWalkerDecoder } from './frame-walker.js';
import { decoderUnavailable } from './decode-errors.js';
import { isImageFormat } from './image-formats.js';
import { native } from './native-gate.js';

/* Only the parts of beamcoder we use (it ships no types for the bare binding). */
interface BcPacket {
  stream_index: number;
  pts: number | null;
  flags: { KEY?: boolean };
}
interface BcFrame {
  width: number;
  height: number;
  format: string;
  pts: number | null;
  best_effort_timestamp: number | null;
  linesize: number[];
  data: Buffer[];
}
interface BcStream {
  index: number;
  nb_frames: number;
  time_base: [number, number];
  sample_aspect_ratio: [number, number];
  codecpar: { codec_type: string; width: number; height: number; format: string };
}
interface BcDemuxer {
  streams: BcStream[];
  iformat: { name: string };
  read(): Promise<BcPacket | null>;
  seek(o: { stream_index: number; timestamp: number; backward?: boolean }): Promise<unknown>;
  forceClose?(): void;
}
interface BcDecoder {
  decode(p: BcPacket): Promise<{ frames: BcFrame[] }>;
  flush(): Promise<{ frames: BcFrame[] }>;
}
interface BcFilterer {
  filter(frames: BcFrame[]): Promise<Array<{ frames: BcFrame[] }>>;
}
interface Beamcoder {
  demuxer(url: string): Promise<BcDemuxer>;
  decoder(o: { demuxer: BcDemuxer; stream_index: number; thread_count?: number }): BcDecoder;
  filterer(o: unknown): Promise<BcFilterer>;
  logging(level?: string): string;
}

let cached: Beamcoder | null = null;

/** Loads the beamcoder binding once per thread (throws a plain Error when it cannot). */
export function loadBeamcoder(): Beamcoder {
  if (cached) return cached;
  // Inside the native gate: a thread terminated while it loads a binding aborts the process.
  const bc = native(() => createRequire(import.meta.url)('beamcoder/build/Release/beamcoder.node') as Beamcoder);
  bc.logging('error'); // system libav* log level: silences swscaler "deprecated pixel format" warnings
  cached = bc;
  return bc;
}

/** Packed RGB24 view of a filter output frame; copies rows only when linesize has padding. */
function packRgb(o: BcFrame): Uint8Array {
  const row = o.width * 3;
  const size = row * o.height;
  const src = o.data[0];
  const stride = o.linesize[0];
  if (stride === row) return new Uint8Array(src.buffer, src.byteOffset, size);
  const out = Buffer.allocUnsafe(size);
  for (let y = 0; y < o.height; y++) src.copy(out, y * row, y * stride, y * stride + row);
  return out;
}

function openBeamcoderSource(bc: Beamcoder): OpenSource<BcPacket, BcFrame> {
  return async (path, threads) => {
    const dm = await bc.demuxer(path);
    const vs = dm.streams.find((s) => s.codecpar.codec_type === 'video');
    if (!vs) throw new Error('no video stream');
    const newDecoder = (): BcDecoder => bc.decoder({ demuxer: dm, stream_index: vs.index, thread_count: threads });
    let dec = newDecoder();
    let filt: BcFilterer | null = null;
    let filtKey = '';
    const image = isImageFormat(dm.iformat?.name, path);
    const info: SourceInfo = {
      width: vs.codecpar.width,
      height: vs.codecpar.height,
      declaredFrames: !image && vs.nb_frames > 0 ? vs.nb_frames : null,
      isImage: image,
    };
    const source: MediaSource<BcPacket, BcFrame> = {
      info,
      async readPacket() {
        for (;;) {
          const p = await dm.read();
          if (p === null) return null;
          if (p.stream_index === vs.index) return p;
        }
      },
      packetInfo(p) {
        return { pts: p.pts ?? null, key: p.flags?.KEY === true };
      },
      async decode(p) {
        return (p === null ? await dec.flush() : await dec.decode(p)).frames;
      },
      framePts(f) {
        return f.best_effort_timestamp ?? f.pts ?? null;
      },
      async toRgb(f) {
        // One filter graph per file; rebuilt only if the picture geometry or format changes.
        const key = `${f.width}x${f.height}:${f.format}`;
        if (filt === null || key !== filtKey) {
          const sar = vs.sample_aspect_ratio?.[0] ? vs.sample_aspect_ratio : [1, 1];
          filt = await bc.filterer({
            filterType: 'video',
            inputParams: [{ width: f.width, height: f.height, pixelFormat: f.format, timeBase: vs.time_base, pixelAspect: sar }],
            outputParams: [{ pixelFormat: 'rgb24' }],
            filterSpec: 'format=rgb24',
          });
          filtKey = key;
        }
        const out = (await filt.filter([f]))[0].frames[0];
        if (!out) throw new Error('the RGB filter produced no frame');
        return { content: packRgb(out), width: out.width, height: out.height };
      },
      release() {
        // Frames are garbage-collected buffers in beamcoder.
      },
      async seek(pts) {
        try {
          await dm.seek({ stream_index: vs.index, timestamp: pts, backward: true });
        } catch {
          return false;
        }
        dec = newDecoder(); // beamcoder has no avcodec_flush_buffers: start a fresh decoder
        return true;
      },
      close() {
        dm.forceClose?.();
      },
    };
    return source;
  };
}

/**
 * A FrameDecoder backed by beamcoder. Throws TA_MEDIA_DECODER_UNAVAILABLE when the binding
 * (or the system FFmpeg 5.x libraries it links) cannot load.
 */
export async function createBeamcoderDecoder(): Promise<FrameDecoder> {
  let bc: Beamcoder;
  try {
    bc = loadBeamcoder();
  } catch (e) {
    throw decoderUnavailable('beamcoder', e);
  }
  return createWalkerDecoder('beamcoder', openBeamcoderSource(bc));
}
