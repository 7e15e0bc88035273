/**
 * A local project: `DIR/project.db` (SQLite) and `DIR/media/`. Synchronous (better-sqlite3) and
 * used from the main thread only: by LocalPlatform for runs, by the `project` CLI commands, and by
 * the emulator that serves it over the Encord protocol. Every write the runner makes is one
 * transaction per bundle.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { confinedMediaPath } from '../../shared/confined-path.js';
import { TaskAgentError } from '../../shared/errors.js';
import { parseOntology, parseWorkflow } from '../../shared/project-schema.js';
import type {
  DataType,
  LabelRowIncludeArgs,
  LabelRowInitArgs,
  LabelRowJson,
  LabelRowMetadata,
  OntologyStructure,
  ProjectInfo,
  StorageItem,
  StorageItemType,
  TaskRecord,
  TaskStatus,
  Workflow,
} from '../../shared/types.js';
import type { LabelSave, ProceedAction, ProceedResult } from '../platform.js';
import { emptyLabelRow, labelTimestamp, type DataUnitInfo } from './label-row-template.js';
import { applyLabelRowInit } from './label-row-init.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { MEDIA_DIR } from './media-types.js';
import { TaskSeqCache } from './task-seq-cache.js';
import { asStorageError } from './storage-errors.js';

export const PROJECT_DB = 'project.db';

export interface NewStorageItem {
  itemType: StorageItemType;
  name: string;
  /** Path relative to DIR/media (null for folders such as image groups). */
  relPath: string | null;
  mimeType: string | null;
  width?: number | null;
  height?: number | null;
  fps?: number | null;
  frameCount?: number | null;
  duration?: number | null;
  codec?: string | null;
  fileSize?: number | null;
  clientMetadata?: Record<string, unknown>;
  importWarning?: string | null;
}

export interface NewDataUnit {
  title: string;
  dataType: DataType;
  item: NewStorageItem;
  children?: NewStorageItem[];
}

/** One keyset page of a stage's tasks (the local "server" side of paging; the emulator serves these). */
export interface TaskPage {
  results: TaskRecord[];
  /** The last listed task's position, or null when the page was not full. */
  nextPageToken: string | null;
}

export interface ListTasksOptions {
  pageToken?: string | null;
  /** 1..10 000 (default 100). */
  pageSize?: number;
  dataHashes?: string[];
}

interface TaskRow {
  seq: number;
  uuid: string;
  data_hash: string;
  stage_uuid: string;
  status: string;
  priority: number | null;
  assignee: string | null;
  last_actioned_by: string | null;
  created_at: string;
  updated_at: string;
  title: string;
}

interface ItemRow {
  uuid: string;
  parent_uuid: string | null;
  child_index: number | null;
  item_type: string;
  name: string;
  rel_path: string | null;
  mime_type: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  frame_count: number | null;
  duration: number | null;
  codec: string | null;
  file_size: number | null;
  client_metadata: string;
  import_warning: string | null;
  created_at: string;
}

const TASK_COLUMNS =
  't.seq, t.uuid, t.data_hash, t.stage_uuid, t.status, t.priority, t.assignee, t.last_actioned_by, t.created_at, t.updated_at, d.title';

/** A page row as an array (`.raw()`: no per-row object with column names), in PAGE_COLUMNS order. */
type PageRow = [
  seq: number,
  uuid: string,
  dataHash: string,
  status: string,
  assignee: string | null,
  lastActionedBy: string | null,
  createdAt: string,
  updatedAt: string,
  title: string,
];
const PAGE_COLUMNS = 't.seq, t.uuid, t.data_hash, t.status, t.assignee, t.last_actioned_by, t.created_at, t.updated_at, d.title';

/** Where each pathway of an agent stage leads, by pathway UUID and by lower-cased title. */
interface PathwayLookup {
  byUuid: Map<string, string>;
  byTitle: Map<string, string>;
}

export class LocalProject {
  readonly dir: string;
  readonly mediaDir: string;
  /** The SQLite handle, for this folder's own modules (twin-project.ts) and tests; everything else uses the methods. */
  readonly db: Database.Database;
  #info: ProjectInfo;
  readonly #datasetHash: string;
  #stmts: ReturnType<LocalProject['prepare']>;
  readonly #pathways = new Map<string, PathwayLookup>();
  readonly #listedSeqs = new TaskSeqCache();

