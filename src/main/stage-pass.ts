/**
 * One pass over one stage: take its tasks from the platform's page stream, re-batched to
 * task-batch-size (task-batches.ts: no part of a page is ever dropped), prefetch what the stage's
 * agents need once per batch (label-row metadata, label rows, storage items: bulk calls), split
 * the batch into chunks for the workers with a bounded in-flight window, and hand each task's
 * result to the project's TaskResultSink (the only way to the report, the progress lines and the
 * commit buffer). The next batch (its pages and its data) is fetched while the current one runs. A
 * chunk lost to a crashed worker is re-run one task per message, so only the task that crashes fails.
 * Chunks are as large as a batch allows (one per thread, or the whole batch when its tasks are quick:
 * chunk-sizing.ts), and the pool takes two per thread, so the next chunk is waiting the moment a
 * worker finishes one.
 * A batch whose prefetch failed (the platform has already retried within the run's budget) fails
 * its tasks with the platform's code and the next batch goes on; a page that cannot be listed ends
 * the pass: what was listed before it is run and reported, then the listing's error is thrown.
 */
import { TaskAgentError, isTaskAgentError, serializeError, type SerializedError } from '../shared/errors.js';
import { capError } from '../shared/cap-text.js';
import type { StageManifest, TaskOutcome, TaskPayload } from '../shared/protocol.js';
import type { LabelRowMetadata, TaskRecord, WorkflowStage } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';
import type { ResolvedRunOptions } from './run-options.js';
import type { ChunkRunner } from './worker-pool.js';
import { endsTheRun, failedOutcomes, runAbortedOutcomes } from './chunk-outcomes.js';
import type { TaskResultSink } from './task-result-sink.js';
import { NOT_STARTED, type Outcome, type TaskResult } from './task-result.js';
import { InFlightWindow } from './in-flight-window.js';
import { ChunkSizing } from './chunk-sizing.js';
import { TaskBatches } from './task-batches.js';

export interface ResolvedStage {
  index: number;
  manifest: StageManifest;
  stage: WorkflowStage & { pathways: NonNullable<WorkflowStage['pathways']> };
}

export interface RunControl {
  stopping: boolean;
  aborting: boolean;
  /** Why the run stopped, when not by a signal (the unfinished tasks' cause). */
  stopReason?: 'max-failures';
}

/** A task whose attempts are exhausted, with what its stage's failure pathway needs. */
export interface FailedTask {
  payload: TaskPayload;
  error: SerializedError;
}

/** A stage's failure pathway (failure-pathway.ts): takes failed tasks over, and settles each of their results exactly once. */
export interface FailureRouting {
  takes(error: SerializedError): boolean;
  route(tasks: FailedTask[]): Promise<void>;
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
  /** The stage's failure pathway, if it has one. */
  failures?: FailureRouting;
  platform: Platform;
  pool: ChunkRunner;
  options: ResolvedRunOptions;
  /** The project's results: where every task of the pass ends, and the pass's counts. */
  results: TaskResultSink;
  control: RunControl;
}

/** A worker's outcome for `task` as a result (the chunk's tasks and outcomes are in the same order). */
function resultOf(task: TaskRecord, stage: WorkflowStage, o: TaskOutcome): TaskResult {
  let outcome: Outcome;
  if (o.ok) outcome = { kind: 'decision', pathway: o.pathway, labelRow: o.labelRow, priority: o.priority, twinWrites: o.twinWrites };
  else outcome = o.notStarted ? NOT_STARTED : { kind: 'failed', error: o.error };
  return o.warnings ? { task, stage, outcome, warnings: o.warnings } : { task, stage, outcome };
}

interface Batch {
  payloads: TaskPayload[];
  /** Tasks that failed during prefetch (e.g. no label row), with their error. */
  failed: Array<{ task: TaskRecord; error: TaskAgentError }>;
  /** Listing the tasks failed: nothing more of this stage can be reached in this pass. */
  pageError?: unknown;
}

/** The next batch with what it needs, or null at the end; never rejects (see Batch.pageError and Batch.failed). */
async function fetchBatch(ctx: StagePassContext, batches: TaskBatches): Promise<Batch | null> {
  let tasks: TaskRecord[] | null;
  try {
    tasks = await batches.next();
  } catch (e) {
    return { payloads: [], failed: [], pageError: e };
  }
  if (!tasks) return null;
  try {
    return await prefetchBatch(ctx, tasks);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const error = isTaskAgentError(e)
      ? new TaskAgentError(e.code, `fetching this batch's data failed: ${why}`, {
          ...(e.hint !== undefined && { hint: e.hint }),
          ...(e.details !== undefined && { details: e.details }),
        })
      : new TaskAgentError('TA_INTERNAL', `fetching this batch's data failed: ${why}`, { cause: e });
    return { payloads: [], failed: tasks.map((task) => ({ task, error })) };
  }
}

