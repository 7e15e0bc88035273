/**
 * Platform over a local project directory (the embedded default). Each call is one SQLite
 * statement or transaction; `callCounts()` counts them per operation the way the emulator
 * counts HTTP requests, so tests can assert bundling on either platform.
 */
import type { LabelRowIncludeArgs, LabelRowInitArgs, LabelRowJson, LabelRowMetadata, ProjectInfo, StorageItem } from '../../shared/types.js';
import type {
  LabelSave, ListTasksOptions, Platform, PlatformCallCounts, PlatformDescriptor, ProceedAction, ProceedResult, TaskPage,
} from '../platform.js';
import { LocalProject } from './local-project.js';

export class LocalPlatform implements Platform {
  readonly kind = 'local' as const;
  readonly descriptor: PlatformDescriptor;
  readonly project: LocalProject;
  #calls: PlatformCallCounts = {};

  constructor(dir: string) {
    this.project = LocalProject.open(dir);
    this.descriptor = { kind: 'local', dir: this.project.dir };
  }

  #count(op: string): void {
    this.#calls[op] = (this.#calls[op] ?? 0) + 1;
  }

  async getProject(): Promise<ProjectInfo> {
    this.#count('getProject');
    return this.project.info;
  }

  async listTasks(stageUuid: string, options?: ListTasksOptions): Promise<TaskPage> {
    this.#count('listTasks');
    return this.project.listTasks(stageUuid, options);
  }

  async listLabelRowMetadata(dataHashes: string[], include?: LabelRowIncludeArgs): Promise<LabelRowMetadata[]> {
    this.#count('listLabelRowMetadata');
    return this.project.listLabelRowMetadata(dataHashes, include);
  }

  async getLabelRows(metadata: LabelRowMetadata[], _init?: LabelRowInitArgs): Promise<Map<string, LabelRowJson>> {
    this.#count('getLabelRows');
    return this.project.getLabelRows(metadata.map((m) => m.dataHash));
  }

  async getStorageItems(uuids: string[], options?: { signUrls?: boolean }): Promise<StorageItem[]> {
    this.#count('getStorageItems');
    return this.project.getStorageItems(uuids, options?.signUrls ?? false);
  }

  async getChildItems(item: StorageItem, options?: { signUrls?: boolean }): Promise<StorageItem[]> {
    this.#count('getChildItems');
    return this.project.getChildItems(item.uuid, options?.signUrls ?? false);
  }

  async saveLabelRows(saves: LabelSave[]): Promise<void> {
    this.#count('saveLabelRows');
    this.project.saveLabelRows(saves);
  }

  async setPriorities(priorities: Array<[string, number]>): Promise<void> {
    this.#count('setPriorities');
    this.project.setPriorities(priorities);
  }

  async proceedTasks(stageUuid: string, actions: ProceedAction[]): Promise<ProceedResult> {
    this.#count('proceedTasks');
    return this.project.proceedTasks(stageUuid, actions);
  }

  callCounts(): PlatformCallCounts {
    return { ...this.#calls };
  }

  async close(): Promise<void> {
    this.project.close();
  }
}
