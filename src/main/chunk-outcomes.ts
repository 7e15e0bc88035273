/** Outcomes the main thread makes itself for tasks whose chunk did not come back (main thread). */
import { TaskAgentError, isTaskAgentError, serializeError, type SerializedError } from '../shared/errors.js';
import type { TaskOutcome, TaskPayload } from '../shared/protocol.js';

/** Failure outcomes for `tasks` with `error`. */
export function failedOutcomes(tasks: readonly TaskPayload[], error: SerializedError): TaskOutcome[] {
  return tasks.map((p) => ({ ok: false, taskUuid: p.task.uuid, dataHash: p.task.dataHash, attempts: 1, error }));
}

/**
 * The tasks were in flight when the run was aborted: nothing of them is written, they stay in
 * their stage. Those that had not started (`notStarted(i)`) were not attempted.
 */
export function runAbortedOutcomes(tasks: readonly TaskPayload[], notStarted: (i: number) => boolean = () => false): TaskOutcome[] {
  const error = serializeError(new TaskAgentError('TA_RUN_ABORTED', 'the task was in flight when the run was aborted'));
  return tasks.map((p, i) => ({
    ok: false,
    taskUuid: p.task.uuid,
    dataHash: p.task.dataHash,
    attempts: notStarted(i) ? 0 : 1,
    error,
    ...(notStarted(i) && { notStarted: true as const }),
  }));
}

/** Whether a chunk runner's error ends the run (the queue is gone, or no worker takes its chunks) rather than failing the chunk's tasks. */
export function endsTheRun(e: unknown): boolean {
  return isTaskAgentError(e, 'TA_QUEUE_UNREACHABLE') || isTaskAgentError(e, 'TA_QUEUE_WORKER_MISMATCH');
}
