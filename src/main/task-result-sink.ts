/**
 * Where every task's result goes (main thread), one sink per project of a run. The stage pass and
 * the stage's failure pathway hand their TaskResults here and nowhere else: results that write
 * (decisions, failure moves) go to the commit buffer (or the dry run's stand-in), and one observer
 * turns results, and the buffer's confirmation of each (moved, skipped, stayed, or its write
 * failed), into the project's RunReport and Progress. The pass's counts (tasks taken into the
 * progress total, attempted, not attempted, listed, unfinished) are written through here too, so
 * nothing else in a pass writes the report or the progress lines.
 */
import type { SerializedError } from '../shared/errors.js';
import type { TaskWarning } from '../shared/protocol.js';
import type { UnfinishedCause } from '../agent/run-types.js';
import type { RunReport } from './run-report.js';
import type { Progress } from './progress.js';
import type { CommitListener, Commits } from './commit-buffer.js';
import { writes, type TaskResult, type WritableResult } from './task-result.js';

const TICK_DONE = Object.freeze({ failed: 0 });
const TICK_FAILED = Object.freeze({ failed: 1 });
const TWIN_COUNTS = ['saved', 'moved', 'skipped'] as const;

/** A failed task's error, for the report when its move along the failure pathway could not be written. */
function failedMoveError(failure: SerializedError, pathway: string, commit: SerializedError): SerializedError {
  return { ...failure, message: `${failure.message} (not moved along "${pathway}": ${commit.message})` };
}

/**
 * The one writer of a project's report and progress lines for its tasks. A failed task moved
 * along its failure pathway is reported failed (with the pathway), not moved or skipped; its
 * progress tick already counted it failed, so a failed write of its move is not counted again.
 */
class ResultObserver implements CommitListener {
  constructor(
    /** Read at each call: a service swaps in a fresh report per drain. */
    private readonly report: () => RunReport,
    private readonly progress: Progress,
  ) {}

  returned(r: TaskResult, tick: boolean): void {
    const stageUuid = r.stage.uuid;
    if (r.warnings) for (const w of r.warnings) this.report().warning({ stageUuid, taskUuid: r.task.uuid, dataTitle: r.task.dataTitle }, w);
    // A task that never started is no finished task: it leaves the total instead (see settled).
    if (tick && r.outcome.kind !== 'not-started') this.progress.tick(stageUuid, r.outcome.kind === 'decision' ? TICK_DONE : TICK_FAILED);
  }

  /** A result with nothing to write. */
  settled(r: TaskResult): void {
    const o = r.outcome;
    if (o.kind === 'failed') this.report().failed(r.stage.uuid, r.task, o.error);
    else if (o.kind === 'not-started') this.notAttempted(r.stage.uuid, 1);
  }

  notAttempted(stageUuid: string, n: number): void {
    this.report().attempted(stageUuid, -n);
    this.progress.addTotal(stageUuid, -n);
  }

  moved(r: WritableResult): void {
    const o = r.outcome;
    if (o.kind === 'failure-move') this.report().failed(r.stage.uuid, r.task, o.error, o.pathway.title);
    else this.report().moved(r.stage.uuid, r.task, o.pathway!);
  }

  stayed(r: WritableResult): void {
    this.report().stayed(r.stage.uuid, r.task);
  }

  skipped(r: WritableResult): void {
    const o = r.outcome;
    if (o.kind === 'failure-move') this.report().failed(r.stage.uuid, r.task, o.error);
    else this.report().skipped(r.stage.uuid, r.task);
  }

  failed(r: WritableResult, error: SerializedError): void {
    const o = r.outcome;
    if (o.kind === 'failure-move') {
      this.report().failed(r.stage.uuid, r.task, failedMoveError(o.error, o.pathway.title, error));
    } else {
      this.report().failed(r.stage.uuid, r.task, error);
      this.progress.failure(r.stage.uuid);
    }
  }

  twins(r: WritableResult, c: { saved: number; moved: number; skipped: number }): void {
    for (const k of TWIN_COUNTS) if (c[k] > 0) this.report().twins(r.stage.uuid, k, c[k]);
  }
}

export interface TaskResultSinkParts {
  report: () => RunReport;
  progress: Progress;
  /** Makes the commit buffer (or DryRunCommits) that confirms each result to `listener`. */
  commits: (listener: CommitListener) => Commits;
}

export class TaskResultSink {
  readonly #observer: ResultObserver;
  readonly #commits: Commits;
  readonly #report: () => RunReport;
  readonly #progress: Progress;

  constructor(p: TaskResultSinkParts) {
    this.#report = p.report;
    this.#progress = p.progress;
    this.#observer = new ResultObserver(p.report, p.progress);
    this.#commits = p.commits(this.#observer);
  }

  /**
   * A task came back from its worker (or failed before it got to one): its warnings are reported
   * and, unless its worker counted it already (`tick` false), the progress line counts it.
   * Its result is `settle`d next, here or after its stage's failure pathway took it.
   */
  returned(r: TaskResult, tick: boolean): void {
    this.#observer.returned(r, tick);
  }

  /** The task's result is final: what it writes goes to the commit buffer, the rest is reported now. */
  settle(r: TaskResult): void {
    if (writes(r)) this.#commits.add(r);
    else this.#observer.settled(r);
  }

  /** Both at once, for a result no failure pathway takes. */
  take(r: TaskResult, tick: boolean): void {
    this.#observer.returned(r, tick);
    this.settle(r);
  }

  /** Tasks of a batch join the stage's progress total. */
  expect(stageUuid: string, n: number): void {
    this.#progress.addTotal(stageUuid, n);
  }

  /** Tasks dispatched, or failed before dispatch: attempted. */
  attempting(stageUuid: string, n: number): void {
    this.#report().attempted(stageUuid, n);
  }

  /** Dispatched tasks that did not come back because the run cannot go on: not attempted after all. */
  notAttempted(stageUuid: string, n: number): void {
    this.#observer.notAttempted(stageUuid, n);
  }

  /** An error thrown after its task's agent returned (worker/late-errors.ts): a warning, on its task when known. */
  lateWarning(w: TaskWarning): void {
    this.#report().warning(w.taskUuid ? { stageUuid: w.stageUuid, taskUuid: w.taskUuid, dataTitle: w.dataTitle } : {}, w.warning);
  }

  /** The pass's books: tasks the platform listed, and those left unattempted with why. */
  listed(stageUuid: string, n: number): void {
    this.#report().listed(stageUuid, n);
  }

  unfinished(stageUuid: string, cause: UnfinishedCause, n: number): void {
    this.#report().unfinished(stageUuid, cause, n);
  }

  /** Resolves when every result taken so far is written (or its failure reported). */
  flush(): Promise<void> {
    return this.#commits.flush();
  }
}
