/** deps.singleFrame(): the first frame of the task's media (an image group's or sequence's first child). */
import { TaskAgentError } from '../../shared/errors.js';
import { singleFrame } from '../../deps/builtins.js';
import { titled } from '../media-files.js';
import { toFrame } from '../frame.js';
import type { Provider } from './provider.js';
import { MEDIA_PREFETCH, decodeOptions, mediaFileOf, needItem, unsupported } from './media-common.js';

export const singleFrameProvider: Provider = {
  declaration: singleFrame,
  prefetch: MEDIA_PREFETCH,
  async resolve(r) {
    const title = r.ctx.task.dataTitle;
    const item = needItem(r);
    const dec = await r.runtime.decoder();
    const source = item.itemType === 'imageGroup' || item.itemType === 'imageSequence' ? r.payload.children?.[0] : item;
    if (!source) throw new TaskAgentError('TA_MEDIA_MISSING', `"${title}" has no images`);
    if (!['image', 'video', 'imageGroup', 'imageSequence'].includes(item.itemType))
      throw unsupported('deps.singleFrame()', item, title, 'image, video, image group or image sequence');
    const path = await mediaFileOf(r, source);
    try {
      return toFrame(await dec.firstFrame(path, decodeOptions(r)), 0);
    } catch (e) {
      throw titled(e, title);
    }
  },
};
