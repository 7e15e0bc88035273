/**
 * EncordPlatform: the Platform interface over the Encord API (or our emulator of it), making the
 * same calls the Python runner makes (protocol reference §10) and splitting bulk operations into
 * the SDK's request limits (§6). Where the Python runner loses a whole batch — the backend rejects
 * an entire actions request with 400 when one task already left the stage — this re-checks which
 * tasks are still in the stage, re-sends only those, and reports the others as skipped; when the
 * request had been re-sent after a lost response, a task that left is counted as moved if it is
 * where its pathway leads (our first attempt moved it). Label-row creation is not idempotent on
 * Encord, so after an ambiguous fault it re-reads which rows now exist before creating the rest.
 */
import { isTaskAgentError, TaskAgentError } from '../../shared/errors.js';
import type {
  LabelRowIncludeArgs,
  LabelRowInitArgs,
  LabelRowJson,
  LabelRowMetadata,
  ProjectInfo,
  StorageItem,
  TaskRecord,
} from '../../shared/types.js';
import { findStage } from '../../shared/workflow.js';
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
import { DEFAULT_ENCORD_DOMAIN, loadEncordKey, normalizeDomain } from './credentials.js';
import { EncordHttpClient, type EncordHttpOptions } from './http.js';
import { downloadMedia, type DownloadMediaOptions, type DownloadResult } from './media-download.js';
import { parseOpenSshPrivateKey } from './ssh-key.js';
import type { V1Resource } from './signing.js';
import {
  agentTaskFromWire,
  labelRowCreatePayload,
  labelRowFromWire,
  labelRowGetPayload,
  labelRowMetadataFromWire,
  labelRowMetadataPayload,
  labelRowSavePayload,
  pageFromWire,
  prioritiesToWire,
  proceedActionsToWire,
  projectFromWire,
  storageGetBulkToWire,
  storageItemFromWire,
  storagePatchBulkToWire,
  taskListQuery,
} from './wire.js';

/** Per-request limits (the SDK's bundle defaults as the agents runner uses them). */
export interface EncordLimits {
  /** Workflow actions per request (LABEL_ROW_BUNDLE_DEFAULT_LIMIT). */
  actions: number;
  /** Label rows per v1 labelrow GET / PUT (LABEL_ROW_BUNDLE_GET_LIMIT). */
  labelGets: number;
  /** Label rows per v1 labelrow POST (the runner's `Bundle(bundle_size=min(100, batch))`). */
  labelSaves: number;
  /** Priority pairs per request (same inner bundle as saves). */
  priorities: number;
  /** Storage items per get-bulk (STORAGE_BUNDLE_CREATE_LIMIT). */
  storageItems: number;
  /** Data hashes per labelrowmetadata call (not limited by the SDK; kept bounded here). */
  metadata: number;
  /** Data hashes per task re-listing when checking for stale tasks (URL length). */
  taskLookup: number;
}

export const ENCORD_LIMITS: EncordLimits = Object.freeze({
  actions: 1000,
  labelGets: 1000,
  labelSaves: 100,
  priorities: 100,
  storageItems: 1000,
  metadata: 1000,
  taskLookup: 100,
});

export interface EncordPlatformOptions {
  projectHash: string;
  /** API domain; default `ENCORD_DOMAIN`, else https://api.encord.com. */
  domain?: string;
  /** OpenSSH ed25519 private key text; default read from ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE. */
  keyText?: string;
  /** Environment to read credentials from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Transport options (retry policy, timeouts, dispatcher, user-agent suffix). */
  http?: Omit<EncordHttpOptions, 'domain' | 'key'>;
  limits?: Partial<EncordLimits>;
  /** How many task uuid → data hash entries to remember for stale-task checks (default 200 000). */
  taskCacheSize?: number;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Platform over the Encord HTTP API. Create with createEncordPlatform(). */
export class EncordPlatform implements Platform {
  readonly kind = 'encord' as const;
  readonly descriptor: PlatformDescriptor;
  readonly bundleLimits: BundleLimits;
  readonly http: EncordHttpClient;
  private readonly projectHash: string;
  private readonly limits: EncordLimits;
  private readonly resource: V1Resource;
  /** Task uuid → data hash, from listed pages; lets a stale-task check list by dataHashes. */
  private readonly taskDataHash = new Map<string, string>();
  private readonly taskCacheSize: number;
  private downloads = 0;
  /** From getProject(): the workflow tells where a pathway leads. */
  private project: ProjectInfo | undefined;

