/**
 * One project of a run: its platform, the registered stages it has (resolved against its
 * workflow), its twin projects, its commit buffer and its report. A run over several projects (one
 * deployment serving them) holds one each; they share the run's worker pool.
 */
import type { ProjectInfo } from '../shared/types.js';
import type { Platform } from '../platform/platform.js';
import type { ProjectSummary, TaskResult } from '../agent/run-types.js';
import type { ResolvedRunOptions } from './run-options.js';
import { RunReport, type TaskRef } from './run-report.js';
import type { Progress } from './progress.js';
import { CommitBuffer, type CommitEntry, type CommitListener, type Commits } from './commit-buffer.js';
import { DryRunCommits } from './dry-run-commits.js';
import { dataTitleOf, type ResolvedStage } from './stage-pass.js';
import type { TwinPlatforms } from './twin-projects.js';

export interface ProjectRunParts {
  index: number;
  /** The `--project` value. */
  ref: string;
  platform: Platform;
  project: ProjectInfo;
  /** The registered stages this project has. */
  stages: ResolvedStage[];
  /** The stages a pass drains (all of `stages`, or the one `--stage` names). */
  selected: ResolvedStage[];
  skippedStages: ProjectSummary['skippedStages'];
  twins: TwinPlatforms;
  progress: Progress;
  options: ResolvedRunOptions;
}

export class ProjectRun {
  readonly index: number;
  readonly ref: string;
  readonly platform: Platform;
  readonly project: ProjectInfo;
  readonly stages: ResolvedStage[];
  readonly selected: ResolvedStage[];
  readonly skippedStages: ProjectSummary['skippedStages'];
  readonly twins: TwinPlatforms;
  /** Progress bars keyed by this project's stages. */
  readonly progress: Progress;
  readonly commits: Commits;
  /** Frames the workers decoded for this project's agents, since the run started. */
  framesDecoded = 0;
  /** The tally outcomes land in; a service swaps in a fresh one per drain, so a long life keeps no history. */
  report!: RunReport;
  readonly #dryRun: DryRunCommits | undefined;
  /** Where every finished task of this project is reported (the session's hook), if anywhere. */
  #onTask: ((e: TaskResult) => void) | undefined;

  constructor(p: ProjectRunParts) {
    this.index = p.index;
    this.ref = p.ref;
    this.platform = p.platform;
    this.project = p.project;
    this.stages = p.stages;
    this.selected = p.selected;
    this.skippedStages = p.skippedStages;
    this.twins = p.twins;
    this.progress = p.progress;
    const progress = p.progress;
    // The stage pass's entries carry their title (TitledCommitEntry): no copy per task.
    const ref = (e: CommitEntry): TaskRef => (typeof (e as Partial<TaskRef>).dataTitle === 'string' ? e as CommitEntry & TaskRef : { taskUuid: e.taskUuid, dataHash: e.dataHash, dataTitle: dataTitleOf(e) });
    const listener: CommitListener = {
      // Progress counts tasks as their agents finish (stage-pass.ts); commits only add late failures.
      moved: (e) => this.report.moved(e.stageUuid, ref(e), e.pathway!),
      stayed: (e) => this.report.stayed(e.stageUuid, ref(e)),
      skipped: (e) => this.report.skipped(e.stageUuid, ref(e)),
      failed: (e, err) => {
        this.report.failed(e.stageUuid, ref(e), err);
        progress.failure(e.stageUuid);
      },
      twins: (e, c) => {
        for (const k of ['saved', 'moved', 'skipped'] as const) if (c[k] > 0) this.report.twins(e.stageUuid, k, c[k]);
      },
    };
    this.#dryRun = p.options.dryRun ? new DryRunCommits(listener, (uuid) => this.report.stages.get(uuid)?.stage ?? uuid) : undefined;
    this.commits = this.#dryRun ?? new CommitBuffer(p.platform, listener, undefined, p.twins.platform);
    for (const s of p.selected) progress.stage(s.stage.uuid, s.stage.title);
    this.freshReport();
  }

  /** Starts a fresh report; the old one keeps what it has. */
  freshReport(): RunReport {
    const report = new RunReport();
    for (const s of this.selected) report.stage(s.stage.uuid, s.stage.title);
    report.onTask = this.#eventsTo(this.#onTask);
    this.report = report;
    return report;
  }

  /** Sends every finished task of this project to `hook` (or nowhere: then no events are built). */
  setTaskHook(hook: ((e: TaskResult) => void) | undefined): void {
    this.#onTask = hook;
    this.report.onTask = this.#eventsTo(hook);
  }

  #eventsTo(hook: ((e: TaskResult) => void) | undefined): RunReport['onTask'] {
    const projectHash = this.project.projectHash;
    return hook ? (e) => hook({ ...e, projectHash }) : undefined;
  }

  get decisions() {
    return this.#dryRun?.decisions;
  }

  /** This project's part of the summary; `tag` marks stages and failures with the project (several projects). */
  summary(tag: boolean): ProjectSummary & { durationMs: number; finished: number } {
    const s = this.report.summary({ ...this.platform.callCounts(), ...this.twins.callCounts() });
    const projectHash = this.project.projectHash;
    return {
      project: this.ref,
      projectHash,
      title: this.project.title,
      ok: s.ok,
      stages: tag ? s.stages.map((x) => ({ ...x, project: projectHash })) : s.stages,
      failures: tag ? s.failures.map((f) => ({ ...f, project: projectHash })) : s.failures,
      calls: s.calls,
      skippedStages: this.skippedStages,
      durationMs: s.durationMs,
      finished: this.report.finished,
    };
  }

  async close(): Promise<void> {
    await this.twins.close();
    await this.platform.close();
  }
}
