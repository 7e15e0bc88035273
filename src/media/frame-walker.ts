/**
 * The backend-neutral FrameDecoder: frame numbering, ranges, keyframe seeking, truncation
 * detection, errors and cooperative cancellation, driven through a `MediaSource`. Keeping this in
 * one place is what makes both backends return identical frames for identical calls. Every call
 * into a source goes through the native gate (media/native-gate.ts), so the main thread never
 * terminates a worker in the middle of one: the frame boundary is where a worker can be recycled.
 */
import { stat } from 'node:fs/promises';
import type { DecodedFrame, DecodeOptions, FrameDecoder } from './frame-decoder.js';
import type { DecoderName } from '../shared/run-options.js';
import type { MediaSource, OpenSource } from './media-source.js';
import { assertMediaExists, decodeFailed, truncated } from './decode-errors.js';
import { native } from './native-gate.js';

/** Presentation-ordered timestamps of every video packet, plus the keyframe ones. */
interface PacketIndex {
  pts: number[];
  keyPts: number[];
}

interface Raw<F> {
  f: F;
  idx: number;
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Largest keyframe pts <= pts (or the first keyframe). */
function keyAtOrBefore(index: PacketIndex, pts: number): number {
  const i = lowerBound(index.keyPts, pts + 1) - 1;
  return index.keyPts[Math.max(0, i)];
}

/** The source with each call inside the native gate (for async backends, the call's synchronous part). */
function gated<P, F>(src: MediaSource<P, F>): MediaSource<P, F> {
  return {
    info: src.info,
    readPacket: () => native(() => src.readPacket()),
    packetInfo: (p) => native(() => src.packetInfo(p)),
    decode: (p) => native(() => src.decode(p)),
    framePts: (f) => native(() => src.framePts(f)),
    toRgb: (f) => native(() => src.toRgb(f)),
    release: (f) => native(() => src.release(f)),
    seek: (pts) => native(() => src.seek(pts)),
    close: () => native(() => src.close()),
  };
}

export function createWalkerDecoder<P, F>(name: DecoderName, openRaw: OpenSource<P, F>): FrameDecoder {
  const open: OpenSource<P, F> = (path, threads) => native(() => openRaw(path, threads)).then(gated);
  // Samplers call framesAt repeatedly on one file: keep a few packet indexes (keyed by size+mtime).
  const indexCache = new Map<string, PacketIndex | null>();

  async function openChecked(path: string, options?: DecodeOptions): Promise<MediaSource<P, F>> {
    await assertMediaExists(path);
    options?.signal?.throwIfAborted();
    try {
      return await open(path, Math.max(1, options?.threads ?? 1));
    } catch (e) {
      throw decodeFailed(path, 0, e);
    }
  }

  async function getIndex(path: string, threads: number): Promise<PacketIndex | null> {
    const s = await stat(path);
    const key = `${path}\0${s.size}\0${s.mtimeMs}`;
    if (indexCache.has(key)) return indexCache.get(key)!;
    const src = await open(path, threads);
    let index: PacketIndex | null = { pts: [], keyPts: [] };
    try {
      for (let p = await src.readPacket(); p !== null; p = await src.readPacket()) {
        const info = src.packetInfo(p);
        if (info.pts === null) {
          index = null; // no timestamps: callers fall back to decoding from the start
          break;
        }
        index.pts.push(info.pts);
        if (info.key) index.keyPts.push(info.pts);
      }
    } catch {
      // A read error ends the index; the decode itself reports it with the frame reached.
    } finally {
      src.close();
    }
    if (index) {
      index.pts.sort((a, b) => a - b);
      index.keyPts.sort((a, b) => a - b);
      if (index.keyPts.length === 0) index = null;
    }
    if (indexCache.size >= 8) indexCache.delete(indexCache.keys().next().value!);
    indexCache.set(key, index);
    return index;
  }

  /**
   * Decoded frames from the source's current position. `rank` maps a frame to its index
   * (by pts when an index exists, else by count). A file that ends before the frames its container
   * declares (fewer packets than declared), or whose last packet is cut short (a read or decode
   * error with nothing after it), ends the frames with a TA_MEDIA_TRUNCATED warning, as OpenCV
   * just stops. A real decode error mid-stream is TA_MEDIA_DECODE_FAILED naming the frame reached:
   * an error with more of the file after it, or (backends that conceal errors) frames missing
   * although every declared packet was read.
   */
  async function* rawFrames(
    src: MediaSource<P, F>,
    path: string,
    rank: (f: F, n: number) => number,
    from: number,
    options?: DecodeOptions,
  ): AsyncGenerator<Raw<F>> {
    let reached = from;
    let n = from;
    let pending: F[] = [];
    let cutShort: unknown;
    let packets = from;
    try {
      for (;;) {
        let pkt: P | null = null;
        try {
          pkt = await src.readPacket();
          if (pkt !== null) packets++;
          pending = await src.decode(pkt);
        } catch (e) {
          if (await hasMorePackets(src)) throw decodeFailed(path, reached, e);
          // The end of the file is cut short. What the decoder still holds would be built on the
          // broken packet: stop at the last whole frame.
          cutShort = e;
          break;
        }
        while (pending.length > 0) {
          const f = pending.shift()!;
          const idx = rank(f, n);
          n = idx + 1;
          reached = idx + 1;
          yield { f, idx };
        }
        if (pkt === null) break;
      }
      const declared = src.info.declaredFrames;
      const short = declared !== null && reached < declared;
      if (short && cutShort === undefined && packets >= declared) {
        throw decodeFailed(path, reached, new Error(`${declared - reached} of its ${declared} frames could not be decoded`));
      }
      if (cutShort !== undefined || short) options?.onWarning?.(truncated(path, reached, declared));
    } finally {
      for (const f of pending) src.release(f);
    }
  }

  async function hasMorePackets(src: MediaSource<P, F>): Promise<boolean> {
    try {
      return (await src.readPacket()) !== null;
    } catch {
      return false;
    }
  }

  async function emit(src: MediaSource<P, F>, r: Raw<F>): Promise<DecodedFrame> {
    try {
      const rgb = await src.toRgb(r.f);
      return { frame: r.idx, content: rgb.content, width: rgb.width, height: rgb.height };
    } finally {
      src.release(r.f);
    }
  }

  async function* sequential(
    path: string,
    start: number,
    end: number,
    step: number,
    options?: DecodeOptions,
  ): AsyncGenerator<DecodedFrame> {
    const src = await openChecked(path, options);
    try {
      for await (const r of rawFrames(src, path, (_f, n) => n, 0, options)) {
        options?.signal?.throwIfAborted();
        if (r.idx >= start && r.idx < end && (r.idx - start) % step === 0) yield await emit(src, r);
        else src.release(r.f);
        if (r.idx >= end - 1) return;
      }
    } finally {
      src.close();
    }
  }

  async function* atIndices(path: string, targets: number[], options?: DecodeOptions): AsyncGenerator<DecodedFrame> {
    if (targets.length === 0) return;
    const threads = Math.max(1, options?.threads ?? 1);
    let src = await openChecked(path, options);
    try {
      const index = src.info.isImage ? null : await getIndex(path, threads);
      if (index === null) {
        // Images and streams without timestamps: one forward pass picking the wanted frames.
        const want = new Set(targets);
        const last = targets[targets.length - 1];
        for await (const r of rawFrames(src, path, (_f, n) => n, 0, options)) {
          options?.signal?.throwIfAborted();
          if (want.has(r.idx)) yield await emit(src, r);
          else src.release(r.f);
          if (r.idx >= last) return;
        }
        return;
      }
      const rank = (f: F, n: number): number => {
        const pts = src.framePts(f);
        if (pts === null) return n;
        const i = lowerBound(index.pts, pts);
        return index.pts[i] === pts ? i : n;
      };
      let gen: AsyncGenerator<Raw<F>> | null = null;
      let lastIdx = -1;
      let ti = 0;
      try {
        while (ti < targets.length && targets[ti] < index.pts.length) {
          const t = targets[ti];
          const key = keyAtOrBefore(index, index.pts[t]);
          // Keep decoding forward when the target's keyframe is already behind us; else seek.
          const forward = gen !== null ? lastIdx < t && key <= index.pts[Math.max(0, lastIdx)] : key <= index.keyPts[0];
          if (!forward) {
            await gen?.return(undefined);
            gen = null;
            if (!(await src.seek(key))) {
              src.close();
              src = await openChecked(path, options);
            }
          }
          if (gen === null) {
            const from = lowerBound(index.pts, key);
            gen = rawFrames(src, path, rank, from, options);
          }
          for (;;) {
            const r = await gen.next();
            if (r.done) return;
            options?.signal?.throwIfAborted();
            lastIdx = r.value.idx;
            while (ti < targets.length && targets[ti] < lastIdx) ti++;
            if (targets[ti] === lastIdx) {
              yield await emit(src, r.value);
              ti++;
              break;
            }
            src.release(r.value.f);
          }
        }
      } finally {
        await gen?.return(undefined);
      }
    } finally {
      src.close();
    }
  }

  return {
    name,
    frames(path, range = {}, options) {
      const start = Math.max(0, Math.floor(range.start ?? 0));
      const end = range.end ?? Number.POSITIVE_INFINITY;
      const step = Math.max(1, Math.floor(range.step ?? 1));
      if (start === 0) return sequential(path, start, end, step, options);
      // A later start seeks: decode only from the keyframe before `start`.
      const framesAt = this.framesAt.bind(this);
      return (async function* () {
        const index = await (async () => {
          await assertMediaExists(path);
          try {
            return await getIndex(path, Math.max(1, options?.threads ?? 1));
          } catch {
            return null;
          }
        })();
        if (index === null) {
          yield* sequential(path, start, end, step, options);
          return;
        }
        const targets: number[] = [];
        for (let i = start; i < Math.min(end, index.pts.length); i += step) targets.push(i);
        yield* framesAt(path, targets, options);
      })();
    },
    framesAt(path, indices, options) {
      const targets = [...new Set(indices.filter((i) => Number.isInteger(i) && i >= 0))].sort((a, b) => a - b);
      return atIndices(path, targets, options);
    },
    async firstFrame(path, options) {
      for await (const f of sequential(path, 0, 1, 1, options)) return f;
      throw decodeFailed(path, 0, new Error('no video frame'));
    },
  };
}
