/** deps.asset(): a private copy of the task's media file, removed after the attempt. */
import { asset } from '../../deps/builtins.js';
import type { Provider } from './provider.js';
import { needItem, unsupported } from './media-common.js';

export const assetProvider: Provider = {
  declaration: asset,
  prefetch: ['labelRowMetadata', 'storageItem'],
  resolve(r) {
    const title = r.ctx.task.dataTitle;
    const item = needItem(r);
    // A sequence's file is its encoded video (when it has one), as on Encord.
    const isSequence = item.itemType === 'imageSequence';
    if (item.itemType === 'imageGroup' || item.itemType === 'group' || (isSequence && !item.url && !item.signedUrl))
      throw unsupported('deps.asset()', item, title, 'single-file');
    return r.runtime.media.assetCopy(r.init.platform, item, title, r.scope);
  },
};
