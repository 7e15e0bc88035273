/**
 * One project of a run: its platform, the registered stages it has (resolved against its
 * workflow), its twin projects, its commit buffer and its report. A run over several projects (one
 * deployment serving them) holds one each; they share the run's worker pool.
 */
import type { ProjectInfo } from '../shared/types.js';
import { formatError, serializeError } from '../shared/errors.js';
import type { Platform } from '../platform/platform.js';
import type { ProjectSummary, TaskResult } from '../agent/run-types.js';
import type { ResolvedRunOptions } from './run-options.js';
import { RunReport } from './run-report.js';
import type { Progress } from './progress.js';
import { CommitBuffer } from './commit-buffer.js';
import { DryRunCommits } from './dry-run-commits.js';
import type { ResolvedStage } from './stage-pass.js';
import { TaskResultSink } from './task-result-sink.js';
import type { TwinPlatforms } from './twin-projects.js';
import type { FailureMemory } from './failure-memory.js';
import { FailureRouter, parseFailureRecord, resolveFailurePathway, type ResolvedFailurePathway } from './failure-pathway.js';

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
  /** Where every finished task of this project is reported (the session's hook, read at call time). */
  onTask: (e: TaskResult) => void;
  /** The dead-letter memory (every run keeps one). */
  memory: FailureMemory;
  /** The selected stages' failure pathways, checked (failurePathwaysOf). */
  failurePathways: Map<string, ResolvedFailurePathway>;
}

/**
 * The failure pathway of each selected stage (its own onFailure, else `--on-failure`), checked
 * against the stage and the ontology before anything runs.
 * @throws TaskAgentError TA_CFG_INVALID
 */
export function failurePathwaysOf(
  selected: ResolvedStage[],
  project: ProjectInfo,
  options: ResolvedRunOptions,
): Map<string, ResolvedFailurePathway> {
  const out = new Map<string, ResolvedFailurePathway>();
  for (const s of selected) {
    const config =
      s.manifest.onFailure ??
      (options.onFailure !== undefined
        ? { pathway: options.onFailure, ...(options.onFailureRecord && { record: parseFailureRecord(options.onFailureRecord)! }) }
        : undefined);
    if (config) out.set(s.stage.uuid, resolveFailurePathway(s, config, project.ontology));
  }
  return out;
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
  /** Where every task's result goes: to the commit buffer, the report and the progress lines. */
  readonly results: TaskResultSink;
  /** Frames the workers decoded for this project's agents, since the run started. */
  framesDecoded = 0;
  /** The tally outcomes land in; a service swaps in a fresh one per drain, so a long life keeps no history. */
  report!: RunReport;
  readonly #dryRun: DryRunCommits | undefined;
  readonly #onTask: (e: TaskResult) => void;
  readonly memory: FailureMemory;
  /** Failure pathways by stage UUID (stages without one have none). */
  readonly #routers = new Map<string, FailureRouter>();

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
    this.#onTask = p.onTask;
    this.memory = p.memory;
    let dryRun: DryRunCommits | undefined;
    this.results = new TaskResultSink({
      report: () => this.report,
      progress: p.progress,
      commits: (listener) => {
        if (!p.options.dryRun) return new CommitBuffer(p.platform, listener, undefined, p.twins.platform);
        dryRun = new DryRunCommits(listener);
        return dryRun;
      },
    });
    this.#dryRun = dryRun;
    for (const s of p.selected) p.progress.stage(s.stage.uuid, s.stage.title);
    for (const s of p.selected) {
      const resolved = p.failurePathways.get(s.stage.uuid);
      if (resolved)
        this.#routers.set(s.stage.uuid, new FailureRouter(p.platform, s, p.project.ontology, resolved, this.results, p.options.dryRun));
    }
    this.freshReport();
  }

  /** The stage's failure pathway, if it has one. */
  failureRouter(stage: ResolvedStage): FailureRouter | undefined {
    return this.#routers.get(stage.stage.uuid);
  }

  /** Starts a fresh report; the old one keeps what it has. */
  freshReport(): RunReport {
    const report = new RunReport();
    for (const s of this.selected) report.stage(s.stage.uuid, s.stage.title);
    const projectHash = this.project.projectHash;
    report.onTask = (e) => {
      const r = { ...e, projectHash };
      this.memory.record(r);
      this.#onTask(r);
    };
    this.report = report;
    return report;
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
      errors: tag ? s.errors.map((e) => ({ ...e, project: projectHash })) : s.errors,
      calls: s.calls,
      skippedStages: this.skippedStages,
      durationMs: s.durationMs,
      finished: this.report.finished,
    };
  }

  async close(): Promise<void> {
    const unwritable = this.memory.close();
    if (unwritable) process.stderr.write(`warning: ${formatError(serializeError(unwritable))}\n`);
    await this.twins.close();
    // Closing cannot lose what was committed; a failure here (a full disk at the last checkpoint) must not hide the summary.
    await this.platform
      .close()
      .catch((e: unknown) => process.stderr.write(`warning: closing the project failed: ${formatError(serializeError(e))}\n`));
  }
}
