/**
 * A stage's failure pathway (StageOptions.onFailure, `--on-failure`): a task whose attempts are
 * exhausted (its agent or a dependency failed every attempt, or its worker crashed) is moved along
 * it instead of staying, with its error written first — to a text classification on its label row
 * (saved with the move, in the commit buffer's order: save, then proceed) or to a key of its storage
 * item's client metadata (written before the move is queued). Whatever the stage did not fetch for
 * its agents is fetched here in bulk. The task is still reported failed (with `movedTo`); the
 * summary counts it under `failedMoved`. If the error cannot be written, the task fails as it would
 * have without a pathway and stays in its stage.
 */
import { TaskAgentError, type ErrorCode, type SerializedError } from '../shared/errors.js';
import type { FailurePathway } from '../shared/protocol.js';
import type { LabelRowJson, LabelRowMetadata, OntologyStructure, StorageItem } from '../shared/types.js';
import { LabelRow, Ontology } from '../shared/label-row/index.js';
import { resolvePathway } from '../shared/workflow.js';
import type { Platform } from '../platform/platform.js';
import type { FailedTask, FailureRouting, ResolvedStage } from './stage-pass.js';
import type { FailureMove } from './task-result.js';
import type { TaskResultSink } from './task-result-sink.js';

/** Failures no further attempt or pathway is about: the platform's, the run's own, a bug. */
const NOT_ROUTED = new Set<ErrorCode>([
  'TA_COMMIT_FAILED',
  'TA_PLATFORM_UNREACHABLE',
  'TA_PLATFORM_UNAUTHORIZED',
  'TA_PLATFORM_REQUEST_FAILED',
  'TA_INTERNAL',
  'TA_CFG_INVALID',
  'TA_AUTH_KEY_MISSING',
  'TA_AUTH_KEY_INVALID',
  'TA_AUTH_KEY_IS_PATH',
  'TA_TWIN_PROJECT_UNAVAILABLE',
]);

export function isRoutable(code: ErrorCode): boolean {
  return !NOT_ROUTED.has(code);
}

/** `classification:NAME` / `metadata:KEY` (the `--on-failure-record` flag) → a record. */
export function parseFailureRecord(flag: string | undefined): FailurePathway['record'] {
  if (flag === undefined) return undefined;
  const i = flag.indexOf(':');
  const kind = flag.slice(0, i);
  const name = flag.slice(i + 1);
  return kind === 'classification' ? { classification: name } : { clientMetadata: name };
}

export interface ResolvedFailurePathway {
  pathway: { uuid: string; title: string };
  record: FailurePathway['record'];
}

/**
 * Checks a stage's failure pathway against the stage and the ontology before any task runs.
 * @throws TaskAgentError TA_CFG_INVALID (no such pathway, or no such text classification)
 */
export function resolveFailurePathway(stage: ResolvedStage, config: FailurePathway, ontology: OntologyStructure): ResolvedFailurePathway {
  let pathway: { uuid: string; title: string };
  try {
    pathway = resolvePathway(config.pathway, stage.stage);
  } catch (e) {
    throw new TaskAgentError('TA_CFG_INVALID', `the failure pathway "${config.pathway}" of stage "${stage.stage.title}" does not exist`, {
      hint: (e as TaskAgentError).hint,
      cause: e,
    });
  }
  const record = config.record;
  if (record && 'classification' in record) {
    const c = new Ontology(ontology).classifications.find(
      (x) => x.name === record.classification || x.featureNodeHash === record.classification,
    );
    if (!c || c.attributes[0]?.type !== 'text') {
      const texts =
        new Ontology(ontology).classifications
          .filter((x) => x.attributes[0]?.type === 'text')
          .map((x) => `"${x.name}"`)
          .join(', ') || 'none';
      throw new TaskAgentError(
        'TA_CFG_INVALID',
        `stage "${stage.stage.title}" records failures in classification "${record.classification}", which is not a text classification of the ontology`,
        { hint: `text classifications: ${texts}` },
      );
    }
  }
  if (record && 'clientMetadata' in record && record.clientMetadata.length === 0)
    throw new TaskAgentError('TA_CFG_INVALID', 'the client-metadata key for failures is empty');
  return { pathway, record };
}

/** What is written for a failure. */
function failureText(e: SerializedError): string {
  return `${e.code}: ${e.message}`.slice(0, 1000);
}

export class FailureRouter implements FailureRouting {
  constructor(
    private readonly platform: Platform,
    private readonly stage: ResolvedStage,
    private readonly ontology: OntologyStructure,
    private readonly config: ResolvedFailurePathway,
    private readonly results: TaskResultSink,
    /** Dry runs write nothing, client metadata included. */
    private readonly dryRun: boolean,
  ) {}

  takes(error: SerializedError): boolean {
    return isRoutable(error.code);
  }

