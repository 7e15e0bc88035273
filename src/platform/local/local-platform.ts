/**
 * Platform over a local project directory (the embedded default). Each call is one SQLite
 * statement or transaction; `callCounts()` counts them per operation the way the emulator
 * counts HTTP requests, so tests can assert bundling on either platform. A full disk or an I/O
 * error is a coded TA_PLATFORM_STORAGE_* error (storage-errors.ts), never a raw SqliteError.
 */
import { existsSync } from 'node:fs';
import { TaskAgentError } from '../../shared/errors.js';
import type {
  LabelRowIncludeArgs,
  LabelRowInitArgs,
  LabelRowJson,
  LabelRowMetadata,
  ProjectInfo,
  StorageItem,
  TaskRecord,
} from '../../shared/types.js';
import type {
  BundleLimits,
  ClientMetadataPatch,
  LabelSave,
  MediaFile,
  Platform,
  PlatformCallCounts,
  PlatformDescriptor,
  ProceedAction,
  ProceedResult,
  TaskPagesOptions,
} from '../platform.js';
import { LocalProject } from './local-project.js';
import { withStorageErrors } from './storage-errors.js';

/**
 * Tasks per page of a local stage listing. The runner re-batches pages to --task-batch-size, so
 * this only trades queries against memory; `TA_LOCAL_PAGE_SIZE` (1..10 000) overrides it, for
 * tests that vary what the "server" decides.
 */
export const LOCAL_PAGE_SIZE = 1000;

/**
 * SQLite has no request limits: one bundle is one transaction. These sizes (Encord's, so both
 * platforms commit alike) already amortise a commit (~375k proceeds/s at 100+ a transaction)
 * while keeping each write lock short for other writers.
 */
export const LOCAL_BUNDLE_LIMITS: BundleLimits = Object.freeze({ saves: 100, priorities: 100, proceeds: 1000 });

export interface LocalPlatformOptions {
  /** Tasks per page of taskPages (default TA_LOCAL_PAGE_SIZE, else LOCAL_PAGE_SIZE). */
  pageSize?: number;
  /** Write bundle sizes (default LOCAL_BUNDLE_LIMITS). */
  bundleLimits?: Partial<BundleLimits>;
}

// The env name in backticks: a variable, not an error code (the catalog test scans quoted TA_ strings).
function pageSizeFromEnv(): number | undefined {
  const v = process.env[`TA_LOCAL_PAGE_SIZE`];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new TaskAgentError('TA_CFG_INVALID', `TA_LOCAL_PAGE_SIZE must be an integer in 1..10000, got "${v}"`, {
      hint: 'unset it to use the default',
    });
  }
  return n;
}

export class LocalPlatform implements Platform {
  readonly kind = 'local' as const;
  readonly descriptor: PlatformDescriptor;
  readonly bundleLimits: BundleLimits;
  readonly project: LocalProject;
  #calls: PlatformCallCounts = {};

  readonly #pageSize: number;

  constructor(dir: string, options: LocalPlatformOptions = {}) {
    this.#pageSize = options.pageSize ?? pageSizeFromEnv() ?? LOCAL_PAGE_SIZE;
    this.bundleLimits = options.bundleLimits ? Object.freeze({ ...LOCAL_BUNDLE_LIMITS, ...options.bundleLimits }) : LOCAL_BUNDLE_LIMITS;
    this.project = withStorageErrors(dir, 'opening the project', () => LocalProject.open(dir));
    this.descriptor = { kind: 'local', dir: this.project.dir };
  }

  /** Counts the operation and runs it; storage failures come out coded. */
  #op<T>(op: string, doing: string, fn: () => T): T {
    this.#calls[op] = (this.#calls[op] ?? 0) + 1;
    return withStorageErrors(this.project.dir, doing, fn);
  }

  async getProject(): Promise<ProjectInfo> {
    return this.#op('getProject', 'reading the project', () => this.project.info);
  }

  /** Keyset pages by insertion sequence: tasks leaving the stage meanwhile never shift a page. */
  async *taskPages(stageUuid: string, options: TaskPagesOptions = {}): AsyncGenerator<TaskRecord[]> {
    let pageToken: string | null = null;
    do {
      const page = this.#op('listTasks', 'listing tasks', () =>
        this.project.listTasks(stageUuid, {
          pageToken,
          pageSize: this.#pageSize,
          ...(options.dataHashes && { dataHashes: options.dataHashes }),
        }),
      );
      if (page.results.length > 0) yield page.results;
      pageToken = page.nextPageToken;
    } while (pageToken !== null);
  }

  async listLabelRowMetadata(dataHashes: string[], include?: LabelRowIncludeArgs): Promise<LabelRowMetadata[]> {
    return this.#op('listLabelRowMetadata', 'reading label-row metadata', () => this.project.listLabelRowMetadata(dataHashes, include));
  }

  async getLabelRows(metadata: LabelRowMetadata[], init?: LabelRowInitArgs): Promise<Map<string, LabelRowJson>> {
    return this.#op('getLabelRows', 'reading label rows', () =>
      this.project.getLabelRows(
        metadata.map((m) => m.dataHash),
        init ?? {},
      ),
    );
  }

  async getStorageItems(uuids: string[], options?: { signUrls?: boolean }): Promise<StorageItem[]> {
    return this.#op('getStorageItems', 'reading storage items', () => this.project.getStorageItems(uuids, options?.signUrls ?? false));
  }

  async getChildItems(item: StorageItem, options?: { signUrls?: boolean }): Promise<StorageItem[]> {
    return this.#op('getChildItems', 'reading child items', () => this.project.getChildItems(item.uuid, options?.signUrls ?? false));
  }

  /** The file inside the project's media folder itself (confined to it): no copy, no download. */
  async mediaFile(item: StorageItem, _tempPath: () => string): Promise<MediaFile> {
    if (!item.url) throw new TaskAgentError('TA_MEDIA_MISSING', `storage item "${item.name}" has no media file`);
    const path = this.project.mediaPath(item.url);
    if (!existsSync(path))
      throw new TaskAgentError('TA_MEDIA_MISSING', `the media file of "${item.name}" is missing`, {
        hint: 'restore it in the project media folder or re-import it',
      });
    return { path, temporary: false };
  }

  async saveLabelRows(saves: LabelSave[]): Promise<void> {
    return this.#op('saveLabelRows', 'saving label rows', () => this.project.saveLabelRows(saves));
  }

  async updateClientMetadata(patches: ClientMetadataPatch[]): Promise<void> {
    return this.#op('updateClientMetadata', 'writing client metadata', () => this.project.updateClientMetadata(patches));
  }

  async setPriorities(priorities: Array<[string, number]>): Promise<void> {
    return this.#op('setPriorities', 'setting priorities', () => this.project.setPriorities(priorities));
  }

  async proceedTasks(stageUuid: string, actions: ProceedAction[]): Promise<ProceedResult> {
    return this.#op('proceedTasks', 'moving tasks', () => this.project.proceedTasks(stageUuid, actions));
  }

  callCounts(): PlatformCallCounts {
    return { ...this.#calls };
  }

  async close(): Promise<void> {
    this.project.close();
  }
}