/** What the stage's agents need for these tasks, in bulk calls. */
async function prefetchBatch(ctx: StagePassContext, tasks: TaskRecord[]): Promise<Batch> {
  const { platform, stage } = ctx;
  const m = stage.manifest;
  const payloads: TaskPayload[] = tasks.map((task) => ({ task }));
  const failed: Batch['failed'] = [];
  if (m.needsMetadata) {
    const metas = await platform.listLabelRowMetadata(
      tasks.map((t) => t.dataHash),
      { includeWorkflowGraphNode: true, ...m.labelRowInclude },
    );
    const byHash = new Map<string, LabelRowMetadata>(metas.map((x) => [x.dataHash, x]));
    for (const p of payloads) {
      const meta = byHash.get(p.task.dataHash);
      if (meta) p.metadata = meta;
    }
    // Label rows and storage items each need only the metadata: fetched side by side.
    const labelRows = async () => {
      if (!m.needsLabelRow) return;
      const withMeta = payloads.filter((p) => p.metadata).map((p) => p.metadata!);
      const rows = await platform.getLabelRows(withMeta, m.labelRowInit);
      for (const p of payloads) {
        const row = rows.get(p.task.dataHash);
        if (row) p.labelRow = row;
      }
    };
    const storageItems = async () => {
      if (!m.needsStorageItem) return;
      const uuids = [...new Set(payloads.map((p) => p.metadata?.backingItemUuid).filter((u): u is string => !!u))];
      const items = await platform.getStorageItems(uuids, { signUrls: true });
      const byUuid = new Map(items.map((i) => [i.uuid, i]));
      for (const p of payloads) {
        const item = p.metadata?.backingItemUuid ? byUuid.get(p.metadata.backingItemUuid) : undefined;
        if (item) p.storageItem = item;
      }
      // Image groups and sequences: their frames are child items (one call per item, as Encord has no bulk form).
      if (m.needsChildren) {
        for (const p of payloads) {
          const it = p.storageItem;
          if (it && (it.itemType === 'imageGroup' || it.itemType === 'imageSequence'))
            p.children = await platform.getChildItems(it, { signUrls: true });
        }
      }
    };
    await bothSettled(labelRows(), storageItems());
  }
  // Tasks whose data is gone fail here with a clear code instead of inside the agent.
  const ready: TaskPayload[] = [];
  for (const p of payloads) {
    if (m.needsMetadata && !p.metadata)
      failed.push({ task: p.task, error: new TaskAgentError('TA_LABEL_ROW_MISSING', `no label-row metadata for "${p.task.dataTitle}"`) });
    else ready.push(p);
  }
  return { payloads: ready, failed };
}

