/**
 * One pass over one stage: take its tasks from the platform's page stream, re-batched to
 * task-batch-size (task-batches.ts: no part of a page is ever dropped), prefetch what the stage's
 * agents need once per batch (label-row metadata, label rows, storage items: bulk calls), split
 * the batch into chunks for the workers with a bounded in-flight window, and feed outcomes to the
 * commit buffer. The next batch (its pages and its data) is fetched while the current one runs. A
 * chunk lost to a crashed worker is re-run one task per message, so only the task that crashes fails.
 * Chunks are as large as a batch allows (one per thread, so per-message costs are amortised), and
 * the pool takes two per thread, so the next chunk is waiting the moment a worker finishes one.
 */
import { TaskAgentError, serializeError } from '../shared/errors.js';
import type { StageManifest, TaskOutcome, TaskPayload } from '../shared/protocol.js';
import type { LabelRowMetadata, TaskRecord, WorkflowStage } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';
import type { ResolvedRunOptions } from './run-options.js';
import type { ChunkRunner } from './worker-pool.js';
import type { RunReport } from './run-report.js';
import type { Progress } from './progress.js';
import type { CommitEntry, Commits } from './commit-buffer.js';
import { InFlightWindow } from './in-flight-window.js';
import { TaskBatches } from './task-batches.js';

export interface ResolvedStage {
  index: number;
  manifest: StageManifest;
  stage: WorkflowStage & { pathways: NonNullable<WorkflowStage['pathways']> };
}

export interface RunControl {
  stopping: boolean;
  aborting: boolean;
}

/** Restricts a pass to some tasks: listed by data hash (fewer, smaller pages), then accepted one by one. */
export interface TaskFilter {
  dataHashes?: string[];
  accept?: (task: TaskRecord) => boolean;
}

export interface StagePassContext {
  stage: ResolvedStage;
  filter?: TaskFilter;
  /** Sees every page of tasks the pass takes (a service measures queue lag with it). */
  onListed?: (tasks: TaskRecord[]) => void;
  platform: Platform;
  pool: ChunkRunner;
  options: ResolvedRunOptions;
  report: RunReport;
  progress: Progress;
  commits: Commits;
  control: RunControl;
}

/** A commit entry that carries its task's title, for the failure report if the commit fails. */
export interface TitledCommitEntry extends CommitEntry {
  dataTitle: string;
}

/** The title of a task whose commit failed (every entry the stage pass adds is titled). */
export function dataTitleOf(e: CommitEntry): string {
  return (e as Partial<TitledCommitEntry>).dataTitle ?? '';
}

interface Batch {
  payloads: TaskPayload[];
  /** Tasks that failed during prefetch (e.g. no label row), with their error. */
  failed: Array<{ task: TaskRecord; error: TaskAgentError }>;
}

/** Tasks per message at most: enough to amortise a message (piscina moves ~22k messages/s). */
const MAX_CHUNK = 1024;

/** What the stage's agents need for these tasks, in bulk calls. */
async function prefetchBatch(ctx: StagePassContext, tasks: TaskRecord[]): Promise<Batch> {
  const { platform, stage } = ctx;
  const m = stage.manifest;
  const payloads: TaskPayload[] = tasks.map((task) => ({ task }));
  const failed: Batch['failed'] = [];
  if (m.needsMetadata) {
    const metas = await platform.listLabelRowMetadata(tasks.map((t) => t.dataHash), { includeWorkflowGraphNode: true, ...m.labelRowInclude });
    const byHash = new Map<string, LabelRowMetadata>(metas.map((x) => [x.dataHash, x]));
    for (const p of payloads) {
      const meta = byHash.get(p.task.dataHash);
      if (meta) p.metadata = meta;
    }
    if (m.needsLabelRow) {
      const withMeta = payloads.filter((p) => p.metadata).map((p) => p.metadata!);
      const rows = await platform.getLabelRows(withMeta, m.labelRowInit);
      for (const p of payloads) {
        const row = rows.get(p.task.dataHash);
        if (row) p.labelRow = row;
      }
    }
    if (m.needsStorageItem) {
      const uuids = [...new Set(payloads.map((p) => p.metadata?.backingItemUuid).filter((u): u is string => !!u))];
      const items = await platform.getStorageItems(uuids, { signUrls: true });
      const byUuid = new Map(items.map((i) => [i.uuid, i]));
      for (const p of payloads) {
        const item = p.metadata?.backingItemUuid ? byUuid.get(p.metadata.backingItemUuid) : undefined;
        if (item) p.storageItem = item;
      }
      // Image groups and sequences: their frames are child items (one call per item, as Encord has no bulk form).
      for (const p of payloads) {
        const it = p.storageItem;
        if (it && (it.itemType === 'imageGroup' || it.itemType === 'imageSequence')) p.children = await platform.getChildItems(it, { signUrls: true });
      }
    }
  }
  // Tasks whose data is gone fail here with a clear code instead of inside the agent.
  const ready: TaskPayload[] = [];
  for (const p of payloads) {
    if (m.needsMetadata && !p.metadata) failed.push({ task: p.task, error: new TaskAgentError('TA_LABEL_ROW_MISSING', `no label-row metadata for "${p.task.dataTitle}"`) });
    else ready.push(p);
  }
  return { payloads: ready, failed };
}

/** The stage's task pages, narrowed by the pass's filter (tasks it does not accept are not this pass's: never listed). */
async function* filteredPages(ctx: StagePassContext): AsyncGenerator<TaskRecord[]> {
  const only = ctx.filter;
  const pages = ctx.platform.taskPages(ctx.stage.stage.uuid, only?.dataHashes ? { dataHashes: only.dataHashes } : {});
  for await (const page of pages) {
    const kept = only?.accept ? page.filter(only.accept) : page;
    if (kept.length === 0) continue;
    ctx.onListed?.(kept);
    yield kept;
  }
}

