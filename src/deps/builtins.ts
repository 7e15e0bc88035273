/**
 * The built-in dependencies, mirroring the Python runner's `dep_*` functions. Each returns a
 * declaration; the worker thread provides the value (src/worker/deps/, one provider per built-in).
 */
import type { LabelRow } from '../shared/label-row/index.js';
import type { LabelRowMetadata, ProjectInfo, StorageItem, TaskRecord } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';
import { TaskAgentError } from '../shared/errors.js';
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
  return builtinDep<LabelRow>('labelRow');
}

/** The task's label-row metadata (data type, frames, fps, priority, workflow node, client metadata…). */
export function labelRowMetadata(): Dep<LabelRowMetadata> {
  return builtinDep<LabelRowMetadata>('labelRowMetadata');
}

/**
 * The storage item backing the task's data unit (with a signed URL on Encord). Fetched for the
 * whole batch in one bulk call.
 */
export function storageItem(): Dep<StorageItem> {
  return builtinDep<StorageItem>('storageItem');
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
  toBase64(options?: {
    format?: 'jpeg' | 'png';
    as?: 'raw' | 'url' | 'openai' | 'anthropic';
    quality?: number;
  }): string | Record<string, unknown>;
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
  return builtinDep<Frame>('singleFrame');
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
export function videoFrames(options: {
  start?: number;
  end?: number;
  step?: number;
  whenNotVideo: 'null';
}): Dep<AsyncIterable<Frame> | null>;
export function videoFrames(options: { start?: number; end?: number; step?: number; whenNotVideo?: 'fail' | 'null' } = {}): AnyDep {
  return builtinDep<AsyncIterable<Frame> | null>('videoFrames', options);
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
export function videoSampler(options?: { whenNotVideo?: 'fail' }): Dep<FrameSampler>;
/** With `whenNotVideo: 'null'`, tasks whose data is not a video (or image sequence) get `null` instead of failing. */
export function videoSampler(options: { whenNotVideo: 'null' }): Dep<FrameSampler | null>;
export function videoSampler(options: { whenNotVideo?: 'fail' | 'null' } = {}): AnyDep {
  return builtinDep<FrameSampler | null>('videoSampler', options);
}

/**
 * A local file path to a private copy of the task's media (right suffix: .mp4, .jpg, .pdf, .txt…),
 * removed after the task. Image groups are not supported (TA_MEDIA_UNSUPPORTED).
 *
 * @example
 * runner.stage('ocr', { deps: { path: deps.asset() } }, async ({ path }) => (await ocr(path)) ? 'done' : null);
 */
export function asset(): Dep<string> {
  return builtinDep<string>('asset');
}

/** A project on the run's platform, as agents see it through `deps.client()`: every call goes straight to the platform (not bundled). */
export type ProjectClient = Omit<Platform, 'close'>;

/** An authenticated client for the run's platform (Python `dep_client`). One per worker thread. */
export interface Client {
  readonly kind: 'local' | 'encord';
  /** The run's own project. */
  readonly project: ProjectClient;
  /**
   * Another project on the same platform: an Encord project hash (same key and domain); locally a
   * project directory, or the projectHash of a project in a directory next to the run's project.
   * Opened once per worker thread.
   */
  openProject(projectHashOrDir: string): ProjectClient;
}

/**
 * An authenticated client for the run's platform: the Encord API with the run's key, or the local
 * project. Use it for what no other dependency covers (datasets, other projects, custom writes).
 *
 * @example
 * runner.stage('sync', { deps: { client: deps.client() } }, async ({ client, task }) => {
 *   const [meta] = await client.project.listLabelRowMetadata([task.dataHash], { includeClientMetadata: true });
 *   return meta?.clientMetadata?.['ready'] ? 'done' : null;
 * });
 */
export function client(): Dep<Client> {
  return builtinDep<Client>('client', undefined, 'worker');
}

/** Where a twin stands: its label row in the twin project, and (with includeTask) its workflow task there. */
export interface Twin {
  /** The twin's label row, initialised; null with `initLabels: false`. */
  labelRow: LabelRow | null;
  metadata: LabelRowMetadata;
  /** The twin's current workflow task, with its stage; null unless `includeTask` (or when its stage lists no tasks). */
  task: (TaskRecord & { stage: { uuid: string; title: string } }) | null;
  /** The twin project (ontology, workflow). */
  project: ProjectInfo;
  /**
   * Saves `labelRow` (as it is now) to the twin project. Committed with the task, bundled with
   * other tasks' twin saves, before the task's own writes; nothing is written if the agent throws.
   */
  save(): Promise<void>;
  /**
   * Moves the twin's task along a pathway of its stage (name or UUID; an unknown one throws
   * TA_PATHWAY_UNKNOWN here). Committed like save(), after the twin saves; a twin task that has
   * already left its stage is counted as skipped in the summary's `twins`.
   */
  proceed(pathway: string): Promise<void>;
}

export interface TwinOptions {
  /** The twin project: an Encord project hash; locally a directory or the projectHash of a sibling project. */
  twinProject: string;
  /** Initialise the twin's label row (default true). */
  initLabels?: boolean;
  /** Look up the twin's workflow task too (default false). */
  includeTask?: boolean;
}

/**
 * The task's twin in another project on the same data (looked up by data hash), or null when the
 * twin project has no such data unit (Python `dep_twin_label_row`). The twin project is opened
 * once per worker thread and checked before the run starts; the twins of a whole chunk of tasks
 * are fetched in bulk calls, not one call per task.
 *
 * @example
 * runner.stage('copy to twin', { deps: { lr: deps.labelRow(), twin: deps.twinLabelRow({ twinProject: TWIN, includeTask: true }) } },
 *   async ({ lr, twin }) => {
 *     if (!twin?.labelRow) return 'no twin';
 *     for (const c of lr.getClassifications()) twin.labelRow.addClassification({ featureHash: c.featureHash, answer: c.answer });
 *     await twin.save();                    // committed with the task, bundled
 *     if (twin.task) await twin.proceed('done');
 *     return 'copied';
 *   });
 */
export function twinLabelRow(options: TwinOptions): Dep<Twin | null> {
  if (!options || typeof options.twinProject !== 'string' || options.twinProject === '') {
    throw new TaskAgentError('TA_CFG_INVALID', 'deps.twinLabelRow() needs { twinProject }', {
      hint: 'pass the twin project hash (or, locally, its directory)',
    });
  }
  const spec: Required<TwinOptions> = {
    twinProject: options.twinProject,
    initLabels: options.initLabels ?? true,
    includeTask: options.includeTask ?? false,
  };
  return builtinDep<Twin | null>('twinLabelRow', spec);
}

/**
 * Deprecated (as in encord-agents, where `dep_data_lookup` is deprecated): looks up data rows and
 * storage items by data hash. Use `deps.storageItem()` / `deps.labelRowMetadata()` (bulk-fetched
 * per batch) or `deps.client()` instead. Using it prints a TA_DEP_DEPRECATED warning at start.
 */
export interface DataLookup {
  /** The data unit's label-row metadata (title, type, frames, dataset, backing item…). */
  getDataRow(dataHash: string): Promise<LabelRowMetadata>;
  getStorageItem(dataHash: string): Promise<StorageItem>;
  getStorageItems(dataHashes: string[]): Promise<StorageItem[]>;
  backingItemUuids(dataHashes: string[]): Promise<string[]>;
}

/** @deprecated Use deps.storageItem(), deps.labelRowMetadata() or deps.client(). */
export function dataLookup(): Dep<DataLookup> {
  return builtinDep<DataLookup>('dataLookup', undefined, 'worker');
}
