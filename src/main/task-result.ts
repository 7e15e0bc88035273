/**
 * One task's result in a stage pass (main thread): the task, its stage and what came of it, as it
 * travels from the stage pass (or the stage's failure pathway) to the project's TaskResultSink,
 * and on into the commit buffer, which confirms each result it holds (moved, skipped, stayed, or
 * its write failed) to the sink's observer. "Skipped" is not an outcome: only the platform knows,
 * when the move is sent, that the task had already left its stage.
 */
import type { SerializedError } from '../shared/errors.js';
import type { TwinWrites } from '../shared/protocol.js';
import type { LabelRowJson, TaskRecord, WorkflowStage } from '../shared/types.js';

/** What a result writes: its twin writes, label save and priority, then a move along `pathway` (none: the task stays). */
export interface Writes {
  pathway: { uuid: string; title: string } | null;
  labelRow?: LabelRowJson;
  priority?: number;
  twinWrites?: TwinWrites;
}

/** The agent decided: move along its pathway, or stay (`pathway` null), with what it asked to write. */
export interface Decision extends Writes {
  kind: 'decision';
}

/** The task failed: nothing is written, it stays in its stage. */
export interface Failure {
  kind: 'failed';
  error: SerializedError;
}

/** The task failed and moves along its stage's failure pathway (failure-pathway.ts), its error in `labelRow` when recorded there; reported failed, not moved. */
export interface FailureMove extends Writes {
  kind: 'failure-move';
  pathway: { uuid: string; title: string };
  error: SerializedError;
}

/** The run stopped before the task started: not attempted, it stays (counted unfinished: interrupted). */
export interface NotStarted {
  kind: 'not-started';
}

export type Outcome = Decision | Failure | FailureMove | NotStarted;

/** Internal to the main thread; not the public `TaskResult` (agent/run-types.ts), the event users get once a result is reported. */
export interface TaskResult<O extends Outcome = Outcome> {
  readonly task: TaskRecord;
  readonly stage: WorkflowStage;
  readonly outcome: O;
  /** Warnings of the task's last attempt. */
  readonly warnings?: SerializedError[];
}

/** A result the commit buffer writes. */
export type WritableResult = TaskResult<Decision | FailureMove>;

export function writes(r: TaskResult): r is WritableResult {
  return r.outcome.kind === 'decision' || r.outcome.kind === 'failure-move';
}

/** Not-started outcomes carry nothing of their own: one is shared. */
export const NOT_STARTED: NotStarted = Object.freeze({ kind: 'not-started' });
