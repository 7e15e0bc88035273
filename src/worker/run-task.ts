/**
 * Runs one task in a worker: resolve dependencies, call the agent, interpret its return, retry
 * on failure with freshly resolved dependencies, and always produce an outcome record (a worker
 * task never throws: codes would not survive the thread boundary).
 */
import { TaskAgentError, isTaskAgentError, serializeError, type ErrorCode, type SerializedError } from '../shared/errors.js';
import { capError, capText, VALUE_CAP } from '../shared/cap-text.js';
import { markAttempt, markDone } from '../shared/chunk-state.js';
import type { TaskOutcome, TaskPayload } from '../shared/protocol.js';
import type { ProjectInfo, WorkflowStage } from '../shared/types.js';
import type { WorkerSettings } from '../shared/run-options.js';
import type { AnyDep } from '../deps/define.js';
import type { StageRegistration } from '../agent/runner.js';
import { resolvePathway } from '../shared/workflow.js';
import { validateLabelRowJson } from '../shared/label-row/validate.js';
import { TaskScope } from './task-scope.js';
import { AttemptContext, TaskAbort } from './task-context.js';
import type { ScopeHost } from './task-scope.js';
import type { TaskTag } from './late-errors.js';

/** Failures that another attempt cannot fix. */
const NOT_RETRIED = new Set<ErrorCode>([
  'TA_PATHWAY_UNKNOWN',
  'TA_AGENT_BAD_RETURN',
  'TA_PRIORITY_INVALID',
  'TA_DEP_MISSING',
  'TA_DEP_CYCLE',
  'TA_MEDIA_UNSUPPORTED',
  'TA_MEDIA_SAMPLE_RATE',
  'TA_AGENT_TIMEOUT',
  'TA_LABEL_ROW_MISSING',
  'TA_STORAGE_ITEM_MISSING',
  'TA_MEDIA_MISSING',
  'TA_MEDIA_OUTSIDE_PROJECT',
  'TA_ONTOLOGY_MISMATCH',
  'TA_MEDIA_DECODE_FAILED',
  'TA_LABEL_ROW_INVALID',
  'TA_RUN_ABORTED',
]);

export interface StageRuntime {
  registration: StageRegistration;
  stage: WorkflowStage & { pathways: NonNullable<WorkflowStage['pathways']> };
  deps: Record<string, AnyDep>;
}

/** How one task is run: its project, the run's retries and timeout (from the worker init), and the chunk's state. */
export interface RunTaskSettings extends Pick<WorkerSettings, 'numRetries' | 'taskTimeoutMs'> {
  project: ProjectInfo;
  runAborted: () => boolean;
  /** Built-in dependencies and the worker's own scope, for the attempts' TaskScopes. */
  host: ScopeHost;
  /** The chunk's shared state: the main thread watches attempt deadlines and sees which tasks started (see chunk-state.ts). */
  watch?: { state: Int32Array; epoch: number };
}

/** Attempts in progress on this thread: a run abort fires their signals. */
const live = new Set<TaskAbort>();

/** Fires the signal of every attempt in progress (the run was aborted: a second Ctrl-C). */
export function abortLiveAttempts(): void {
  for (const a of live) a.abort(new DOMException('the run was aborted', 'AbortError'));
}

/**
 * Runs task `index` of its chunk. With `tag` (an isolated re-run, see late-errors.ts) an error
 * thrown by a callback of the attempt fails the attempt.
 */
export async function runTask(
  rt: StageRuntime,
  payload: TaskPayload,
  settings: RunTaskSettings,
  index = 0,
  tag?: TaskTag,
): Promise<TaskOutcome> {
  const { task } = payload;
  let lastError: unknown;
  let lastWarnings: SerializedError[] | undefined;
  let attempts = 0;
  const watch = settings.watch;
  for (let attempt = 0; attempt <= settings.numRetries; attempt++) {
    attempts++;
    if (settings.runAborted()) {
      // Aborted before this attempt started: it does not start.
      lastError = runAbortedError(task.dataTitle);
      break;
    }
    if (watch) markAttempt(watch.state, watch.epoch, index);
    const abort = new TaskAbort();
    live.add(abort);
    const ctx = new AttemptContext(task, settings.project, rt.stage, abort);
    // A stage without dependencies has nothing to resolve or dispose: no scope (trivial agents are
    // dominated by this bookkeeping).
    const scope = hasDeps(rt) ? new TaskScope(ctx, payload, rt.deps, settings.host) : undefined;
    let failed = true;
    try {
      const failure = tag ? attemptFailure(tag) : undefined;
      const input = scope ? ctx.with(await orFailure(scope.resolveAll(), failure)) : ctx;
      const run = orFailure(rt.registration.fn(input as never), failure);
      const result = settings.taskTimeoutMs
        ? await withTimeout(Promise.resolve(run), settings.taskTimeoutMs, abort, task.dataTitle)
        : await run;
      const decision = interpretReturn(result, rt.stage, {
        dataHash: task.dataHash,
        labelHash: payload.labelRow?.label_hash ?? payload.metadata?.labelHash ?? null,
      });
      failed = false;
      const twins = scope?.twinWrites;
      const warnings = scope?.warnings;
      return {
        ok: true,
        taskUuid: task.uuid,
        dataHash: task.dataHash,
        attempts,
        ...decision,
        ...(twins && twins.saves.length + twins.proceeds.length > 0 && { twinWrites: twins }),
        ...(warnings && warnings.length > 0 && { warnings }),
      };
    } catch (e) {
      lastError = settings.runAborted() ? runAbortedError(task.dataTitle) : e;
      lastWarnings = scope?.warnings;
      if (isTaskAgentError(lastError) && NOT_RETRIED.has(lastError.code)) break;
    } finally {
      if (tag) tag.fail = null;
      live.delete(abort);
      // Only a failed attempt signals abort: work it left running (timers, decodes) should stop.
      // The signal itself is only created if someone reads it (see task-context.ts).
      if (failed) abort.abort();
      if (scope) await scope.dispose();
      if (watch) markDone(watch.state, index);
    }
  }
  const error = capError(serializeError(lastError, 'TA_AGENT_THREW'));
  return {
    ok: false,
    taskUuid: task.uuid,
    dataHash: task.dataHash,
    attempts,
    error,
    ...(lastWarnings && lastWarnings.length > 0 && { warnings: lastWarnings }),
  };
}

