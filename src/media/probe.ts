/**
 * Media probing with node-av (usable on the main thread: open and stream-info run off-thread;
 * only the packet count of short clips without a frame count is read inline).
 */
import { extname } from 'node:path';
import type { MediaProbe } from './frame-decoder.js';
import { loadNodeAv } from './node-av-decoder.js';
import { assertMediaExists, decodeFailed, decoderUnavailable } from './decode-errors.js';
import { isImageFormat } from './image-formats.js';

/** Packets counted at most when the container does not declare a frame count. */
const MAX_COUNTED_PACKETS = 100_000;

const MIME_BY_EXT: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.ts': 'video/mp2t',
  '.gif': 'image/gif',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
};

const MIME_BY_FORMAT: Record<string, string> = {
  png_pipe: 'image/png',
  jpeg_pipe: 'image/jpeg',
  bmp_pipe: 'image/bmp',
  webp_pipe: 'image/webp',
  gif: 'image/gif',
  matroska: 'video/x-matroska',
  avi: 'video/x-msvideo',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
};

function rate(r: { num: number; den: number } | undefined): number | null {
  return r && r.num > 0 && r.den > 0 ? r.num / r.den : null;
}

/**
 * Probes a media file: size, fps, frame count (exact for short clips: packets are counted when the
 * container has no frame count), duration in seconds, codec name, kind and MIME type.
 * Throws TA_MEDIA_MISSING for an absent file, TA_MEDIA_DECODE_FAILED for a file that is not media.
 */
export async function probeMedia(path: string): Promise<MediaProbe & { mimeType: string | null }> {
  await assertMediaExists(path);
  let m: Awaited<ReturnType<typeof loadNodeAv>>;
  try {
    m = await loadNodeAv();
  } catch (e) {
    throw decoderUnavailable('node-av', e);
  }
  const { lib, C } = m;
  const fmt = new lib.FormatContext();
  try {
    let ret = await fmt.openInput(path);
    if (ret < 0) throw new Error(lib.FFmpegError.strerror(ret));
    ret = await fmt.findStreamInfo();
    if (ret < 0) throw new Error(lib.FFmpegError.strerror(ret));
    const formatName = fmt.iformat?.name ?? null;
    const vs = fmt.streams.find((s) => s.codecpar.codecType === C.AVMEDIA_TYPE_VIDEO);
    const as = fmt.streams.find((s) => s.codecpar.codecType === C.AVMEDIA_TYPE_AUDIO);
    const st = vs ?? as;
    if (!st) throw new Error('no audio or video stream');
    const image = vs !== undefined && isImageFormat(formatName, path);
    const kind: MediaProbe['kind'] = vs ? (image ? 'image' : 'video') : 'audio';
    const tb = st.timeBase;
    let duration: number | null = null;
    const fd = fmt.duration;
    if (fd !== C.AV_NOPTS_VALUE && fd > 0n) duration = Number(fd) / 1e6;
    else if (st.duration !== C.AV_NOPTS_VALUE && st.duration > 0n && tb.den > 0) duration = (Number(st.duration) * tb.num) / tb.den;
    const fps = vs && !image ? (rate(vs.avgFrameRate) ?? rate(vs.rFrameRate)) : null;
    let frameCount: number | null = null;
    if (image) frameCount = 1;
    else if (vs) {
      const nb = Number(vs.nbFrames);
      if (nb > 0) frameCount = nb;
      else {
        // webm/mkv and raw streams declare no count: count packets (one frame each for video).
        const pkt = new lib.Packet();
        pkt.alloc();
        let n = 0;
        try {
          while (n < MAX_COUNTED_PACKETS) {
            const r = fmt.readFrameSync(pkt);
            if (r < 0) break;
            if (pkt.streamIndex === vs.index) n++;
            pkt.unref();
          }
        } finally {
          pkt.free();
        }
        frameCount = n < MAX_COUNTED_PACKETS ? n : duration !== null && fps !== null ? Math.round(duration * fps) : null;
      }
    }
    const par = st.codecpar;
    return {
      width: vs ? vs.codecpar.width : null,
      height: vs ? vs.codecpar.height : null,
      fps,
      frameCount,
      duration: image ? null : duration,
      codec: lib.avGetCodecName(par.codecId) ?? null,
      kind,
      mimeType: MIME_BY_EXT[extname(path).toLowerCase()] ?? (formatName ? (MIME_BY_FORMAT[formatName] ?? null) : null),
    };
  } catch (e) {
    throw decodeFailed(path, 0, e);
  } finally {
    await fmt.closeInput().catch(() => undefined);
  }
}