  constructor(
    descriptor: Extract<PlatformDescriptor, { kind: 'encord' }>,
    options: Pick<EncordPlatformOptions, 'http' | 'limits' | 'taskCacheSize'> = {},
  ) {
    this.descriptor = descriptor;
    this.projectHash = descriptor.projectHash;
    this.limits = { ...ENCORD_LIMITS, ...options.limits };
    // A bundle the runner hands over is exactly one request.
    this.bundleLimits = Object.freeze({ saves: this.limits.labelSaves, priorities: this.limits.priorities, proceeds: this.limits.actions });
    this.taskCacheSize = options.taskCacheSize ?? 200_000;
    this.resource = { type: 'project', id: descriptor.projectHash };
    const key = parseOpenSshPrivateKey(descriptor.keyText, 'the platform descriptor');
    this.http = new EncordHttpClient({ ...options.http, domain: descriptor.domain, key });
  }

  private get p(): string {
    return `projects/${this.projectHash}`;
  }

  async getProject(): Promise<ProjectInfo> {
    const project = await this.http.v2('GET', this.p, { op: 'getProject' });
    const ontologyHash = (project as { ontologyHash?: unknown } | undefined)?.ontologyHash;
    const ontology =
      typeof ontologyHash === 'string' ? await this.http.v2('GET', `ontologies/${ontologyHash}`, { op: 'getOntology' }) : undefined;
    this.project = projectFromWire(project, ontology);
    return this.project;
  }

  /** The server's pages as they come (their size is the server's), following nextPageToken as the SDK does. */
  async *taskPages(stageUuid: string, options: TaskPagesOptions = {}): AsyncGenerator<TaskRecord[]> {
    const path = `${this.p}/workflow/stages/${stageUuid}/tasks`;
    const query = taskListQuery({ ...(options.dataHashes !== undefined && { dataHashes: options.dataHashes }) });
    let pageToken: string | null = null;
    do {
      const page: { results: TaskRecord[]; nextPageToken: string | null } = await this.http.v2Page(path, query, agentTaskFromWire, {
        pageToken,
        op: 'listTasks',
        what: 'task',
      });
      for (const t of page.results) this.rememberTask(t.uuid, t.dataHash);
      // A filtered page can be empty and still point to more.
      if (page.results.length > 0) yield page.results;
      pageToken = page.nextPageToken;
    } while (pageToken !== null);
  }

  async listLabelRowMetadata(dataHashes: string[], include?: LabelRowIncludeArgs): Promise<LabelRowMetadata[]> {
    const out: LabelRowMetadata[] = [];
    for (const part of chunks([...new Set(dataHashes)], this.limits.metadata)) {
      const rows = await this.http.v1<unknown>('labelrowmetadata', 'GET', {
        payload: labelRowMetadataPayload(part, include),
        resource: this.resource,
        op: 'listLabelRowMetadata',
      });
      if (!Array.isArray(rows)) throw malformed('labelrowmetadata response', 'expected a list');
      for (const r of rows) out.push(labelRowMetadataFromWire(r));
    }
    return out;
  }

  async getLabelRows(metadata: LabelRowMetadata[], init?: LabelRowInitArgs): Promise<Map<string, LabelRowJson>> {
    const out = new Map<string, LabelRowJson>();
    const byLabelHash = new Map<string, LabelRowMetadata>();
    for (const m of metadata) if (m.labelHash !== null) byLabelHash.set(m.labelHash, m);
    for (const part of chunks([...byLabelHash.keys()], this.limits.labelGets)) {
      const rows = await this.http.v1<unknown>('labelrow', 'GET', {
        uid: part,
        payload: labelRowGetPayload(init),
        resource: this.resource,
        op: 'getLabelRows',
      });
      if (!Array.isArray(rows)) throw malformed('labelrow GET response', 'expected a list');
      for (const r of rows.map(labelRowFromWire)) {
        const meta = typeof r.label_hash === 'string' ? byLabelHash.get(r.label_hash) : undefined;
        out.set(meta?.dataHash ?? r.data_hash, r);
      }
    }
    const created = await this.createLabelRows(
      metadata.filter((m) => m.labelHash === null).map((m) => ({ dataHash: m.dataHash, branchName: m.branchName })),
      init,
    );
    for (const [h, r] of created) out.set(h, r);
    return out;
  }

