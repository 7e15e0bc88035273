/** deps.videoSampler(): frames of a video (or image sequence) by rate or by index, seeking. */
import { TaskAgentError } from '../../shared/errors.js';
import { videoSampler, type FrameSampler } from '../../deps/builtins.js';
import type { Provider } from './provider.js';
import { MEDIA_PREFETCH, childFrames, decodeOptions, framesOf, mediaFileOf, needItem, range, unsupported } from './media-common.js';

export const videoSamplerProvider: Provider = {
  declaration: videoSampler,
  prefetch: MEDIA_PREFETCH,
  async resolve(r) {
    const title = r.ctx.task.dataTitle;
    const item = needItem(r);
    const isSequence = item.itemType === 'imageSequence';
    if (item.itemType !== 'video' && !isSequence) {
      if ((r.dep.options as { whenNotVideo?: string } | undefined)?.whenNotVideo === 'null') return null;
      throw unsupported('deps.videoSampler()', item, title, 'video');
    }
    const children = r.payload.children ?? [];
    const path = isSequence ? '' : await mediaFileOf(r, item);
    const opts = decodeOptions(r);
    const sampler: FrameSampler = (rateOrIndices) => {
      if (typeof rateOrIndices === 'number') {
        if (!(rateOrIndices > 0 && rateOrIndices <= 1)) {
          throw new TaskAgentError('TA_MEDIA_SAMPLE_RATE', `frame sampling rate must be between 0 and 1, got ${rateOrIndices}`);
        }
        const step = Math.max(1, Math.round(1 / rateOrIndices));
        if (isSequence) return childFrames(r, range(0, children.length, step));
        return (async function* () {
          const dec = await r.runtime.decoder();
          yield* framesOf(dec.frames(path, { step }, opts), title);
        })();
      }
      const indices = [...new Set(rateOrIndices)].sort((a, b) => a - b);
      if (indices.some((i) => !Number.isInteger(i) || i < 0))
        throw new TaskAgentError('TA_MEDIA_SAMPLE_RATE', 'frame indices must be non-negative integers');
      if (isSequence) return childFrames(r, indices);
      return (async function* () {
        const dec = await r.runtime.decoder();
        yield* framesOf(dec.framesAt(path, indices, opts), title);
      })();
    };
    return sampler;
  },
};
