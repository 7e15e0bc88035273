/**
 * Worker-side values of the media dependencies: singleFrame, videoFrames, videoSampler, asset.
 * One decoder per worker thread (created on first use) with the run's decoder thread count;
 * cancellation is the task's AbortSignal, checked between frames by the decoder.
 */
import { TaskAgentError, serializeError } from '../shared/errors.js';
import { capError } from '../shared/cap-text.js';
import type { StorageItem } from '../shared/types.js';
import type { TaskPayload, WorkerInit } from '../shared/protocol.js';
import type { AnyDep, TaskContext } from '../deps/define.js';
import type { Frame, FrameSampler } from '../deps/builtins.js';
import type { DecodeOptions, FrameDecoder } from '../media/frame-decoder.js';
import { createDecoder } from '../media/select.js';
import { assetCopy, mediaFile, titled } from './media-files.js';
import { toFrame } from './frame.js';
import type { TaskScope } from './task-scope.js';

let decoder: Promise<FrameDecoder> | undefined;
function getDecoder(init: WorkerInit): Promise<FrameDecoder> {
  decoder ??= createDecoder(init.decoder);
  decoder.catch(() => (decoder = undefined));
  return decoder;
}

/** A decoder warning on the attempt's outcome, once however many times the frames are walked. */
function warnOnce(scope: TaskScope, w: unknown): void {
  const s = capError(serializeError(w));
  if (!scope.warnings.some((x) => x.code === s.code && x.message === s.message)) scope.warnings.push(s);
}

function unsupported(what: string, item: StorageItem, title: string, supported: string): TaskAgentError {
  return new TaskAgentError('TA_MEDIA_UNSUPPORTED', `${what} is only supported for ${supported} label rows; "${title}" is ${item.itemType}`, {
    hint: `use ${what} only in stages whose data is ${supported}`,
  });
}

function needItem(payload: TaskPayload, title: string): StorageItem {
  if (!payload.storageItem) throw new TaskAgentError('TA_STORAGE_ITEM_MISSING', `no storage item was returned for "${title}"`);
  return payload.storageItem;
}

async function* framesOf(it: AsyncIterable<import('../media/frame-decoder.js').DecodedFrame>, title: string, index?: (f: number) => number): AsyncIterable<Frame> {
  try {
    for await (const f of it) yield toFrame(f, index ? index(f.frame) : f.frame);
  } catch (e) {
    throw titled(e, title);
  }
}

/** Image sequences are stored as child images: frame i is child i. */
async function* childFrames(init: WorkerInit, children: StorageItem[], indices: Iterable<number>, ctx: TaskContext, scope: TaskScope): AsyncIterable<Frame> {
  const dec = await getDecoder(init);
  for (const i of indices) {
    const child = children[i];
    if (!child) return;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const path = await mediaFile(init.platform, child, `${ctx.task.dataTitle}[${i}]`, scope);
    try {
      yield toFrame(await dec.firstFrame(path, { threads: init.decoderThreads, signal: ctx.signal }), i);
    } catch (e) {
      throw titled(e, ctx.task.dataTitle);
    }
  }
}

function* range(start: number, end: number, step: number): Iterable<number> {
  for (let i = start; i < end; i += step) yield i;
}

export async function provideMediaDep(init: WorkerInit, dep: AnyDep, ctx: TaskContext, payload: TaskPayload, scope: TaskScope): Promise<unknown> {
  const title = ctx.task.dataTitle;
  const item = needItem(payload, title);
  const children = payload.children ?? [];
  const opts: DecodeOptions = { threads: init.decoderThreads, signal: ctx.signal, onWarning: (w) => warnOnce(scope, titled(w, title)) };
  const isSequence = item.itemType === 'imageSequence';
  switch (dep.builtin) {
    case 'asset':
      // A sequence's file is its encoded video (when it has one), as on Encord.
      if (item.itemType === 'imageGroup' || item.itemType === 'group' || (isSequence && !item.url && !item.signedUrl)) throw unsupported('deps.asset()', item, title, 'single-file');
      return assetCopy(init.platform, item, title, scope);
    case 'singleFrame': {
      const dec = await getDecoder(init);
      const source = item.itemType === 'imageGroup' || isSequence ? children[0] : item;
      if (!source) throw new TaskAgentError('TA_MEDIA_MISSING', `"${title}" has no images`);
      if (!['image', 'video', 'imageGroup', 'imageSequence'].includes(item.itemType)) throw unsupported('deps.singleFrame()', item, title, 'image, video, image group or image sequence');
      const path = await mediaFile(init.platform, source, title, scope);
      try {
        return toFrame(await dec.firstFrame(path, opts), 0);
      } catch (e) {
        throw titled(e, title);
      }
    }
    case 'videoFrames': {
      const o = (dep.options ?? {}) as { start?: number; end?: number; step?: number; whenNotVideo?: 'fail' | 'null' };
      if (isSequence) return childFrames(init, children, range(o.start ?? 0, Math.min(o.end ?? Infinity, children.length), o.step ?? 1), ctx, scope);
      if (item.itemType !== 'video') {
        if (o.whenNotVideo === 'null') return null;
        throw unsupported('deps.videoFrames()', item, title, 'video');
      }
      const path = await mediaFile(init.platform, item, title, scope);
      const dec = await getDecoder(init);
      return framesOf(dec.frames(path, { ...(o.start !== undefined && { start: o.start }), ...(o.end !== undefined && { end: o.end }), ...(o.step !== undefined && { step: o.step }) }, opts), title);
    }
    case 'videoSampler': {
      if (item.itemType !== 'video' && !isSequence) {
        if ((dep.options as { whenNotVideo?: string } | undefined)?.whenNotVideo === 'null') return null;
        throw unsupported('deps.videoSampler()', item, title, 'video');
      }
      const path = isSequence ? '' : await mediaFile(init.platform, item, title, scope);
      const sampler: FrameSampler = (rateOrIndices) => {
        if (typeof rateOrIndices === 'number') {
          if (!(rateOrIndices > 0 && rateOrIndices <= 1)) {
            throw new TaskAgentError('TA_MEDIA_SAMPLE_RATE', `frame sampling rate must be between 0 and 1, got ${rateOrIndices}`);
          }
          const step = Math.max(1, Math.round(1 / rateOrIndices));
          if (isSequence) return childFrames(init, children, range(0, children.length, step), ctx, scope);
          return (async function* () {
            const dec = await getDecoder(init);
            yield* framesOf(dec.frames(path, { step }, opts), title);
          })();
        }
        const indices = [...new Set(rateOrIndices)].sort((a, b) => a - b);
        if (indices.some((i) => !Number.isInteger(i) || i < 0)) throw new TaskAgentError('TA_MEDIA_SAMPLE_RATE', 'frame indices must be non-negative integers');
        if (isSequence) return childFrames(init, children, indices, ctx, scope);
        return (async function* () {
          const dec = await getDecoder(init);
          yield* framesOf(dec.framesAt(path, indices, opts), title);
        })();
      };
      return sampler;
    }
    default:
      throw new TaskAgentError('TA_INTERNAL', `${dep.label} is not a media dependency`);
  }
}
