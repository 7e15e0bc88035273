/** Run options and the run summary: the public shapes of `task-agents run` and `runner.execute()`. */
import type { SerializedError } from '../shared/errors.js';
import type { LabelRowJson } from '../shared/types.js';
import type { TwinWrites } from '../shared/protocol.js';

/** The run options' one declaration is their schema (shared/run-options.ts). */
export type { RunOptions } from '../shared/run-options.js';

/** One task's outcome as a project's report sees it. */
export type TaskEvent = {
  taskUuid: string;
  dataHash: string;
  dataTitle: string;
  stage: string;
  stageUuid: string;
} & (
  | { outcome: 'moved'; pathway: { uuid: string; title: string } }
  /** stayed: the agent returned no pathway; skipped: someone else moved the task before our commit. */
  | { outcome: 'stayed' | 'skipped' }
  | { outcome: 'failed'; error: SerializedError }
);

/** One task's outcome, as `runner.runStage()`'s `onTask` receives it. */
export type TaskResult = TaskEvent & { projectHash: string };

/** Why listed tasks were left unattempted or unreported; only `lost` makes a run not ok. */
export type UnfinishedCause = 'max-tasks-per-stage' | 'interrupted' | 'max-failures' | 'run-ended' | 'lost';

export interface StageSummary {
  stage: string;
  stageUuid: string;
  /** The stage's project (its hash), in a run over several projects. */
  project?: string;
  attempted: number;
  moved: Record<string, number>;
  stayed: number;
  failed: Record<string, number>;
  skipped: number;
  /**
   * Tasks the platform listed in this stage that were neither attempted nor reported, by cause:
   * `max-tasks-per-stage` (listed past the cap), `interrupted` (Ctrl-C came first), `lost` (listed
   * or attempted and never accounted for: a bug in task-agents; the run is then not ok). Empty
   * when every listed task was attempted and reported.
   */
  unfinished: Partial<Record<UnfinishedCause, number>>;
  /** Writes to twin projects (deps.twinLabelRow): rows saved, twin tasks moved, and twin tasks that had already left their stage. Present when any. */
  twins?: { saved: number; moved: number; skipped: number };
  /** Failed tasks moved along the stage's failure pathway (onFailure), by pathway. Present when any. */
  failedMoved?: Record<string, number>;
  /** Tasks left alone because they failed `skipFailedAfter` runs in a row (not attempted, not listed above). Present when any. */
  leftAlone?: number;
}

export interface TaskFailure {
  taskUuid: string;
  dataTitle: string;
  stage: string;
  /** The task's project (its hash), in a run over several projects. */
  project?: string;
  code: SerializedError['code'];
  message: string;
  hint?: string;
  /** Where it was thrown: the agent's frames first, runtime frames counted, not listed (≤ 20 frames, ≤ 4000 characters). */
  stack?: string;
  /** The failure pathway the task was moved along (onFailure). */
  movedTo?: string;
}

/** A failure not tied to one task: a stage's task listing (or a pass) failed, so its remaining tasks were not reached. */
export interface RunError {
  /** Stage title. */
  stage: string;
  /** Pass number (1-based; > 1 with --refresh-every). */
  pass: number;
  code: SerializedError['code'];
  message: string;
  hint?: string;
}

/** What an agent decided for one task (dry runs): what would have been written. */
export interface TaskDecision {
  taskUuid: string;
  dataHash: string;
  stage: string;
  /** Pathway title, or null when the task would stay. */
  pathway: string | null;
  priority?: number;
  labelRow?: LabelRowJson;
  twinWrites?: TwinWrites;
}

/** Something the user should know that failed nothing (code `TA_..._` marked "Warning" in the catalog). */
export interface RunWarning {
  code: SerializedError['code'];
  message: string;
  /** The task it concerns, when it concerns one. */
  taskUuid?: string;
  dataTitle?: string;
  stage?: string;
}

/** One project's part of a run. */
export interface ProjectSummary {
  /** The `--project` value (a directory or an Encord project hash). */
  project: string;
  projectHash: string;
  title: string;
  ok: boolean;
  stages: StageSummary[];
  failures: TaskFailure[];
  /** Failures not tied to one task (see RunSummary.errors). */
  errors: RunError[];
  calls: Record<string, number>;
  /** Registered stages this project does not have (several projects: skipped with a note, not an error). */
  skippedStages: Array<{ stage: string; note: string }>;
}

export interface RunSummary {
  ok: boolean;
  durationMs: number;
  tasksPerSecond: number;
  passes: number;
  /** Stopped by a signal (Ctrl-C / SIGTERM): dispatching stopped, what was in flight finished and was committed. */
  interrupted: boolean;
  /** The first signal that stopped the run. */
  signal?: 'SIGINT' | 'SIGTERM';
  /** A second signal aborted the tasks in flight (they fail with TA_RUN_ABORTED and stay in their stage). */
  aborted?: true;
  warnings: RunWarning[];
  /** Warnings past the first 1000, counted only. */
  warningsOmitted?: number;
  stages: StageSummary[];
  failures: TaskFailure[];
  /** Failures not tied to one task (a stage's listing failed after the retry budget); the tasks not reached stay for the next run or pass. */
  errors: RunError[];
  /** Platform operations (requests for HTTP platforms) by name, summed over the projects. */
  calls: Record<string, number>;
  /** Why the run stopped before its end, when it did (`--max-failures`). */
  stopped?: { reason: 'max-failures'; failures: number };
  /** Per project, in `--project` order (one entry for a run over one project). */
  projects: ProjectSummary[];
  /** Video and image frames decoded for the agents (present when any). */
  framesDecoded?: number;
  /** Dry runs: nothing was written; `moved` counts what would have moved. */
  dryRun?: true;
  /** Dry runs: every successful task's decision, in completion order. */
  decisions?: TaskDecision[];
}
