/**
 * The built-in dependencies, mirroring the Python runner's `dep_*` functions. Each returns a
 * declaration; the worker thread provides the value (src/worker/builtin-deps.ts).
 */
import type { LabelRow } from '../shared/label-row/index.js';
import type { LabelRowMetadata, StorageItem } from '../shared/types.js';
import { builtinDep, type AnyDep, type Dep } from './define.js';

/**
 * The task's label row, initialised with the stage's `labelRowInit` arguments. The runner fetches
 * the label rows of a whole batch in bundled calls before the agents run.
 *
 * @example
 * runner.stage('pre-label', { deps: { labelRow: deps.labelRow() } }, async ({ labelRow }) => {
 *   labelRow.addClassification({ name: 'Scene brightness', answer: 'Bright' });
 *   return { pathway: 'labelled', labelRow };
 * });
 */
export function labelRow(): Dep<LabelRow> {
  return builtinDep<LabelRow>('labelRow', ['labelRowMetadata', 'labelRow']);
}

/** The task's label-row metadata (data type, frames, fps, priority, workflow node, client metadata…). */
export function labelRowMetadata(): Dep<LabelRowMetadata> {
  return builtinDep<LabelRowMetadata>('labelRowMetadata', ['labelRowMetadata']);
}

/**
 * The storage item backing the task's data unit (with a signed URL on Encord). Fetched for the
 * whole batch in one bulk call.
 */
export function storageItem(): Dep<StorageItem> {
  return builtinDep<StorageItem>('storageItem', ['labelRowMetadata', 'storageItem']);
}

/** A decoded frame: packed RGB24 pixels (`height * width * 3` bytes), handed over without copies. */
export interface Frame {
  /** 0-based frame index (images: 0; image groups: the child's index). */
  frame: number;
  content: Uint8Array;
  width: number;
  height: number;
  /**
   * Base64 of the frame encoded as JPEG (default) or PNG, in the shapes of Python's
   * `Frame.b64_encoding`: `raw` base64, a `url` (data URL), or an `openai` / `anthropic` image part.
   */
  toBase64(options?: { format?: 'jpeg' | 'png'; as?: 'raw' | 'url' | 'openai' | 'anthropic'; quality?: number }): string | Record<string, unknown>;
}

/** Picks frames by rate in (0, 1] (every 1/rate-th frame) or by sorted frame indices (seeking). */
export type FrameSampler = (rateOrIndices: number | number[]) => AsyncIterable<Frame>;

/**
 * The first frame of the task's media: the image itself, frame 0 of a video or image sequence,
 * or the first image of an image group. Decodes nothing past the first frame.
 *
 * @example
 * runner.stage('triage', { deps: { frame: deps.singleFrame() } }, ({ frame }) =>
 *   meanBrightness(frame.content) > 100 ? 'accept' : 'review');
 */
export function singleFrame(): Dep<Frame> {
  return builtinDep<Frame>('singleFrame', ['labelRowMetadata', 'storageItem']);
}

/**
 * Frames of a video or image sequence, decoded natively in the worker as an async iterator.
 * Any other data type fails the task with TA_MEDIA_UNSUPPORTED. Frames decoded before a corrupt
 * point are delivered before the iterator throws TA_MEDIA_DECODE_FAILED.
 *
 * @example
 * runner.stage('pre-label', { deps: { frames: deps.videoFrames({ step: 5 }) } }, async ({ frames }) => {
 *   for await (const f of frames) detect(f.content, f.width, f.height);
 *   return 'labelled';
 * });
 */
export function videoFrames(options?: { start?: number; end?: number; step?: number; whenNotVideo?: 'fail' }): Dep<AsyncIterable<Frame>>;
/** With `whenNotVideo: 'null'`, tasks whose data is not a video get `null` instead of failing (mixed datasets). */
export function videoFrames(options: { start?: number; end?: number; step?: number; whenNotVideo: 'null' }): Dep<AsyncIterable<Frame> | null>;
export function videoFrames(options: { start?: number; end?: number; step?: number; whenNotVideo?: 'fail' | 'null' } = {}): AnyDep {
  return builtinDep<AsyncIterable<Frame> | null>('videoFrames', ['labelRowMetadata', 'storageItem'], options);
}

/**
 * A sampler over the task's video: `sampler(0.1)` yields every 10th frame, `sampler([0, 30, 60])`
 * those frames by seeking. A rate outside (0, 1] is TA_MEDIA_SAMPLE_RATE.
 *
 * @example
 * runner.stage('qa', { deps: { sample: deps.videoSampler() } }, async ({ sample }) => {
 *   for await (const f of sample([0, 100])) check(f);
 *   return 'ok';
 * });
 */
export function videoSampler(): Dep<FrameSampler> {
  return builtinDep<FrameSampler>('videoSampler', ['labelRowMetadata', 'storageItem']);
}

/**
 * A local file path to a private copy of the task's media (right suffix: .mp4, .jpg, .pdf, .txt…),
 * removed after the task. Image groups are not supported (TA_MEDIA_UNSUPPORTED).
 *
 * @example
 * runner.stage('ocr', { deps: { path: deps.asset() } }, async ({ path }) => (await ocr(path)) ? 'done' : null);
 */
export function asset(): Dep<string> {
  return builtinDep<string>('asset', ['labelRowMetadata', 'storageItem']);
}