  /**
   * v1 labelrow PUT for rows without a label hash, per branch, ≤ labelGets per request; keyed by
   * data hash. Creating is not idempotent (the SDK never retries it): after an ambiguous fault the
   * rows the server did create are read back, and only the others are created again.
   */
  private async createLabelRows(
    rows: Array<{ dataHash: string; branchName: string }>,
    init?: LabelRowInitArgs,
  ): Promise<Map<string, LabelRowJson>> {
    const out = new Map<string, LabelRowJson>();
    const byBranch = new Map<string, string[]>();
    for (const r of rows) byBranch.set(r.branchName, [...(byBranch.get(r.branchName) ?? []), r.dataHash]);
    for (const [branch, hashes] of byBranch) {
      for (const part of chunks([...new Set(hashes)], this.limits.labelGets)) {
        let todo = part;
        for (let round = 1; todo.length > 0; round++) {
          try {
            const made = await this.http.v1<unknown>('labelrow', 'PUT', {
              uid: todo,
              payload: labelRowCreatePayload(init, branch),
              resource: this.resource,
              idempotent: false,
              op: 'createLabelRows',
            });
            if (!Array.isArray(made)) throw malformed('labelrow PUT response', 'expected a list');
            for (const r of made.map(labelRowFromWire)) out.set(r.data_hash, r);
            todo = [];
          } catch (e) {
            if (!isTaskAgentError(e) || e.details?.['ambiguous'] !== true || !this.http.allowRetry(round)) throw e;
            const existing = (await this.listLabelRowMetadata(todo, { branchName: branch })).filter((m) => m.labelHash !== null);
            for (const [h, r] of await this.getLabelRows(existing, init)) out.set(h, r);
            const done = new Set(existing.map((m) => m.dataHash));
            todo = todo.filter((h) => !done.has(h));
          }
        }
      }
    }
    return out;
  }

  async getStorageItems(uuids: string[], options: { signUrls?: boolean } = {}): Promise<StorageItem[]> {
    if (uuids.length === 0) return [];
    const found = new Map<string, StorageItem>();
    for (const part of chunks([...new Set(uuids)], this.limits.storageItems)) {
      const body = await this.http.v2('POST', 'storage/items/get-bulk', {
        body: storageGetBulkToWire(part, options.signUrls ?? false),
        op: 'getStorageItems',
      });
      for (const item of pageFromWire(body, storageItemFromWire, 'storage item').results) found.set(item.uuid, item);
    }
    const missing = uuids.filter((u) => !found.has(u));
    if (missing.length > 0) {
      throw new TaskAgentError(
        'TA_STORAGE_ITEM_MISSING',
        `The platform returned no storage item for ${missing.length} of ${uuids.length} uuids (first: ${missing[0]}).`,
        { details: { missing } },
      );
    }
    return uuids.map((u) => found.get(u) as StorageItem);
  }

  async getChildItems(item: StorageItem, options: { signUrls?: boolean } = {}): Promise<StorageItem[]> {
    const out: StorageItem[] = [];
    const path = `storage/folders/${item.parent}/items/${item.uuid}/child-items`;
    for await (const child of this.http.v2Paged(path, [['signUrls', options.signUrls ?? false]], storageItemFromWire, {
      op: 'getChildItems',
      what: 'child item',
    }))
      out.push(child);
    return out;
  }

  async saveLabelRows(saves: LabelSave[]): Promise<void> {
    if (saves.length === 0) return;
    // Rows never initialised have no label hash yet: create them first, as initialise_labels would.
    const needHash = saves.filter((s) => (s.labelHash ?? s.labelRow.label_hash) == null);
    const created =
      needHash.length === 0
        ? new Map<string, LabelRowJson>()
        : await this.createLabelRows(
            needHash.map((s) => ({
              dataHash: s.dataHash,
              branchName: typeof s.labelRow['branch_name'] === 'string' ? s.labelRow['branch_name'] : 'main',
            })),
          );
    const resolved = saves.map((s) => {
      const hash = s.labelHash ?? s.labelRow.label_hash ?? created.get(s.dataHash)?.label_hash ?? null;
      if (hash === null)
        throw new TaskAgentError(
          'TA_LABEL_ROW_MISSING',
          `Could not obtain a label hash for data unit ${s.dataHash}; its labels were not saved.`,
        );
      return { hash, row: { ...s.labelRow, label_hash: hash } };
    });
    for (const part of chunks(resolved, this.limits.labelSaves)) {
      await this.http.v1('labelrow', 'POST', {
        uid: part.map((r) => r.hash),
        payload: labelRowSavePayload(part.map((r) => r.row)),
        resource: this.resource,
        op: 'saveLabelRows',
      });
    }
  }