/** Waits for both (neither request is left running when the batch fails), then throws the first one's error. */
async function bothSettled(a: Promise<void>, b: Promise<void>): Promise<void> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
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
  const { stage, options, results, control, pool } = ctx;
  const stageUuid = stage.stage.uuid;
  const workflowStage = stage.stage;
  // Threads that run the chunks: the pool's, or in queue mode those the queue's workers advertise.
  const threads = () => pool.capacity ?? options.threads;
  // Two chunks per thread: one running, one waiting (the local pool's queue is sized for this).
  const window = new InFlightWindow(() => threads() * 2);
  const sizing = new ChunkSizing(threads);
  let recordError: { error: unknown } | undefined;
  /** Listing a page failed: the stage could not be listed to its end. */
  let pageError: { error: unknown } | undefined;
  /** Tasks dispatched, or failed before dispatch (both count as attempted). */
  let attempted = 0;
  /** Tasks whose chunk did not come back because the run cannot go on (the queue is gone). */
  let ended = 0;

  const routing: Array<Promise<void>> = [];
  // The local pool's workers report finished tasks themselves (per task, see worker-events.ts);
  // otherwise (queue mode) progress moves as chunks return.
  const tickOnReturn = !pool.reportsProgress;
  /**
   * Tasks back from a chunk (`tick`: progress has not counted them yet). Failures the stage's
   * failure pathway takes over are settled by it; every other result is settled here.
   */
  const settle = (chunk: TaskPayload[], outcomes: TaskOutcome[], tick: boolean) => {
    let routed: FailedTask[] | undefined;
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      const payload = chunk[i];
      if (payload?.task.uuid !== o.taskUuid)
        throw new TaskAgentError('TA_INTERNAL', `outcome ${i} of a chunk of ${chunk.length} is not its task's (${o.taskUuid})`);
      const r = resultOf(payload.task, workflowStage, o);
      if (r.outcome.kind === 'not-started') {
        attempted--;
        // Only a stopping run leaves tasks unstarted: if the main thread did not stop it, a worker
        // did, on the failure that reached --max-failures (worker/entry.ts).
        if (!control.stopping) {
          control.stopping = true;
          control.stopReason = 'max-failures';
        }
      }
      results.returned(r, tick);
      if (!o.ok && !o.notStarted && ctx.failures && !control.aborting && ctx.failures.takes(o.error))
        (routed ??= []).push({ payload, error: o.error });
      else results.settle(r);
    }
    if (routed)
      routing.push(
        ctx.failures!.route(routed).catch((error: unknown) => {
          recordError ??= { error };
        }),
      );
  };

  const dispatch = (chunk: TaskPayload[], isolated = false): Promise<void> =>
    pool.runChunk({ stageIndex: stage.index, stageUuid, tasks: chunk, ...(isolated && { isolated }) }).then(
      (r) => {
        sizing.returned(chunk.length, r.busyMs);
        settle(chunk, r.outcomes, tickOnReturn);
        // Errors thrown by callbacks that earlier tasks left running (see worker/late-errors.ts).
        for (const w of r.late ?? []) results.lateWarning(w);
      },
      async (err: unknown) => {
        if (endsTheRun(err)) {
          // The run cannot go on (the queue is gone): stop dispatching, and fail the pass once
          // drained. These tasks did not come back: unfinished, run-ended.
          control.stopping = true;
          ended += chunk.length;
          attempted -= chunk.length;
          results.notAttempted(stageUuid, chunk.length);
          throw err;
        }
        if (control.aborting) {
          settle(chunk, runAbortedOutcomes(chunk), tickOnReturn);
          return;
        }
        if (!isolated && chunk.length > 1) {
          // Which task killed the worker is unknown: run each alone; only the culprit fails.
          for (const p of chunk) await dispatch([p], true);
          return;
        }
        const what = err instanceof Error ? err.message : String(err);
        const error = capError(
          serializeError(new TaskAgentError('TA_WORKER_CRASHED', `the worker running "${chunk[0].task.dataTitle}" died: ${what}`)),
        );
        // Its worker died before it could count it: progress counts it here.
        settle(chunk, failedOutcomes(chunk, error), true);
      },
    );

  const batches = new TaskBatches(filteredPages(ctx), options.taskBatchSize, options.maxTasksPerStage);
  const nextBatch = (): Promise<Batch | null> => fetchBatch(ctx, batches);
  let pending: Promise<Batch | null> | null = nextBatch();
  try {
    while (pending && !control.stopping) {
      const batch: Batch | null = await pending;
      if (batch?.pageError !== undefined) {
        pending = null;
        pageError = { error: batch.pageError };
        break;
      }
      // The following batch (its pages and its data) is fetched while this one runs.
      pending = batch ? nextBatch() : null;
      if (!batch) break;
      results.expect(stageUuid, batch.payloads.length + batch.failed.length);
      attempted += batch.failed.length;
      results.attempting(stageUuid, batch.failed.length);
      // Failed before reaching a worker: progress counts them here.
      for (const f of batch.failed)
        results.take({ task: f.task, stage: workflowStage, outcome: { kind: 'failed', error: serializeError(f.error) } }, true);
      const chunkSize = sizing.size(batch.payloads.length);
      for (let i = 0; i < batch.payloads.length && !control.stopping; i += chunkSize) {
        await window.acquire();
        if (control.stopping) {
          window.release();
          break;
        }
        const chunk = batch.payloads.slice(i, i + chunkSize);
        attempted += chunk.length;
        results.attempting(stageUuid, chunk.length);
        dispatch(chunk)
          .catch((error: unknown) => {
            recordError ??= { error };
          })
          .finally(() => window.release());
      }
    }
  } finally {
    // A batch prefetched before a stop is dropped: nothing of it was dispatched (counted below).
    if (pending) await pending.catch(() => undefined);
    await window.drain();
    // Failure pathways settle their tasks once the errors are recorded and the moves queued.
    await Promise.all(routing);
    await batches.close();
  }
  // Every listed task must end attempted and reported, or be counted here with its cause: listed
  // past the cap (still buffered once it was reached), or left by a stop. Anything else is a bug.
  results.listed(stageUuid, batches.listed);
  const pastCap = batches.capped ? batches.buffered : 0;
  if (pastCap > 0) results.unfinished(stageUuid, 'max-tasks-per-stage', pastCap);
  if (ended > 0) results.unfinished(stageUuid, 'run-ended', ended);
  const left = batches.listed - attempted - pastCap - ended;
  if (left > 0) results.unfinished(stageUuid, control.stopping || control.aborting ? (control.stopReason ?? 'interrupted') : 'lost', left);
  if (pageError) throw pageError.error;
  if (recordError) throw recordError.error;
}
