/**
 * Platform over a local project directory (the embedded default). Each call is one SQLite
 * statement or transaction; `callCounts()` counts them per operation the way the emulator
 * counts HTTP requests, so tests can assert bundling on either platform. A full disk or an I/O
 * error is a coded TA_PLATFORM_STORAGE_* error (storage-errors.ts), never a raw SqliteError.
 */
import type { LabelRowIncludeArgs, LabelRowInitArgs, LabelRowJson, LabelRowMetadata, ProjectInfo, StorageItem } from '../../shared/types.js';
import type {
  LabelSave, ListTasksOptions, Platform, PlatformCallCounts, PlatformDescriptor, ProceedAction, ProceedResult, TaskPage,
} from '../platform.js';
import { LocalProject } from './local-project.js';
import { withStorageErrors } from './storage-errors.js';

export class LocalPlatform implements Platform {
  readonly kind = 'local' as const;
  readonly descriptor: PlatformDescriptor;
  readonly project: LocalProject;
  #calls: PlatformCallCounts = {};

  constructor(dir: string) {
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

  async listTasks(stageUuid: string, options?: ListTasksOptions): Promise<TaskPage> {
    return this.#op('listTasks', 'listing tasks', () => this.project.listTasks(stageUuid, options));
  }

  async listLabelRowMetadata(dataHashes: string[], include?: LabelRowIncludeArgs): Promise<LabelRowMetadata[]> {
    return this.#op('listLabelRowMetadata', 'reading label-row metadata', () => this.project.listLabelRowMetadata(dataHashes, include));
  }

  async getLabelRows(metadata: LabelRowMetadata[], _init?: LabelRowInitArgs): Promise<Map<string, LabelRowJson>> {
    return this.#op('getLabelRows', 'reading label rows', () => this.project.getLabelRows(metadata.map((m) => m.dataHash)));
  }

  async getStorageItems(uuids: string[], options?: { signUrls?: boolean }): Promise<StorageItem[]> {
    return this.#op('getStorageItems', 'reading storage items', () => this.project.getStorageItems(uuids, options?.signUrls ?? false));
  }

  async getChildItems(item: StorageItem, options?: { signUrls?: boolean }): Promise<StorageItem[]> {
    return this.#op('getChildItems', 'reading child items', () => this.project.getChildItems(item.uuid, options?.signUrls ?? false));
  }

  async saveLabelRows(saves: LabelSave[]): Promise<void> {
    return this.#op('saveLabelRows', 'saving label rows', () => this.project.saveLabelRows(saves));
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
