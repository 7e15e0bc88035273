/** The prober `project import` uses to read media properties (FFmpeg through node-av). */
import { probeMedia } from '../../media/probe.js';
import type { MediaProber } from '../../platform/local/import-files.js';

export const defaultProber: MediaProber = async (path) => {
  const p = await probeMedia(path);
  if (p.kind === null) throw new Error('no audio or video stream found');
  if (p.kind !== 'audio' && !(p.width && p.height)) throw new Error(`no decodable ${p.kind} data`);
  return { width: p.width, height: p.height, fps: p.fps, frameCount: p.frameCount, duration: p.duration, codec: p.codec };
};
