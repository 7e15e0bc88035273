/**
 * FrameDecoder on node-av (FFmpeg 8.1 statically linked in its npm package). Uses the synchronous
 * low-level API: we are already on a worker thread, and sync calls avoid a threadpool hop per
 * packet. Each call reuses one packet, one decoder and one pooled swscale context per file.
 */
import type { FrameDecoder } from './frame-decoder.js';
import type { MediaSource, OpenSource, SourceInfo, SourcePacket } from './media-source.js';
import { createWalkerDecoder } from './frame-walker.js';
import { decoderUnavailable } from './decode-errors.js';
import { isTaskAgentError } from '../shared/errors.js';
import { isImageFormat } from './image-formats.js';
import { loadNodeAvSync, type NodeAvSync } from './node-av-sync.js';
import { native } from './native-gate.js';

type NFrame = import('node-av/lib').Frame;
type NPacket = import('node-av/lib').Packet;

export type NodeAvModules = NodeAvSync;

let loaded: Promise<NodeAvModules> | null = null;

/**
 * Loads node-av once per thread and silences FFmpeg's log (warnings like "deprecated pixel format").
 * Synchronously (require(esm)) and inside the native gate: a thread terminated while it loads the
 * binding aborts the process, so a recycle waits until it is loaded.
 */
export function loadNodeAv(): Promise<NodeAvModules> {
  loaded ??= new Promise<NodeAvModules>((resolve) => resolve(native(loadNodeAvSync)));
  return loaded;
}

function check(m: NodeAvModules, ret: number, what: string): void {
  if (ret < 0) throw new Error(`${what}: ${m.lib.FFmpegError.strerror(ret)}`);
}

function openNodeAvSource(m: NodeAvModules): OpenSource<NPacket, NFrame> {
  const { lib, api, C } = m;
  return async (path, threads) => {
    const fmt = new lib.FormatContext();
    check(m, fmt.openInputSync(path), 'cannot open');
    let ctx: import('node-av/lib').CodecContext | null = null;
    let pkt: NPacket | null = null;
    let scaler: import('node-av/api').Scaler | null = null;
    try {
      check(m, fmt.findStreamInfoSync(), 'cannot read stream info');
      const vs = fmt.streams.find((s) => s.codecpar.codecType === C.AVMEDIA_TYPE_VIDEO);
      if (!vs) throw new Error('no video stream');
      const codec = lib.Codec.findDecoder(vs.codecpar.codecId);
      if (!codec) throw new Error('no decoder for this codec');
      const c = new lib.CodecContext();
      ctx = c;
      c.allocContext3(codec);
      check(m, c.parametersToContext(vs.codecpar), 'bad codec parameters');
      c.threadCount = threads;
      c.pktTimebase = vs.timeBase;
      check(m, c.open2Sync(codec), 'cannot open decoder');
      const p = new lib.Packet();
      pkt = p;
      p.alloc();
      // The default Scaler flags convert bit-exactly like the ffmpeg CLI (checked by the tests).
      const sc = new api.Scaler();
      scaler = sc;
      const nb = Number(vs.nbFrames);
      const image = isImageFormat(fmt.iformat?.name, path);
      const info: SourceInfo = {
        width: vs.codecpar.width,
        height: vs.codecpar.height,
        declaredFrames: !image && nb > 0 ? nb : null,
        isImage: image,
      };
      const index = vs.index;
      const source: MediaSource<NPacket, NFrame> = {
        info,
        async readPacket() {
          for (;;) {
            p.unref();
            const ret = fmt.readFrameSync(p);
            if (ret === C.AVERROR_EOF) return null;
            check(m, ret, 'read error');
            if (p.streamIndex === index) return p;
          }
        },
        packetInfo(pk): SourcePacket {
          const pts = pk.pts;
          return { pts: pts === C.AV_NOPTS_VALUE ? null : Number(pts), key: pk.isKeyframe };
        },
        async decode(pk) {
          const sent = c.sendPacketSync(pk);
          if (sent < 0 && sent !== C.AVERROR_EAGAIN && sent !== C.AVERROR_EOF) check(m, sent, 'decode error');
          const out: NFrame[] = [];
          for (;;) {
            const f = new lib.Frame();
            f.alloc();
            const ret = c.receiveFrameSync(f);
            if (ret === C.AVERROR_EAGAIN || ret === C.AVERROR_EOF) {
              f.free();
              return out;
            }
            if (ret < 0) {
              f.free();
              for (const o of out) o.free();
              check(m, ret, 'decode error');
            }
            out.push(f);
          }
        },
        framePts(f) {
          const t = f.bestEffortTimestamp;
          return t === C.AV_NOPTS_VALUE ? null : Number(t);
        },
        async toRgb(f) {
          // toBufferSync returns a fresh, tightly packed buffer: no padding to strip, no extra copy.
          return { content: sc.toBufferSync(f, { format: 'rgb' }), width: f.width, height: f.height };
        },
        release(f) {
          f.free();
        },
        async seek(pts) {
          if (fmt.seekFrameSync(index, BigInt(pts), C.AVSEEK_FLAG_BACKWARD) < 0) return false;
          c.flushBuffers();
          return true;
        },
        close() {
          c.freeContext();
          p.free();
          sc[Symbol.dispose]();
          fmt.closeInputSync();
        },
      };
      return source;
    } catch (e) {
      ctx?.freeContext();
      pkt?.free();
      scaler?.[Symbol.dispose]();
      fmt.closeInputSync();
      throw e;
    }
  };
}

/**
 * A FrameDecoder backed by node-av. Throws TA_MEDIA_DECODER_UNAVAILABLE when node-av cannot load.
 */
export async function createNodeAvDecoder(): Promise<FrameDecoder> {
  let m: NodeAvModules;
  try {
    m = await loadNodeAv();
  } catch (e) {
    loaded = null;
    throw isTaskAgentError(e) ? e : decoderUnavailable('node-av', e);
  }
  return createWalkerDecoder('node-av', openNodeAvSource(m));
}