  private constructor(dir: string, db: Database.Database) {
    this.dir = dir;
    this.mediaDir = join(dir, MEDIA_DIR);
    this.db = db;
    this.#info = this.readInfo();
    this.#datasetHash = this.meta('datasetHash');
    this.#stmts = this.prepare();
  }

  /** Create a project directory (fails if one already exists there). */
  static create(dir: string, init: { workflow: Workflow; ontology: OntologyStructure; title?: string }): LocalProject {
    const abs = resolve(dir);
    if (existsSync(join(abs, PROJECT_DB))) {
      throw new TaskAgentError('TA_CFG_INVALID', `a project already exists in ${abs}`, {
        hint: 'choose another directory or remove project.db',
      });
    }
    const workflow = parseWorkflow(init.workflow, 'workflow');
    const ontology = parseOntology(init.ontology, 'ontology');
    if (!workflow.stages.some((s) => s.stageType === 'AGENT')) {
      throw new TaskAgentError('TA_CFG_PROJECT_INVALID', 'the workflow has no AGENT stage', {
        hint: 'add at least one stage with stageType "AGENT"',
      });
    }
    mkdirSync(join(abs, MEDIA_DIR), { recursive: true });
    const db = new Database(join(abs, PROJECT_DB));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA_SQL);
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    const now = new Date().toISOString();
    db.transaction(() => {
      put.run('schemaVersion', String(SCHEMA_VERSION));
      put.run('projectHash', randomUUID());
      put.run('title', init.title ?? 'Local project');
      put.run('ontologyHash', randomUUID());
      put.run('datasetHash', randomUUID());
      put.run('rootFolderUuid', randomUUID());
      put.run('createdAt', now);
      put.run('workflow', JSON.stringify(workflow));
      put.run('ontology', JSON.stringify(ontology));
    })();
    return new LocalProject(abs, db);
  }

  /** Open an existing project directory; `readOnly` opens a connection that cannot write (`project view`). */
  static open(dir: string, { readOnly = false }: { readOnly?: boolean } = {}): LocalProject {
    const abs = resolve(dir);
    if (!existsSync(join(abs, PROJECT_DB))) {
      throw new TaskAgentError('TA_CFG_PROJECT_NOT_FOUND', `no local project at ${abs} (missing ${PROJECT_DB})`, {
        hint: `create one with \`task-agents project init ${dir}\``,
      });
    }
    let db: Database.Database;
    try {
      db = new Database(join(abs, PROJECT_DB), { fileMustExist: true, readonly: readOnly });
      if (!readOnly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('busy_timeout = 5000');
      // Checkpoint every ~40 MB of WAL instead of every 4 MB: a run's proceeds rewrite the same
      // index pages bundle after bundle, and each checkpoint writes them back (and syncs) again.
      db.pragma('wal_autocheckpoint = 10000');
      // An 8 MB page cache (better-sqlite3 builds SQLite with 16 MB): it holds a run's working set
      // (the stage index and the rows around the current page; 4 MB was measurably slower), and a
      // larger one only grew memory with the size of the project.
      db.pragma('cache_size = -8000');
    } catch (cause) {
      const storage = asStorageError(cause, 'opening the project', abs);
      if (storage !== cause) throw storage;
      throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `cannot open ${join(abs, PROJECT_DB)}`, { cause });
    }
    try {
      return new LocalProject(abs, db);
    } catch (e) {
      db.close();
      if (e instanceof TaskAgentError) throw e;
      throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `${join(abs, PROJECT_DB)} is not a task-agents project`, { cause: e });
    }
  }

  static exists(dir: string): boolean {
    return existsSync(join(resolve(dir), PROJECT_DB));
  }

  /** The projectHash of the project in `dir`, or null when it has none (read-only peek). */
  static readProjectHash(dir: string): string | null {
    try {
      const db = new Database(join(resolve(dir), PROJECT_DB), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare("SELECT value FROM meta WHERE key = 'projectHash'").get() as { value: string } | undefined;
        return row?.value.toLowerCase() ?? null;
      } finally {
        db.close();
      }
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private meta(key: string): string {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    if (row === undefined) throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `project.db has no "${key}"`);
    return row.value;
  }

  private readInfo(): ProjectInfo {
    return {
      projectHash: this.meta('projectHash'),
      title: this.meta('title'),
      description: '',
      ontologyHash: this.meta('ontologyHash'),
      ontology: parseOntology(JSON.parse(this.meta('ontology')), 'project.db'),
      workflow: parseWorkflow(JSON.parse(this.meta('workflow')), 'project.db'),
    };
  }

  private prepare() {
    const db = this.db;
    return {
      page: db
        .prepare(
          `SELECT ${PAGE_COLUMNS} FROM tasks t JOIN data_units d ON d.data_hash = t.data_hash WHERE t.stage_uuid = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
        )
        .raw(),
      pageOfHashes: db
        .prepare(
          `SELECT ${PAGE_COLUMNS} FROM tasks t JOIN data_units d ON d.data_hash = t.data_hash
        WHERE t.stage_uuid = ? AND t.seq > ? AND t.data_hash IN (SELECT value FROM json_each(?)) ORDER BY t.seq LIMIT ?`,
        )
        .raw(),
      taskStage: db.prepare('SELECT stage_uuid FROM tasks WHERE uuid = ?'),
      move: db.prepare(
        "UPDATE tasks SET stage_uuid = ?, status = 'NEW', version = version + 1, updated_at = ?, last_actioned_by = 'agent' WHERE uuid = ? AND stage_uuid = ?",
      ),
      // The same move for a task whose seq is known; uuid is still checked, so a wrong seq moves nothing.
      moveBySeq: db.prepare(
        "UPDATE tasks SET stage_uuid = ?, status = 'NEW', version = version + 1, updated_at = ?, last_actioned_by = 'agent' WHERE seq = ? AND uuid = ? AND stage_uuid = ?",
      ),
      priority: db.prepare('UPDATE tasks SET priority = ?, version = version + 1 WHERE data_hash = ?'),
      saveLabel: db.prepare(
        'UPDATE label_rows SET json = ?, label_hash = coalesce(label_hash, ?), last_edited_at = ?, label_status = ? WHERE data_hash = ?',
      ),
      initLabel: db.prepare(
        'UPDATE label_rows SET json = ?, label_hash = ?, created_at = ?, last_edited_at = ? WHERE data_hash = ? AND label_hash IS NULL',
      ),
      item: db.prepare('SELECT * FROM storage_items WHERE uuid = ?'),
      children: db.prepare('SELECT * FROM storage_items WHERE parent_uuid = ? ORDER BY child_index'),
      unit: db.prepare('SELECT * FROM data_units WHERE data_hash = ?'),
      label: db.prepare('SELECT * FROM label_rows WHERE data_hash = ?'),
      labelByHash: db.prepare('SELECT * FROM label_rows WHERE label_hash = ?'),
      currentTask: db.prepare('SELECT uuid, stage_uuid, priority, assignee FROM tasks WHERE data_hash = ? ORDER BY seq DESC LIMIT 1'),
      dataHashes: db.prepare('SELECT data_hash FROM data_units ORDER BY rowid').pluck(),
    };
  }

  get info(): ProjectInfo {
    return this.#info;
  }

  get datasetHash(): string {
    return this.#datasetHash;
  }

  // ---------------------------------------------------------------- import

  /**
   * Add data units: storage item(s), data unit, uninitialised label row, and a task in the first
   * stage of the workflow. One transaction for the whole list.
   */
  addDataUnits(units: NewDataUnit[]): string[] {
    const firstStage = this.#info.workflow.stages[0].uuid;
    const now = new Date().toISOString();
    const insItem = this.db
      .prepare(`INSERT INTO storage_items (uuid, parent_uuid, child_index, item_type, name, rel_path, mime_type, width, height, fps,
      frame_count, duration, codec, file_size, client_metadata, import_warning, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    const insUnit = this.db.prepare(
      'INSERT INTO data_units (data_hash, title, data_type, storage_item_uuid, created_at) VALUES (?,?,?,?,?)',
    );
    const insLabel = this.db.prepare('INSERT INTO label_rows (data_hash) VALUES (?)');
    const insTask = this.db.prepare('INSERT INTO tasks (uuid, data_hash, stage_uuid, created_at, updated_at) VALUES (?,?,?,?,?)');
    const root = this.meta('rootFolderUuid');
    const addItem = (it: NewStorageItem, parent: string, index: number | null): string => {
      const uuid = randomUUID();
      insItem.run(
        uuid,
        parent,
        index,
        it.itemType,
        it.name,
        it.relPath,
        it.mimeType,
        it.width ?? null,
        it.height ?? null,
        it.fps ?? null,
        it.frameCount ?? null,
        it.duration ?? null,
        it.codec ?? null,
        it.fileSize ?? null,
        JSON.stringify(it.clientMetadata ?? {}),
        it.importWarning ?? null,
        now,
      );
      return uuid;
    };
    const hashes: string[] = [];
    this.db
      .transaction(() => {
        for (const u of units) {
          const itemUuid = addItem(u.item, root, null);
          (u.children ?? []).forEach((c, i) => addItem(c, itemUuid, i));
          const dataHash = randomUUID();
          insUnit.run(dataHash, u.title, u.dataType, itemUuid, now);
          insLabel.run(dataHash);
          insTask.run(randomUUID(), dataHash, firstStage, now, now);
          hashes.push(dataHash);
        }
      })
      .immediate();
    return hashes;
  }

  // ---------------------------------------------------------------- reading

  private toTask(r: TaskRow): TaskRecord {
    return {
      uuid: r.uuid,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      status: r.status as TaskStatus,
      dataHash: r.data_hash,
      dataTitle: r.title,
      labelBranchName: 'main',
      assignee: r.assignee,
      lastActionedBy: r.last_actioned_by,
    };
  }

  private toItem(r: ItemRow, signUrls = false): StorageItem {
    return {
      uuid: r.uuid,
      parent: r.parent_uuid ?? '',
      itemType: r.item_type as StorageItemType,
      name: r.name,
      description: '',
      clientMetadata: r.client_metadata,
      createdAt: r.created_at,
      lastEditedAt: r.created_at,
      backedDataUnitsCount: r.parent_uuid === null ? 0 : 1,
      storageLocation: 'directAccess',
      url: r.rel_path,
      signedUrl: signUrls ? r.rel_path : null,
      fileSize: r.file_size,
      mimeType: r.mime_type,
      duration: r.duration,
      fps: r.fps,
      height: r.height,
      width: r.width,
      frameCount: r.frame_count,
      codec: r.codec,
    };
  }

  listTasks(stageUuid: string, options: ListTasksOptions = {}): TaskPage {
    const after = options.pageToken ? Number(options.pageToken) : 0;
    const size = Math.max(1, Math.min(options.pageSize ?? 100, 10_000));
    // With dataHashes, only those tasks are read (by index), as Encord's `dataHashes` filter does.
    const rows = (
      options.dataHashes
        ? this.#stmts.pageOfHashes.all(stageUuid, after, JSON.stringify(options.dataHashes), size)
        : this.#stmts.page.all(stageUuid, after, size)
    ) as PageRow[];
    const full = rows.length === size;
    const last = rows.at(-1)?.[0];
    const results = new Array<TaskRecord>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [seq, uuid, dataHash, status, assignee, lastActionedBy, createdAt, updatedAt, dataTitle] = rows[i];
      results[i] = {
        uuid,
        createdAt,
        updatedAt,
        status: status as TaskStatus,
        dataHash,
        dataTitle,
        labelBranchName: 'main',
        assignee,
        lastActionedBy,
      };
      this.#listedSeqs.remember(uuid, seq);
    }
    return { results, nextPageToken: full && last !== undefined ? String(last) : null };
  }

  /** Every task, optionally of one stage (for `project tasks`). */
  allTasks(stageUuid?: string): Array<TaskRecord & { stageUuid: string; priority: number | null }> {
    const sql = `SELECT ${TASK_COLUMNS} FROM tasks t JOIN data_units d ON d.data_hash = t.data_hash ${stageUuid ? 'WHERE t.stage_uuid = ?' : ''} ORDER BY t.seq`;
    const rows = (stageUuid ? this.db.prepare(sql).all(stageUuid) : this.db.prepare(sql).all()) as TaskRow[];
    return rows.map((r) => ({ ...this.toTask(r), stageUuid: r.stage_uuid, priority: r.priority }));
  }

  /** Per stage: tasks waiting and when the longest-waiting one entered it (ISO; the emulator's task-ready webhooks). */
  queuesByStage(): Map<string, { count: number; oldestEnteredAt: string }> {
    const rows = this.db
      .prepare('SELECT stage_uuid, count(*) AS n, min(updated_at) AS oldest FROM tasks GROUP BY stage_uuid')
      .all() as Array<{ stage_uuid: string; n: number; oldest: string }>;
    return new Map(rows.map((r) => [r.stage_uuid, { count: r.n, oldestEnteredAt: r.oldest }]));
  }

  /** The stage a task is in, or null when there is no such task. */
  stageOfTask(taskUuid: string): string | null {
    const row = this.#stmts.taskStage.get(taskUuid) as { stage_uuid: string } | undefined;
    return row?.stage_uuid ?? null;
  }

  /** The assignee of a data unit's current task (null when unassigned or without a task). */
  assigneeOf(dataHash: string): string | null {
    const row = this.#stmts.currentTask.get(dataHash) as { assignee: string | null } | undefined;
    return row?.assignee ?? null;
  }

  /** Every data unit's hash, in import order. */
  dataHashes(): string[] {
    return this.#stmts.dataHashes.all() as string[];
  }

  countsByStage(): Map<string, number> {
    const rows = this.db.prepare('SELECT stage_uuid, count(*) AS n FROM tasks GROUP BY stage_uuid').all() as Array<{
      stage_uuid: string;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.stage_uuid, r.n]));
  }

  private unitInfo(dataHash: string): DataUnitInfo | null {
    const u = this.#stmts.unit.get(dataHash) as
      { data_hash: string; title: string; data_type: DataType; storage_item_uuid: string } | undefined;
    if (!u) return null;
    const item = this.#stmts.item.get(u.storage_item_uuid) as ItemRow;
    const children = this.#stmts.children.all(item.uuid) as ItemRow[];
    return {
      dataHash: u.data_hash,
      title: u.title,
      dataType: u.data_type,
      datasetHash: this.datasetHash,
      datasetTitle: this.#info.title,
      item: this.toItem(item),
      children: children.map((c) => this.toItem(c)),
    };
  }

  listLabelRowMetadata(dataHashes: string[], include: LabelRowIncludeArgs = {}): LabelRowMetadata[] {
    const out: LabelRowMetadata[] = [];
    const stages = new Map(this.#info.workflow.stages.map((s) => [s.uuid, s]));
    for (const h of dataHashes) {
      const du = this.unitInfo(h);
      if (!du) continue;
      const lr = this.#stmts.label.get(h) as
        { label_hash: string | null; label_status: string; created_at: string | null; last_edited_at: string | null } | undefined;
      const task = this.#stmts.currentTask.get(h) as { uuid: string; stage_uuid: string; priority: number | null } | undefined;
      const stage = task ? stages.get(task.stage_uuid) : undefined;
      const it = du.item;
      const meta: LabelRowMetadata = {
        labelHash: lr?.label_hash ?? null,
        branchName: include.branchName ?? 'main',
        dataHash: h,
        dataTitle: du.title,
        dataType: du.dataType,
        datasetHash: du.datasetHash,
        datasetTitle: du.datasetTitle,
        dataLink: du.dataType === 'IMG_GROUP' ? null : it.url,
        labelStatus: lr?.label_status ?? 'NOT_LABELLED',
        numberOfFrames: du.dataType === 'IMG_GROUP' ? du.children.length : (it.frameCount ?? 1),
        framesPerSecond: it.fps,
        duration: it.duration,
        width: it.width,
        height: it.height,
        taskUuid: task?.uuid ?? null,
        priority: task?.priority ?? null,
        fileType: it.mimeType,
        backingItemUuid: it.uuid,
        createdAt: lr?.created_at ?? null,
        lastEditedAt: lr?.last_edited_at ?? null,
      };
      if (include.includeWorkflowGraphNode !== false && stage) meta.workflowGraphNode = { uuid: stage.uuid, title: stage.title };
      if (include.includeClientMetadata) meta.clientMetadata = JSON.parse(it.clientMetadata) as Record<string, unknown>;
      if (include.includeImagesData && du.dataType === 'IMG_GROUP') {
        meta.imagesData = du.children.map((c, i) => ({
          index: i,
          title: c.name,
          fileType: c.mimeType ?? '',
          height: c.height ?? 0,
          width: c.width ?? 0,
          imageHash: c.uuid,
        }));
      }
      out.push(meta);
    }
    return out;
  }

  /**
   * Label rows by data hash; uninitialised rows are created (Encord's labelrow PUT). `init`
   * filters the content as Encord's initialise_labels does (label-row-init.ts).
   * Write transactions here are IMMEDIATE: worker threads open the same file (twins, clients), and a
   * deferred read-then-write transaction fails at once with "database is locked" when another
   * connection committed in between, where an immediate one waits (busy_timeout).
   */
  getLabelRows(dataHashes: string[], init?: LabelRowInitArgs): Map<string, LabelRowJson> {
    const out = new Map<string, LabelRowJson>();
    this.db
      .transaction(() => {
        for (const h of dataHashes) {
          const row = this.#stmts.label.get(h) as { json: string | null; label_hash: string | null } | undefined;
          if (!row) continue;
          if (row.json !== null) {
            out.set(h, applyLabelRowInit(JSON.parse(row.json) as LabelRowJson, init));
            continue;
          }
          const du = this.unitInfo(h);
          if (!du) continue;
          const lr = emptyLabelRow(du);
          const ts = lr.created_at as string;
          this.#stmts.initLabel.run(JSON.stringify(lr), lr.label_hash, ts, ts, h);
          out.set(h, lr);
        }
      })
      .immediate();
    return out;
  }

  /** The stored label row, or the template an uninitialised row would get (does not write). */
  peekLabelRow(dataHash: string): LabelRowJson | null {
    const row = this.#stmts.label.get(dataHash) as { json: string | null } | undefined;
    if (!row) return null;
    if (row.json !== null) return JSON.parse(row.json) as LabelRowJson;
    const du = this.unitInfo(dataHash);
    if (!du) return null;
    return { ...emptyLabelRow(du), label_hash: null };
  }

  /** The stored row of a label hash, filtered by `init` when given (as getLabelRows). */
  labelRowByHash(labelHash: string, init?: LabelRowInitArgs): LabelRowJson | null {
    const row = this.#stmts.labelByHash.get(labelHash) as { json: string | null } | undefined;
    if (!row?.json) return null;
    const parsed = JSON.parse(row.json) as LabelRowJson;
    return init ? applyLabelRowInit(parsed, init) : parsed;
  }

  getStorageItems(uuids: string[], signUrls = false): StorageItem[] {
    const out: StorageItem[] = [];
    for (const u of uuids) {
      const r = this.#stmts.item.get(u) as ItemRow | undefined;
      if (r) out.push(this.toItem(r, signUrls));
    }
    return out;
  }

  getChildItems(itemUuid: string, signUrls = false): StorageItem[] {
    return (this.#stmts.children.all(itemUuid) as ItemRow[]).map((r) => this.toItem(r, signUrls));
  }

  /** Absolute path of a media file, confined to DIR/media (see confinedMediaPath). */
  mediaPath(relPath: string): string {
    return confinedMediaPath(this.mediaDir, relPath);
  }

  // ---------------------------------------------------------------- writing

  /** Replaces storage items' client metadata; unknown items are ignored. One transaction. */
  updateClientMetadata(patches: Array<{ itemUuid: string; clientMetadata: Record<string, unknown> }>): void {
    const put = this.db.prepare('UPDATE storage_items SET client_metadata = ? WHERE uuid = ?');
    this.db
      .transaction(() => {
        for (const p of patches) put.run(JSON.stringify(p.clientMetadata), p.itemUuid);
      })
      .immediate();
  }

  saveLabelRows(saves: LabelSave[]): void {
    const now = labelTimestamp();
    this.db
      .transaction(() => {
        for (const s of saves) {
          const hasLabels =
            Object.keys(s.labelRow.object_answers ?? {}).length + Object.keys(s.labelRow.classification_answers ?? {}).length > 0;
          // The server owns the status and edit time, as Encord's does.
          const status = hasLabels ? 'LABELLED' : 'NOT_LABELLED';
          const json = { ...s.labelRow, last_edited_at: now, label_status: status };
          this.#stmts.saveLabel.run(JSON.stringify(json), s.labelHash ?? json.label_hash ?? randomUUID(), now, status, s.dataHash);
        }
      })
      .immediate();
  }

  setPriorities(priorities: Array<[string, number]>): void {
    this.db
      .transaction(() => {
        for (const [h, p] of priorities) this.#stmts.priority.run(p, h);
      })
      .immediate();
  }

  /**
   * Proceed tasks out of a stage along a pathway (by uuid or, case-insensitively, by title).
   * A task no longer in that stage is reported skipped; the others are still moved.
   */
  proceedTasks(stageUuid: string, actions: ProceedAction[]): ProceedResult {
    const stage = this.#info.workflow.stages.find((s) => s.uuid === stageUuid);
    if (!stage) throw new TaskAgentError('TA_STAGE_UNKNOWN', `stage ${stageUuid} is not in the workflow`);
    const pathways = this.#pathwayLookup(stage);
    const moved: string[] = [];
    const skipped: string[] = [];
    const now = new Date().toISOString();
    const { move, moveBySeq } = this.#stmts;
    this.db
      .transaction(() => {
        for (const a of actions) {
          const destination =
            a.pathwayUuid !== undefined
              ? pathways.byUuid.get(a.pathwayUuid)
              : a.pathwayName !== undefined
                ? pathways.byTitle.get(a.pathwayName.toLowerCase())
                : undefined;
          if (destination === undefined) {
            throw new TaskAgentError('TA_PATHWAY_UNKNOWN', `stage "${stage.title}" has no pathway ${a.pathwayUuid ?? a.pathwayName}`, {
              hint: `valid pathways: ${(stage.pathways ?? []).map((p) => p.title).join(', ')}`,
            });
          }
          const seq = this.#listedSeqs.seqOf(a.taskUuid);
          let changes = seq === undefined ? 0 : moveBySeq.run(destination, now, seq, a.taskUuid, stageUuid).changes;
          if (changes === 0) changes = move.run(destination, now, a.taskUuid, stageUuid).changes;
          (changes === 1 ? moved : skipped).push(a.taskUuid);
        }
      })
      .immediate();
    return { moved, skipped };
  }

  /** Built once per stage: a bundle of proceeds looks each action's pathway up, not through the list. */
  #pathwayLookup(stage: Workflow['stages'][number]): PathwayLookup {
    let lookup = this.#pathways.get(stage.uuid);
    if (!lookup) {
      const byUuid = new Map<string, string>();
      const byTitle = new Map<string, string>();
      // The first pathway with a title wins, as the list search did.
      for (const p of stage.pathways ?? []) {
        if (!byUuid.has(p.uuid)) byUuid.set(p.uuid, p.destinationUuid);
        const title = p.title.toLowerCase();
        if (!byTitle.has(title)) byTitle.set(title, p.destinationUuid);
      }
      lookup = { byUuid, byTitle };
      this.#pathways.set(stage.uuid, lookup);
    }
    return lookup;
  }

  /** All label rows in Encord's label-row JSON, uninitialised ones as their empty template. */
  exportLabelRows(): LabelRowJson[] {
    return this.dataHashes()
      .map((h) => this.peekLabelRow(h))
      .filter((r): r is LabelRowJson => r !== null);
  }
}

/** Relative path of a file inside a media folder, for storing. */
export function relativeMediaPath(mediaDir: string, abs: string): string {
  return relative(mediaDir, abs).split(sep).join('/');
}
