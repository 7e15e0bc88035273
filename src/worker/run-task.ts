/**
 * Runs one task in a worker: resolve dependencies, call the agent, interpret its return, retry
 * on failure with freshly resolved dependencies, and always produce an outcome record (a worker
 * task never throws: codes would not survive the thread boundary).
 */
import { TaskAgentError, isTaskAgentError, serializeError, type ErrorCode } from '../shared/errors.js';
import type { TaskOutcome, TaskPayload } from '../shared/protocol.js';
import type { ProjectInfo, WorkflowStage } from '../shared/types.js';
import type { AnyDep } from '../deps/define.js';
import type { StageRegistration } from '../agent/runner.js';
import { resolvePathway } from '../shared/workflow.js';
import { TaskScope } from './task-scope.js';
import { AttemptContext, TaskAbort } from './task-context.js';
import type { BuiltinProvider } from './task-scope.js';

/** Failures that another attempt cannot fix. */
const NOT_RETRIED = new Set<ErrorCode>([
  'TA_PATHWAY_UNKNOWN', 'TA_AGENT_BAD_RETURN', 'TA_PRIORITY_INVALID', 'TA_DEP_MISSING', 'TA_DEP_CYCLE', 'TA_MEDIA_UNSUPPORTED',
  'TA_MEDIA_SAMPLE_RATE', 'TA_AGENT_TIMEOUT', 'TA_LABEL_ROW_MISSING', 'TA_STORAGE_ITEM_MISSING', 'TA_MEDIA_MISSING',
  'TA_MEDIA_OUTSIDE_PROJECT', 'TA_ONTOLOGY_MISMATCH', 'TA_MEDIA_DECODE_FAILED',
]);

export interface StageRuntime {
  registration: StageRegistration;
  stage: WorkflowStage & { pathways: NonNullable<WorkflowStage['pathways']> };
  deps: Record<string, AnyDep>;
}

export interface RunTaskSettings {
  project: ProjectInfo;
  numRetries: number;
  taskTimeoutMs: number;
  runAborted: () => boolean;
  builtin: BuiltinProvider;
}

export async function runTask(rt: StageRuntime, payload: TaskPayload, settings: RunTaskSettings): Promise<TaskOutcome> {
  const { task } = payload;
  let lastError: unknown;
  let attempts = 0;
  for (let attempt = 0; attempt <= settings.numRetries; attempt++) {
    attempts++;
    const abort = new TaskAbort();
    const ctx = new AttemptContext(task, settings.project, rt.stage, abort);
    // A stage without dependencies has nothing to resolve or dispose: no scope (trivial agents are
    // dominated by this bookkeeping).
    const scope = hasDeps(rt) ? new TaskScope(ctx, payload, rt.deps, settings.builtin) : undefined;
    let failed = true;
    try {
      const input = scope ? ctx.with(await scope.resolveAll()) : ctx;
      const result = settings.taskTimeoutMs
        ? await withTimeout(Promise.resolve().then(() => rt.registration.fn(input as never)), settings.taskTimeoutMs, abort, task.dataTitle)
        : await rt.registration.fn(input as never);
      const decision = interpretReturn(result, rt.stage);
      failed = false;
      const twins = scope?.twinWrites;
      return { ok: true, taskUuid: task.uuid, dataHash: task.dataHash, attempts, ...decision, ...(twins && twins.saves.length + twins.proceeds.length > 0 && { twinWrites: twins }) };
    } catch (e) {
      lastError = e;
      if (isTaskAgentError(e) && NOT_RETRIED.has(e.code)) break;
      if (settings.runAborted()) break;
    } finally {
      // Only a failed attempt signals abort: work it left running (timers, decodes) should stop.
      // The signal itself is only created if someone reads it (see task-context.ts).
      if (failed) abort.abort();
      if (scope) await scope.dispose();
    }
  }
  return { ok: false, taskUuid: task.uuid, dataHash: task.dataHash, attempts, error: serializeError(lastError, 'TA_AGENT_THREW') };
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

type Decision = Pick<Extract<TaskOutcome, { ok: true }>, 'pathway' | 'labelRow' | 'priority'>;

/** Agent return → decision. Pathways match by UUID, then exact title, then a unique case-insensitive title. */
export function interpretReturn(result: unknown, stage: StageRuntime['stage']): Decision {
  if (result === null || result === undefined) return { pathway: null };
  if (typeof result === 'string') return { pathway: resolvePathway(result, stage) };
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new TaskAgentError('TA_AGENT_BAD_RETURN', `agent returned ${Array.isArray(result) ? 'an array' : typeof result}`, {
      hint: 'return a pathway name or UUID, null, or { pathway, labelRow, priority }',
    });
  }
  const r = result as { pathway?: unknown; labelRow?: unknown; priority?: unknown };
  const extra = Object.keys(r).filter((k) => !['pathway', 'labelRow', 'priority'].includes(k));
  if (extra.length) throw new TaskAgentError('TA_AGENT_BAD_RETURN', `agent returned unknown keys: ${extra.join(', ')}`, { hint: 'the return struct has pathway, labelRow and priority' });
  const decision: Decision = { pathway: null };
  if (r.pathway !== undefined && r.pathway !== null) {
    if (typeof r.pathway !== 'string') throw new TaskAgentError('TA_AGENT_BAD_RETURN', `pathway must be a string, got ${typeof r.pathway}`);
    decision.pathway = resolvePathway(r.pathway, stage);
  }
  if (r.priority !== undefined && r.priority !== null) {
    if (typeof r.priority !== 'number' || !Number.isFinite(r.priority) || r.priority < 0 || r.priority > 1) {
      throw new TaskAgentError('TA_PRIORITY_INVALID', `priority must be a number in [0, 1], got ${JSON.stringify(r.priority)}`);
    }
    decision.priority = r.priority;
  }
  if (r.labelRow !== undefined && r.labelRow !== null) {
    const lr = r.labelRow as { toJSON?: () => unknown };
    if (typeof lr.toJSON !== 'function') throw new TaskAgentError('TA_AGENT_BAD_RETURN', 'labelRow must be the LabelRow from deps.labelRow()');
    decision.labelRow = lr.toJSON() as Decision['labelRow'];
  }
  return decision;
}