  async route(items: FailedTask[]): Promise<void> {
    const stage = this.stage.stage;
    let labelRows = new Map<string, LabelRowJson>();
    try {
      const record = this.config.record;
      if (record && 'classification' in record) labelRows = await this.#labelRows(items);
      if (record && 'clientMetadata' in record) await this.#writeMetadata(items, record.clientMetadata);
    } catch (e) {
      // The error could not be recorded: the tasks fail as they would without a pathway, and stay.
      const why = e instanceof Error ? e.message : String(e);
      for (const it of items) {
        const error = {
          ...it.error,
          message: `${it.error.message} (not moved along "${this.config.pathway.title}": recording the error failed: ${why})`,
        };
        this.results.settle({ task: it.payload.task, stage, outcome: { kind: 'failed', error } });
      }
      return;
    }
    for (const it of items) {
      const t = it.payload.task;
      const outcome: FailureMove = { kind: 'failure-move', pathway: this.config.pathway, error: it.error };
      const row = labelRows.get(t.dataHash);
      if (row) outcome.labelRow = this.#withError(row, it.error);
      this.results.settle({ task: t, stage, outcome });
    }
  }

  /** Full label rows (never the stage's init-filtered ones: saving those would drop labels). */
  async #labelRows(items: FailedTask[]): Promise<Map<string, LabelRowJson>> {
    const unfiltered = Object.keys(this.stage.manifest.labelRowInit).length === 0;
    const have = new Map<string, LabelRowJson>();
    const need: string[] = [];
    for (const it of items) {
      if (unfiltered && it.payload.labelRow) have.set(it.payload.task.dataHash, it.payload.labelRow);
      else need.push(it.payload.task.dataHash);
    }
    if (need.length > 0) {
      const metas = await this.platform.listLabelRowMetadata(need, { includeWorkflowGraphNode: true });
      for (const [h, r] of await this.platform.getLabelRows(metas)) have.set(h, r);
    }
    const missing = items.filter((it) => !have.has(it.payload.task.dataHash));
    if (missing.length > 0)
      throw new TaskAgentError(
        'TA_LABEL_ROW_MISSING',
        `no label row for ${missing.length} failed task(s) (first: "${missing[0].payload.task.dataTitle}")`,
      );
    return have;
  }

  #withError(row: LabelRowJson, error: SerializedError): LabelRowJson {
    const record = this.config.record as { classification: string };
    const lr = new LabelRow(row, this.ontology);
    for (const c of lr.classifications({ name: record.classification })) lr.removeClassification(c.classificationHash);
    lr.addClassification({ name: record.classification, answer: failureText(error) });
    return lr.toJSON();
  }

  /** Merges `{ [key]: the error }` into each task's storage item's client metadata, one bulk write. */
  async #writeMetadata(items: FailedTask[], key: string): Promise<void> {
    const byItem = new Map<string, StorageItem>();
    const itemOf = new Map<string, string>();
    const needMeta: string[] = [];
    for (const it of items) {
      if (it.payload.storageItem) {
        byItem.set(it.payload.storageItem.uuid, it.payload.storageItem);
        itemOf.set(it.payload.task.dataHash, it.payload.storageItem.uuid);
      } else if (it.payload.metadata?.backingItemUuid) {
        itemOf.set(it.payload.task.dataHash, it.payload.metadata.backingItemUuid);
      } else {
        needMeta.push(it.payload.task.dataHash);
      }
    }
    if (needMeta.length > 0) {
      const metas: LabelRowMetadata[] = await this.platform.listLabelRowMetadata(needMeta, {});
      for (const m of metas) if (m.backingItemUuid) itemOf.set(m.dataHash, m.backingItemUuid);
    }
    const unknown = [...new Set(itemOf.values())].filter((u) => !byItem.has(u));
    // Fresh items for the current metadata: the write replaces the whole object.
    if (unknown.length > 0) for (const i of await this.platform.getStorageItems(unknown)) byItem.set(i.uuid, i);
    const patches = new Map<string, Record<string, unknown>>();
    for (const it of items) {
      const uuid = itemOf.get(it.payload.task.dataHash);
      const item = uuid ? byItem.get(uuid) : undefined;
      if (!uuid || !item)
        throw new TaskAgentError('TA_STORAGE_ITEM_MISSING', `no storage item for failed task "${it.payload.task.dataTitle}"`);
      const current = patches.get(uuid) ?? parseMetadata(item.clientMetadata);
      current[key] = {
        code: it.error.code,
        message: it.error.message.slice(0, 2000),
        ...(it.error.hint && { hint: it.error.hint }),
        stage: this.stage.stage.title,
        taskUuid: it.payload.task.uuid,
        failedAt: new Date().toISOString(),
      };
      patches.set(uuid, current);
    }
    if (!this.dryRun)
      await this.platform.updateClientMetadata([...patches].map(([itemUuid, clientMetadata]) => ({ itemUuid, clientMetadata })));
  }
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
