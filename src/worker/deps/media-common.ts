/**
 * What the media providers (asset, singleFrame, videoFrames, videoSampler) share: the task's
 * storage item, decode options whose warnings land on the attempt, frames named by the task's data
 * title, and image sequences read as their child images. Cancellation is the task's AbortSignal,
 * checked between frames by the decoder.
 */
import { TaskAgentError, serializeError } from '../../shared/errors.js';
import { capError } from '../../shared/cap-text.js';
import type { StorageItem } from '../../shared/types.js';
import type { Frame } from '../../deps/builtins.js';
import type { DecodedFrame, DecodeOptions } from '../../media/frame-decoder.js';
import { titled } from '../media-files.js';
import { toFrame } from '../frame.js';
import type { TaskScope } from '../task-scope.js';
import type { Resolution } from './provider.js';

/** Media dependencies need the item and, for image groups and sequences, its children. */
export const MEDIA_PREFETCH = ['labelRowMetadata', 'storageItem', 'children'] as const;

/** A decoder warning on the attempt's outcome, once however many times the frames are walked. */
function warnOnce(scope: TaskScope, w: unknown): void {
  const s = capError(serializeError(w));
  if (!scope.warnings.some((x) => x.code === s.code && x.message === s.message)) scope.warnings.push(s);
}

export function unsupported(what: string, item: StorageItem, title: string, supported: string): TaskAgentError {
  return new TaskAgentError(
    'TA_MEDIA_UNSUPPORTED',
    `${what} is only supported for ${supported} label rows; "${title}" is ${item.itemType}`,
    {
      hint: `use ${what} only in stages whose data is ${supported}`,
    },
  );
}

/** The task's storage item (prefetched by the main thread). */
export function needItem(r: Resolution): StorageItem {
  if (!r.payload.storageItem)
    throw new TaskAgentError('TA_STORAGE_ITEM_MISSING', `no storage item was returned for "${r.ctx.task.dataTitle}"`);
  return r.payload.storageItem;
}

export function decodeOptions(r: Resolution): DecodeOptions {
  const title = r.ctx.task.dataTitle;
  return { threads: r.init.decoderThreads, signal: r.ctx.signal, onWarning: (w) => warnOnce(r.scope, titled(w, title)) };
}

/** The item's file on this worker (see MediaFiles). */
export function mediaFileOf(r: Resolution, item: StorageItem, title = r.ctx.task.dataTitle): Promise<string> {
  return r.runtime.media.mediaFile(r.init.platform, item, title, r.scope);
}

export async function* framesOf(it: AsyncIterable<DecodedFrame>, title: string, index?: (f: number) => number): AsyncIterable<Frame> {
  try {
    for await (const f of it) yield toFrame(f, index ? index(f.frame) : f.frame);
  } catch (e) {
    throw titled(e, title);
  }
}

/** Image sequences are stored as child images: frame i is child i. */
export async function* childFrames(r: Resolution, indices: Iterable<number>): AsyncIterable<Frame> {
  const children = r.payload.children ?? [];
  const { ctx } = r;
  const dec = await r.runtime.decoder();
  for (const i of indices) {
    const child = children[i];
    if (!child) return;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const path = await mediaFileOf(r, child, `${ctx.task.dataTitle}[${i}]`);
    try {
      yield toFrame(await dec.firstFrame(path, { threads: r.init.decoderThreads, signal: ctx.signal }), i);
    } catch (e) {
      throw titled(e, ctx.task.dataTitle);
    }
  }
}

export function* range(start: number, end: number, step: number): Iterable<number> {
  for (let i = start; i < end; i += step) yield i;
}
