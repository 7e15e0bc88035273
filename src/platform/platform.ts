/**
 * The seam between the runner and where projects live. LocalPlatform (SQLite + media folder) and
 * EncordPlatform (the Encord HTTP API, or our emulator of it) implement it; the runner only ever
 * talks to this interface, so both behave the same (the contract suite runs against each).
 * Every method is a bulk operation: the runner bundles to `bundleLimits`, the platform splits to
 * its own request limits.
 * The platform owns paging: the runner never sizes a page, it re-batches whatever pages
 * `taskPages` yields.
 */
import type {
  LabelRowIncludeArgs,
  LabelRowInitArgs,
  LabelRowJson,
  LabelRowMetadata,
  ProjectInfo,
  StorageItem,
  TaskRecord,
} from '../shared/types.js';
import type { PlatformDescriptor } from '../shared/platform-descriptor.js';

export interface TaskPagesOptions {
  /** Only the tasks of these data units (Encord's `dataHashes` filter). */
  dataHashes?: string[];
}

export interface ProceedAction {
  taskUuid: string;
  pathwayUuid?: string;
  pathwayName?: string;
  /** The task's data hash when known: lets a platform look the task up after a lost response. */
  dataHash?: string;
}

export interface ClientMetadataPatch {
  itemUuid: string;
  clientMetadata: Record<string, unknown>;
}

export interface LabelSave {
  dataHash: string;
  labelHash: string | null;
  labelRow: LabelRowJson;
}

/** What happened to each proceed: moved, or skipped because the task had already left the stage. */
export interface ProceedResult {
  moved: string[];
  skipped: string[];
}

/**
 * The largest write bundles the platform takes per call: the commit buffer flushes at these sizes
 * (on Encord a bundle of proceeds is one actions request; locally, one transaction).
 */
export interface BundleLimits {
  saves: number;
  priorities: number;
  proceeds: number;
}

/** A readable file with an item's media, for a worker thread. */
export interface MediaFile {
  path: string;
  /** True for a download made by this call (removed with the caller's temporary directory); false for the platform's own file, which must not be modified. */
  temporary: boolean;
}

/** Counts of platform operations (requests for HTTP platforms), by operation name. */
export type PlatformCallCounts = Record<string, number>;

// Plain data that crosses the thread boundary, so it lives in shared/ (the protocol carries it).
export type { PlatformDescriptor } from '../shared/platform-descriptor.js';

export interface Platform {
  readonly kind: 'local' | 'encord';
  readonly descriptor: PlatformDescriptor;
  readonly bundleLimits: BundleLimits;
  /** Project, ontology and workflow (stages with pathways). */
  getProject(): Promise<ProjectInfo>;
  /**
   * The tasks of a stage, as a stream of pages sized by the platform (on Encord, by the server),
   * fetched as the stream is consumed, in a stable order that tolerates tasks leaving the stage
   * meanwhile. No page is empty; stopping early (break / return()) fetches nothing more.
   */
  taskPages(stageUuid: string, options?: TaskPagesOptions): AsyncIterable<TaskRecord[]>;
  /** Label-row metadata for these data hashes (one bulk call); order not guaranteed. */
  listLabelRowMetadata(dataHashes: string[], include?: LabelRowIncludeArgs): Promise<LabelRowMetadata[]>;
  /** Label-row content, keyed by data hash; rows with a null label hash are created. */
  getLabelRows(metadata: LabelRowMetadata[], init?: LabelRowInitArgs): Promise<Map<string, LabelRowJson>>;
  /** Storage items in request order. */
  getStorageItems(uuids: string[], options?: { signUrls?: boolean }): Promise<StorageItem[]>;
  /** Child items (image groups, image sequences) in frame order. */
  getChildItems(item: StorageItem, options?: { signUrls?: boolean }): Promise<StorageItem[]>;
  /**
   * A readable file with the item's media (an item as getStorageItems / getChildItems return it,
   * signed on remote platforms): the platform's own file, or a download to `tempPath()` (an
   * expired signed URL is re-signed once). Never read whole into memory.
   * @throws TaskAgentError TA_MEDIA_MISSING, TA_MEDIA_OUTSIDE_PROJECT, TA_MEDIA_DOWNLOAD_FAILED
   */
  mediaFile(item: StorageItem, tempPath: () => string): Promise<MediaFile>;
  saveLabelRows(saves: LabelSave[]): Promise<void>;
  /** Replaces storage items' client metadata (the whole object: read it first to merge). Bundled. */
  updateClientMetadata(patches: ClientMetadataPatch[]): Promise<void>;
  /** `[dataHash, priority]` pairs; priority in [0, 1] (0 is a priority). */
  setPriorities(priorities: Array<[string, number]>): Promise<void>;
  /** Proceeds out of one stage. A task that already left the stage is skipped, never fails the rest. */
  proceedTasks(stageUuid: string, actions: ProceedAction[]): Promise<ProceedResult>;
  /** Operation counters since creation (for summaries, tests and benchmarks). */
  callCounts(): PlatformCallCounts;
  close(): Promise<void>;
}