/** A promise that rejects when a callback of the tagged attempt throws (never awaited alone: no unhandled rejection). */
function attemptFailure(tag: TaskTag): Promise<never> {
  const p = new Promise<never>((_, reject) => (tag.fail = reject));
  p.catch(() => undefined);
  return p;
}

function orFailure<T>(p: T, failure: Promise<never> | undefined): T | Promise<Awaited<T>> {
  return failure ? Promise.race([p, failure]) : p;
}

function runAbortedError(title: string): TaskAgentError {
  return new TaskAgentError('TA_RUN_ABORTED', `"${title}" was in flight when the run was aborted`);
}

function hasDeps(rt: StageRuntime): boolean {
  for (const _ in rt.deps) return true;
  return false;
}

async function withTimeout<T>(p: Promise<T>, ms: number, abort: TaskAbort, title: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new TaskAgentError('TA_AGENT_TIMEOUT', `agent did not finish "${title}" within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a label row's toJSON() gives; a toJSON() that throws is the row's fault, not the agent's. */
export function labelRowJson(lr: { toJSON: () => unknown }): unknown {
  try {
    return lr.toJSON();
  } catch (e) {
    throw new TaskAgentError('TA_LABEL_ROW_INVALID', `labelRow.toJSON() threw: ${e instanceof Error ? e.message : String(e)}`, {
      details: { path: '' },
    });
  }
}

type Decision = Pick<Extract<TaskOutcome, { ok: true }>, 'pathway' | 'labelRow' | 'priority'>;

/**
 * Agent return → decision. Pathways match by UUID, then exact title, then a unique case-insensitive
 * title. A label row must be valid label-row JSON of the task's own row (`own`).
 */
export function interpretReturn(
  result: unknown,
  stage: StageRuntime['stage'],
  own: { dataHash: string; labelHash: string | null },
): Decision {
  if (result === null || result === undefined) return { pathway: null };
  if (typeof result === 'string') return { pathway: resolvePathway(result, stage) };
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new TaskAgentError('TA_AGENT_BAD_RETURN', `agent returned ${Array.isArray(result) ? 'an array' : typeof result}`, {
      hint: 'return a pathway name or UUID, null, or { pathway, labelRow, priority }',
    });
  }
  const r = result as { pathway?: unknown; labelRow?: unknown; priority?: unknown };
  const extra = Object.keys(r).filter((k) => !['pathway', 'labelRow', 'priority'].includes(k));
  if (extra.length)
    throw new TaskAgentError('TA_AGENT_BAD_RETURN', `agent returned unknown keys: ${capText(extra.join(', '), VALUE_CAP)}`, {
      hint: 'the return struct has pathway, labelRow and priority',
    });
  const decision: Decision = { pathway: null };
  if (r.pathway !== undefined && r.pathway !== null) {
    if (typeof r.pathway !== 'string') throw new TaskAgentError('TA_AGENT_BAD_RETURN', `pathway must be a string, got ${typeof r.pathway}`);
    decision.pathway = resolvePathway(r.pathway, stage);
  }
  if (r.priority !== undefined && r.priority !== null) {
    if (typeof r.priority !== 'number' || !Number.isFinite(r.priority) || r.priority < 0 || r.priority > 1) {
      throw new TaskAgentError(
        'TA_PRIORITY_INVALID',
        `priority must be a number in [0, 1], got ${capText(JSON.stringify(r.priority) ?? 'undefined', VALUE_CAP)}`,
      );
    }
    decision.priority = r.priority;
  }
  if (r.labelRow !== undefined && r.labelRow !== null) {
    const lr = r.labelRow as { toJSON?: () => unknown };
    if (typeof lr.toJSON !== 'function')
      throw new TaskAgentError('TA_AGENT_BAD_RETURN', 'labelRow must be the LabelRow from deps.labelRow()');
    decision.labelRow = validateLabelRowJson(labelRowJson(lr as { toJSON: () => unknown }), own);
  }
  return decision;
}