export async function runStagePass(ctx: StagePassContext): Promise<void> {
  const { stage, options, report, progress, commits, control, pool } = ctx;
  const stageUuid = stage.stage.uuid;
  // Two chunks per thread: one running, one waiting (the local pool's queue is sized for this).
  const window = new InFlightWindow(options.threads * 2);
  let recordError: { error: unknown } | undefined;
  /** Tasks dispatched, or failed before dispatch (both count as attempted). */
  let attempted = 0;
  /** Tasks of chunks dropped by an abort (second Ctrl-C): attempted, never reported. */
  let abandoned = 0;

  const record = (o: TaskOutcome, dataTitle: string) => {
    if (o.ok) {
      const entry: TitledCommitEntry = { taskUuid: o.taskUuid, dataHash: o.dataHash, stageUuid, pathway: o.pathway, dataTitle };
      if (o.labelRow) entry.labelRow = o.labelRow;
      if (o.priority !== undefined) entry.priority = o.priority;
      if (o.twinWrites) entry.twinWrites = o.twinWrites;
      commits.add(entry);
    } else {
      report.failed(stageUuid, { taskUuid: o.taskUuid, dataHash: o.dataHash, dataTitle }, o.error);
    }
  };
  // The local pool's workers report finished tasks themselves (per task, see worker-events.ts);
  // otherwise (queue mode) progress moves as chunks return.
  const tickOnReturn = !pool.reportsProgress;
  const tick = (o: TaskOutcome) => progress.tick(stageUuid, { failed: o.ok ? 0 : 1 });

  // Outcomes come back in chunk order; the lookup is a fallback that should never be needed.
  const recordChunk = (chunk: TaskPayload[], outcomes: TaskOutcome[]) => {
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      const task = chunk[i]?.task.uuid === o.taskUuid ? chunk[i].task : chunk.find((p) => p.task.uuid === o.taskUuid)?.task;
      record(o, task?.dataTitle ?? '');
      if (tickOnReturn) tick(o);
    }
  };

  const dispatch = (chunk: TaskPayload[], isolated = false): Promise<void> =>
    pool.runChunk({ stageIndex: stage.index, stageUuid, tasks: chunk }).then(
      (r) => recordChunk(chunk, r.outcomes),
      async (err: unknown) => {
        if (control.aborting) {
          abandoned += chunk.length;
          return;
        }
        if (!isolated && chunk.length > 1) {
          // Which task killed the worker is unknown: run each alone; only the culprit fails.
          for (const p of chunk) await dispatch([p], true);
          return;
        }
        const what = err instanceof Error ? err.message : String(err);
        const error = serializeError(new TaskAgentError('TA_WORKER_CRASHED', `the worker running "${chunk[0].task.dataTitle}" died: ${what}`));
        for (const p of chunk) {
          const o: TaskOutcome = { ok: false, taskUuid: p.task.uuid, dataHash: p.task.dataHash, attempts: 1, error };
          record(o, p.task.dataTitle);
          tick(o); // its worker died before it could report it
        }
      },
    );

  const batches = new TaskBatches(filteredPages(ctx), options.taskBatchSize, options.maxTasksPerStage);
  const nextBatch = (): Promise<Batch | null> => batches.next().then((tasks) => (tasks ? prefetchBatch(ctx, tasks) : null));
  let pending: Promise<Batch | null> | null = nextBatch();
  try {
    while (pending && !control.stopping) {
      const batch: Batch | null = await pending;
      // The following batch (its pages and its data) is fetched while this one runs.
      pending = batch ? nextBatch() : null;
      if (!batch) break;
      progress.addTotal(stageUuid, batch.payloads.length + batch.failed.length);
      attempted += batch.failed.length;
      report.attempted(stageUuid, batch.failed.length);
      for (const f of batch.failed) {
        const o: TaskOutcome = { ok: false, taskUuid: f.task.uuid, dataHash: f.task.dataHash, attempts: 0, error: serializeError(f.error) };
        record(o, f.task.dataTitle);
        tick(o); // failed before reaching a worker
      }
      const chunkSize = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(batch.payloads.length / options.threads)));
      for (let i = 0; i < batch.payloads.length && !control.stopping; i += chunkSize) {
        await window.acquire();
        if (control.stopping) {
          window.release();
          break;
        }
        const chunk = batch.payloads.slice(i, i + chunkSize);
        attempted += chunk.length;
        report.attempted(stageUuid, chunk.length);
        dispatch(chunk)
          .catch((error: unknown) => { recordError ??= { error }; })
          .finally(() => window.release());
      }
    }
  } finally {
    // A batch prefetched before a stop is dropped: nothing of it was dispatched (counted below).
    if (pending) await pending.catch(() => undefined);
    await window.drain();
    await batches.close();
  }
  // Every listed task must end attempted and reported, or be counted here with its cause: listed
  // past the cap (still buffered once it was reached), or left by a stop. Anything else is a bug.
  report.listed(stageUuid, batches.listed);
  const pastCap = batches.capped ? batches.buffered : 0;
  if (pastCap > 0) report.unfinished(stageUuid, 'max-tasks-per-stage', pastCap);
  const left = batches.listed - attempted - pastCap + abandoned;
  if (left > 0) report.unfinished(stageUuid, control.stopping || control.aborting ? 'interrupted' : 'lost', left);
  if (recordError) throw recordError.error;
}