  async updateClientMetadata(patches: ClientMetadataPatch[]): Promise<void> {
    for (const part of chunks(patches, this.limits.storageItems)) {
      await this.http.v2('PATCH', 'storage/items/patch-bulk', { body: storagePatchBulkToWire(part), op: 'updateClientMetadata' });
    }
  }

  async setPriorities(priorities: Array<[string, number]>): Promise<void> {
    for (const part of chunks(priorities, this.limits.priorities)) {
      await this.http.v2('POST', `${this.p}/priorities`, { body: prioritiesToWire(part), op: 'setPriorities' });
    }
  }

  async proceedTasks(stageUuid: string, actions: ProceedAction[]): Promise<ProceedResult> {
    const result: ProceedResult = { moved: [], skipped: [] };
    // One action per task: a duplicate would make the backend reject the whole request.
    const unique = [...new Map(actions.map((a) => [a.taskUuid, a])).values()];
    for (const a of unique) if (a.dataHash !== undefined) this.rememberTask(a.taskUuid, a.dataHash);
    for (const part of chunks(unique, this.limits.actions)) await this.proceedChunk(stageUuid, part, result, 0);
    for (const u of result.moved) this.taskDataHash.delete(u);
    for (const u of result.skipped) this.taskDataHash.delete(u);
    return result;
  }

  private async proceedChunk(stageUuid: string, part: ProceedAction[], result: ProceedResult, round: number): Promise<void> {
    try {
      await this.http.v2('POST', `${this.p}/workflow/stages/${stageUuid}/actions`, {
        body: proceedActionsToWire(part),
        op: 'proceedTasks',
      });
      result.moved.push(...part.map((a) => a.taskUuid));
    } catch (e) {
      const status = isTaskAgentError(e) ? e.details?.['status'] : undefined;
      // The backend rejects the whole request (400 InvalidArguments) when any task left the stage.
      if ((status !== 400 && status !== 404) || round >= 3) throw e;
      const present = await this.tasksInStage(
        stageUuid,
        part.map((a) => a.taskUuid),
      );
      const still = part.filter((a) => present.has(a.taskUuid));
      if (still.length === part.length) throw e; // every task is still there: the 400 is about something else
      const gone = part.filter((a) => !present.has(a.taskUuid));
      // Re-sent after a lost response: the first attempt may have moved them itself.
      const ours = (e as TaskAgentError).details?.['resent'] === true ? await this.atDestination(stageUuid, gone) : new Set<string>();
      for (const a of gone) (ours.has(a.taskUuid) ? result.moved : result.skipped).push(a.taskUuid);
      if (still.length > 0) await this.proceedChunk(stageUuid, still, result, round + 1);
    }
  }

  /** Which of these task uuids are still in the stage: re-listed by data hash when known, else by listing the stage. */
  private async tasksInStage(stageUuid: string, taskUuids: string[]): Promise<Set<string>> {
    const wanted = new Set(taskUuids);
    const present = new Set<string>();
    const hashes = taskUuids.map((u) => this.taskDataHash.get(u));
    const path = `${this.p}/workflow/stages/${stageUuid}/tasks`;
    const collect = async (query: Array<[string, unknown]>): Promise<void> => {
      for await (const t of this.http.v2Paged(path, query, agentTaskFromWire, { op: 'listTasks', what: 'task' }))
        if (wanted.has(t.uuid)) present.add(t.uuid);
    };
    if (hashes.every((h): h is string => h !== undefined)) {
      for (const part of chunks([...new Set(hashes)], this.limits.taskLookup)) await collect(taskListQuery({ dataHashes: part }));
    } else {
      await collect([]);
    }
    return present;
  }

