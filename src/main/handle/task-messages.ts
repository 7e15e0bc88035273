/**
 * The wire of `runner.handle()`: what a queue message holds (a task spec: the Encord SDK's
 * `AgentTask.model_dump_json()`, or a record of `project tasks --json`) and what comes back (the
 * shape of encord-agents' `TaskCompletionResult`, one per task). Spec keys are read in snake_case
 * and camelCase, so a producer in Python or TypeScript can fill the queue.
 */
import { TaskAgentError, serializeError, type SerializedError } from '../../shared/errors.js';

/** One task to handle, as a message names it. */
export interface TaskSpec {
  taskUuid: string;
  dataHash: string;
  dataTitle?: string;
  /** The stage the producer listed it in (optional: otherwise every registered stage is looked in). */
  stageUuid?: string;
  projectHash?: string;
}

/** encord-agents' TaskCompletionResult for one task, plus what it cannot say (`skipped`, `error_code`). */
export interface TaskCompletionResult {
  task_uuid: string | null;
  /** The stage the task was handled in; null when it was found in none. */
  stage_uuid: string | null;
  /** True when the agent ran and its decision was committed, and for a task already gone from the stage. */
  success: boolean;
  /** The pathway UUID the task was moved along; null when it stayed, failed or was skipped. */
  pathway: string | null;
  /** `CODE: message` when success is false. */
  error: string | null;
  error_code: string | null;
  /** The task had already left its stage (someone else routed it): nothing to do, not a failure (encord-agents #207). */
  skipped: boolean;
}

/** A parsed message entry: a spec, or why it is not one. */
export type ParsedSpec = { ok: true; spec: TaskSpec } | { ok: false; taskUuid: string | null; error: SerializedError };

const field = (o: Record<string, unknown>, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = o[n];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
};

function parseOne(entry: unknown): ParsedSpec {
  let value = entry;
  if (typeof entry === 'string') {
    try {
      value = JSON.parse(entry);
    } catch {
      return invalid(null, 'a message entry is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid(null, 'a message entry is not a JSON object');
  const o = value as Record<string, unknown>;
  const taskUuid = field(o, 'uuid', 'task_uuid', 'taskUuid') ?? null;
  const dataHash = field(o, 'data_hash', 'dataHash');
  if (!taskUuid || !dataHash)
    return invalid(taskUuid, `a task spec needs "uuid" and "data_hash" (got keys: ${Object.keys(o).slice(0, 12).join(', ') || 'none'})`);
  const dataTitle = field(o, 'data_title', 'dataTitle');
  const stageUuid = field(o, 'stage_uuid', 'stageUuid');
  const projectHash = field(o, 'project_hash', 'projectHash');
  return {
    ok: true,
    spec: { taskUuid, dataHash, ...(dataTitle && { dataTitle }), ...(stageUuid && { stageUuid }), ...(projectHash && { projectHash }) },
  };
}

function invalid(taskUuid: string | null, message: string): ParsedSpec {
  return { ok: false, taskUuid, error: serializeError(new TaskAgentError('TA_QUEUE_MESSAGE_INVALID', message)) };
}

/**
 * A message → its entries, and whether the answer is a list. A string holding a JSON array, or an
 * array, is a list (one result per entry, in order); anything else is one task (one result).
 */
export function parseMessage(message: unknown): { list: boolean; entries: ParsedSpec[] } {
  if (Array.isArray(message)) return { list: true, entries: message.map(parseOne) };
  if (typeof message === 'string') {
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      return { list: false, entries: [invalid(null, 'the message is not valid JSON')] };
    }
    if (Array.isArray(value)) return { list: true, entries: value.map(parseOne) };
    return { list: false, entries: [parseOne(value)] };
  }
  return { list: false, entries: [parseOne(message)] };
}

export function failedResult(taskUuid: string | null, stageUuid: string | null, error: SerializedError): TaskCompletionResult {
  return {
    task_uuid: taskUuid,
    stage_uuid: stageUuid,
    success: false,
    pathway: null,
    error: `${error.code}: ${error.message}`,
    error_code: error.code,
    skipped: false,
  };
}

export function doneResult(taskUuid: string, stageUuid: string | null, pathway: string | null, skipped = false): TaskCompletionResult {
  return { task_uuid: taskUuid, stage_uuid: stageUuid, success: true, pathway, error: null, error_code: null, skipped };
}
