/** deps.videoFrames(): the frames of a video (or image sequence) as an async iterator, decoded in this worker. */
import { videoFrames } from '../../deps/builtins.js';
import type { Provider } from './provider.js';
import { MEDIA_PREFETCH, childFrames, decodeOptions, framesOf, mediaFileOf, needItem, range, unsupported } from './media-common.js';

type VideoFramesOptions = { start?: number; end?: number; step?: number; whenNotVideo?: 'fail' | 'null' };

export const videoFramesProvider: Provider = {
  declaration: videoFrames,
  prefetch: MEDIA_PREFETCH,
  async resolve(r) {
    const title = r.ctx.task.dataTitle;
    const item = needItem(r);
    const o = (r.dep.options ?? {}) as VideoFramesOptions;
    if (item.itemType === 'imageSequence') {
      const children = r.payload.children ?? [];
      return childFrames(r, range(o.start ?? 0, Math.min(o.end ?? Infinity, children.length), o.step ?? 1));
    }
    if (item.itemType !== 'video') {
      if (o.whenNotVideo === 'null') return null;
      throw unsupported('deps.videoFrames()', item, title, 'video');
    }
    const path = await mediaFileOf(r, item);
    const dec = await r.runtime.decoder();
    const window = {
      ...(o.start !== undefined && { start: o.start }),
      ...(o.end !== undefined && { end: o.end }),
      ...(o.step !== undefined && { step: o.step }),
    };
    return framesOf(dec.frames(path, window, decodeOptions(r)), title);
  },
};