  /**
   * Which of these tasks (gone from `stageUuid`) are now in the stage their action's pathway leads
   * to, by their label rows' workflow node. Tasks whose data hash is unknown are not claimed.
   */
  private async atDestination(stageUuid: string, actions: ProceedAction[]): Promise<Set<string>> {
    const stage = findStage((this.project ?? (await this.getProject())).workflow.stages, stageUuid);
    const byHash = new Map<string, { taskUuid: string; destination: string }>();
    for (const a of actions) {
      const pathway = stage?.pathways?.find((p) => p.uuid === a.pathwayUuid || (a.pathwayUuid === undefined && p.title === a.pathwayName));
      const dataHash = this.taskDataHash.get(a.taskUuid);
      if (pathway && dataHash !== undefined) byHash.set(dataHash, { taskUuid: a.taskUuid, destination: pathway.destinationUuid });
    }
    const ours = new Set<string>();
    if (byHash.size === 0) return ours;
    for (const m of await this.listLabelRowMetadata([...byHash.keys()], { includeWorkflowGraphNode: true })) {
      const want = byHash.get(m.dataHash);
      if (want && m.workflowGraphNode?.uuid === want.destination) ours.add(want.taskUuid);
    }
    return ours;
  }

  private rememberTask(uuid: string, dataHash: string): void {
    if (this.taskDataHash.size >= this.taskCacheSize) {
      const oldest = this.taskDataHash.keys().next();
      if (!oldest.done) this.taskDataHash.delete(oldest.value);
    }
    this.taskDataHash.set(uuid, dataHash);
  }

  /**
   * Streams media from a signed URL to a file; an expired URL is refreshed once through
   * `options.refresh` (see signedUrlRefresher).
   */
  async downloadMedia(signedUrl: string, destPath: string, options: DownloadMediaOptions = {}): Promise<DownloadResult> {
    this.downloads++;
    return downloadMedia(signedUrl, destPath, options);
  }

  /**
   * Downloads the item's signed URL to `tempPath()`. The URL was signed when its batch was
   * fetched; a long queue can outlive it, so an expired one is re-signed once.
   */
  async mediaFile(item: StorageItem, tempPath: () => string): Promise<MediaFile> {
    if (!item.signedUrl) throw new TaskAgentError('TA_MEDIA_MISSING', `storage item "${item.name}" has no signed URL`);
    const path = tempPath();
    try {
      await this.downloadMedia(item.signedUrl, path, { refresh: this.signedUrlRefresher(item) });
    } catch (e) {
      if (isTaskAgentError(e) && e.code === 'TA_MEDIA_DOWNLOAD_FAILED') throw e;
      // The refresh failed (the item is gone, the API is down): still a failed download.
      throw new TaskAgentError(
        'TA_MEDIA_DOWNLOAD_FAILED',
        `Downloading the media of storage item ${item.uuid} failed: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    return { path, temporary: true };
  }

  /** A refresh callback for downloadMedia: re-fetches the storage item with a fresh signed URL. */
  signedUrlRefresher(item: Pick<StorageItem, 'uuid'>): () => Promise<string | null> {
    return async () => (await this.getStorageItems([item.uuid], { signUrls: true }))[0]?.signedUrl ?? null;
  }

  callCounts(): PlatformCallCounts {
    return { ...this.http.callCounts(), ...(this.downloads > 0 && { downloadMedia: this.downloads }), httpAttempts: this.http.attempts() };
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function malformed(what: string, detail: string): TaskAgentError {
  return new TaskAgentError('TA_PLATFORM_REQUEST_FAILED', `The platform returned a malformed ${what}: ${detail}.`);
}

/**
 * Creates an EncordPlatform. Without `keyText` the key comes from ENCORD_SSH_KEY / ENCORD_SSH_KEY_FILE
 * (and the domain from ENCORD_DOMAIN), exactly as encord-agents reads them.
 * @throws TaskAgentError TA_AUTH_KEY_MISSING / TA_AUTH_KEY_IS_PATH / TA_AUTH_KEY_INVALID
 */
export function createEncordPlatform(options: EncordPlatformOptions): EncordPlatform {
  const env = options.env ?? process.env;
  let keyText: string;
  let domain: string;
  if (options.keyText !== undefined) {
    parseOpenSshPrivateKey(options.keyText, 'the keyText option'); // fail early with a coded error
    keyText = options.keyText;
    domain = normalizeDomain(options.domain ?? (env['ENCORD_DOMAIN'] || DEFAULT_ENCORD_DOMAIN));
  } else {
    const creds = loadEncordKey(env);
    keyText = creds.keyText;
    domain = options.domain !== undefined ? normalizeDomain(options.domain) : creds.domain;
  }
  return new EncordPlatform({ kind: 'encord', projectHash: options.projectHash, domain, keyText }, options);
}
