/**
 * A run's machinery, opened once and then used for one pass or many: the agent module's manifest
 * (read in a worker), the resolved options, the platform and the registered stages resolved
 * against the project, the twin projects, the worker pool (or the queue in queue mode), the commit
 * buffer and the report. `executeRun` makes passes over every stage with it; a service drains
 * single stages on demand with the same warm pool. With a local --project the preflight asks the
 * run's own pool, started at once (see warm-start.ts). Once open, a pass never throws: a failure
 * beyond single tasks (a stage that could not be listed) is recorded in its project report's
 * `errors`, so a run always ends with its summary. Every request the run sends (its projects,
 * their twin projects) shares one RetryBudget.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskAgentError, deserializeError, serializeError } from '../shared/errors.js';
import { withinMs } from '../shared/within-ms.js';
import type { AgentManifest, RunChunkRequest, WorkerEvent } from '../shared/protocol.js';
import type { ProjectInfo } from '../shared/types.js';
import { findStage } from '../shared/workflow.js';
import type { Platform } from '../platform/platform.js';
import type { RunOptions, RunSummary, TaskResult } from '../agent/run-types.js';
import { openPlatform } from './open-platform.js';
import { startWarm } from './warm-start.js';
import { loadQueueModule } from './queue/load-queue.js';
import { mediaTempRoot, removeMediaTemp, sweepStaleMediaTemp } from './media-temp-sweep.js';
import { baseInit, preflightInit, readManifest, showsProgress, workerIo, type WorkerIo } from './worker-init.js';
import { resolveRunOptions, type ResolvedRunOptions } from './run-options.js';
import { workerSettings } from '../shared/run-options.js';
import { ABORT_GRACE_MS, WorkerPool, type ChunkRunner, type RunWorkers } from './worker-pool.js';
import type { QueueChunkRunner } from './queue/queue-chunk-runner.js';
import type { QueueRunContext } from './queue/queue-protocol.js';
import { createProgress, projectProgress, type Progress } from './progress.js';
import { runStagePass, type RunControl, type ResolvedStage, type StagePassContext, type TaskFilter } from './stage-pass.js';
import { endsTheRun } from './chunk-outcomes.js';
import { ProjectRun, failurePathwaysOf } from './project-run.js';
import { FailureMemory } from './failure-memory.js';
import type { ResolvedFailurePathway } from './failure-pathway.js';
import { warnDeprecatedDeps, TwinPlatforms } from './twin-projects.js';
import { RetryBudget } from '../platform/encord/retry-budget.js';
import type { StopSignal } from './run-signals.js';

/** After an abort, how long worker-scoped teardowns may take. */
const ABORTED_DISPOSE_MS = 1000;

export interface ExecuteInput extends Partial<RunOptions> {
  agentModule: string;
}

function agentModuleUrl(path: string): string {
  if (path.startsWith('file://')) return path;
  const abs = resolve(path);
  if (!existsSync(abs))
    throw new TaskAgentError('TA_AGENT_MODULE_NOT_FOUND', `agent module ${abs} does not exist`, {
      hint: 'pass the path of a .js, .mjs or .ts file',
    });
  return pathToFileURL(abs).href;
}

/** Loads the agent module in a throw-away worker: its manifest (what each stage needs) or its load error. */
async function loadManifest(agentUrl: string, io: WorkerIo): Promise<AgentManifest> {
  const pool = new WorkerPool(preflightInit(agentUrl, { output: io.output === 'stderr' ? 'stderr' : 'inherit' }), 1);
  try {
    return await readManifest(pool);
  } finally {
    await pool.destroy();
  }
}

/**
 * Every registered stage must be a distinct AGENT stage of the project. With `lenient` (a run over
 * several projects) a stage the project lacks is left out and named in `missing` instead.
 */
export function resolveProjectStages(
  manifest: AgentManifest,
  project: ProjectInfo,
  lenient: boolean,
): { stages: ResolvedStage[]; missing: string[] } {
  const stages = project.workflow.stages;
  const agentStages = stages.filter((s) => s.stageType === 'AGENT');
  const listing = agentStages.map((s) => `"${s.title}" (${s.uuid})`).join(', ') || 'none';
  const seen = new Map<string, string>();
  const out: ResolvedStage[] = [];
  const missing: string[] = [];
  manifest.stages.forEach((m, index) => {
    const stage = findStage(stages, m.ref);
    if (!stage) {
      if (lenient) return void missing.push(m.ref);
      throw new TaskAgentError('TA_STAGE_UNKNOWN', `the project has no stage "${m.ref}"`, { hint: `agent stages: ${listing}` });
    }
    if (stage.stageType !== 'AGENT') {
      throw new TaskAgentError(
        'TA_STAGE_NOT_AGENT',
        `stage "${m.ref}" of project "${project.title}" is a ${stage.stageType} stage, not an AGENT stage`,
        { hint: `agent stages: ${listing}` },
      );
    }
    const prior = seen.get(stage.uuid);
    if (prior !== undefined) {
      throw new TaskAgentError('TA_STAGE_DUPLICATE', `stage "${stage.title}" is registered twice ("${prior}" and "${m.ref}")`, {
        hint: 'keep one registration per stage',
      });
    }
    seen.set(stage.uuid, m.ref);
    out.push({ index, manifest: m, stage: { ...stage, pathways: stage.pathways ?? [] } });
  });
  if (out.length === 0) {
    throw new TaskAgentError(
      'TA_STAGE_UNKNOWN',
      `project "${project.title}" (${project.projectHash}) has none of the registered stages (${manifest.stages.map((m) => `"${m.ref}"`).join(', ')})`,
      { hint: `its agent stages: ${listing}` },
    );
  }
  return { stages: out, missing };
}

/** Every registered stage must be a distinct AGENT stage of the project. */
export function resolveStages(manifest: AgentManifest, project: ProjectInfo): ResolvedStage[] {
  return resolveProjectStages(manifest, project, false).stages;
}

/**
 * A registered stage by title or UUID, matched through the project: a stage registered by title is
 * found by its UUID and the other way round (encord-agents #211).
 */
export function registeredStage(stages: readonly ResolvedStage[], project: ProjectInfo, ref: string): ResolvedStage | undefined {
  const stage = findStage(project.workflow.stages, ref);
  return stage ? stages.find((s) => s.stage.uuid === stage.uuid) : undefined;
}

const stageListing = (stages: readonly ResolvedStage[]) => stages.map((s) => `"${s.stage.title}" (${s.stage.uuid})`).join(', ');

/** A project once opened, before its run is built. */
interface OpenedProject {
  ref: string;
  platform: Platform;
  project: ProjectInfo;
  stages: ResolvedStage[];
  selected: ResolvedStage[];
  skippedStages: Array<{ stage: string; note: string }>;
  twins: TwinPlatforms;
  memory: FailureMemory;
  failurePathways: Map<string, ResolvedFailurePathway>;
}

export class RunSession {
  readonly control: RunControl = { stopping: false, aborting: false };
  passes = 0;
  interrupted = false;
  /** The first signal that stopped the run, and whether a second one aborted it. */
  signal: StopSignal | undefined;
  aborted = false;
  /** Called once per finished task of any project (runStage callbacks, handle results, failure memory, metrics). */
  onTask: ((e: TaskResult) => void) | undefined;
  readonly projects: ProjectRun[];
  readonly #progress: Progress;
  readonly #events: WorkerEvents;
  readonly #pool: WorkerPool | undefined;
  /** Queue mode: one queue run per project (a queue worker's pool serves one project). */
  readonly #queues: QueueChunkRunner[];

  private constructor(
    readonly options: ResolvedRunOptions,
    readonly manifest: AgentManifest,
    opened: OpenedProject[],
    pool: WorkerPool | undefined,
    queues: QueueChunkRunner[],
    progress: Progress,
    events: WorkerEvents,
  ) {
    this.#progress = progress;
    this.#events = events;
    this.#pool = pool;
    if (pool && options.maxFailures !== undefined) pool.stopAfterFailures(options.maxFailures);
    this.#queues = queues;
    const several = opened.length > 1;
    this.projects = opened.map(
      (o, index) =>
        new ProjectRun({
          index,
          ...o,
          options,
          progress: several ? projectProgress(progress, String(index), o.project.title) : progress,
          onTask: (e) => {
            if (e.outcome === 'failed') this.#failed();
            this.onTask?.(e);
          },
        }),
    );
  }

  /**
   * Preflight: loads the agent module (in a worker), validates the options, opens every project
   * and resolves the registered stages against it, checks twin projects, starts the pool (or
   * connects to the queue) and runs the preExecution hook (once per project). Nothing of any
   * project is touched before this returns.
   */
  static async open(input: ExecuteInput): Promise<RunSession> {
    const agentUrl = agentModuleUrl(input.agentModule);
    // Validate the flags first (a bad flag must not even load the module), then again with the
    // module's own Runner options as a lower-priority source.
    const preliminary = resolveRunOptions(input);
    // Workers report finished tasks and (when stdout or the terminal is ours) agent output here.
    const runId = randomUUID();
    const channelName = `task-agents-run-${runId}`;
    const mediaTemp = mediaTempRoot(process.pid, runId.slice(0, 8));
    // Killed runs leave their media downloads behind: remove those of processes that are gone.
    sweepStaleMediaTemp();
    const events = listenToWorkers(channelName, mediaTemp);
    const io = (o: ResolvedRunOptions) => workerIo(o, channelName, mediaTemp);
    const warm = await startWarm(agentUrl, preliminary, io(preliminary));
    let manifest: AgentManifest;
    let options: ResolvedRunOptions;
    try {
      manifest = warm ? await warm.manifest() : await loadManifest(agentUrl, io(preliminary));
      options = resolveRunOptions(input, manifest.runnerOptions ?? {});
      if (options.projects.length === 0)
        throw new TaskAgentError('TA_CFG_INVALID', 'no project given', { hint: 'pass --project DIR (or an Encord project UUID)' });
    } catch (e) {
      await warm?.discard();
      events.close();
      throw e;
    }
    const reuse = warm?.fits(options) ? warm : undefined;
    if (warm && !reuse) await warm.discard();

    const progress = createProgress(showsProgress(options));
    events.attach(progress);
    const opened: OpenedProject[] = [];
    const platforms: Platform[] = [];
    let pool: WorkerPool | undefined;
    const queues: QueueChunkRunner[] = [];
    try {
      const several = options.projects.length > 1;
      const budget = new RetryBudget(options.retryBudget);
      for (const [i, ref] of options.projects.entries()) {
        const platform = i === 0 && reuse ? reuse.platform : await openPlatform(ref, options.credentials, budget);
        platforms.push(platform);
        const twins = new TwinPlatforms(platform.descriptor, budget);
        const project = i === 0 && reuse ? reuse.init.project : await platform.getProject();
        const { stages, missing } = resolveProjectStages(manifest, project, several);
        const skippedStages = missing.map((stage) => ({ stage, note: `project "${project.title}" has no stage "${stage}"` }));
        let selected = stages;
        if (options.stage !== undefined) {
          const one = registeredStage(stages, project, options.stage);
          selected = one ? [one] : [];
          if (!one && several)
            skippedStages.push({
              stage: options.stage,
              note: `--stage "${options.stage}" is not a registered stage of project "${project.title}"`,
            });
          if (!one && !several) {
            throw new TaskAgentError('TA_STAGE_UNKNOWN', `--stage "${options.stage}" is not a registered stage of this project`, {
              hint: `registered stages: ${stageListing(stages)}`,
            });
          }
        }
        const failurePathways = failurePathwaysOf(selected, project, options);
        opened.push({
          ref,
          platform,
          project,
          stages,
          selected,
          skippedStages,
          twins,
          memory: FailureMemory.open(platform.descriptor, options.stateDir, { readOnly: options.dryRun }),
          failurePathways,
        });
        await twins.check(selected);
        warnDeprecatedDeps(stages);
      }
      if (options.stage !== undefined && opened.every((o) => o.selected.length === 0)) {
        throw new TaskAgentError('TA_STAGE_UNKNOWN', `--stage "${options.stage}" is a registered stage of none of the projects`, {
          hint: `registered stages: ${manifest.stages.map((m) => `"${m.ref}"`).join(', ')}`,
        });
      }
      const [first, ...rest] = opened;
      const init =
        reuse?.init ??
        baseInit(
          agentUrl,
          options,
          first.project,
          first.platform.descriptor,
          io(options),
          rest.map((o) => ({ project: o.project, platform: o.platform.descriptor })),
        );
      if (options.queue) {
        // Queue mode: remote workers run the chunks; a one-thread local pool serves preExecution only.
        if (manifest.hasPreExecution) await runPreExecution(new WorkerPool(init, 1), opened.length, true);
        // Loaded in queue mode only: BullMQ and its Redis client cost every local run start-up time and memory.
        const { QueueChunkRunner } = await loadQueueModule(() => import('./queue/queue-chunk-runner.js'));
        const queueOptions = { reconnectMs: options.queueReconnectMs, log: (line: string) => process.stderr.write(`${line}\n`) };
        for (const o of opened)
          queues.push(
            await QueueChunkRunner.open(
              options.queue,
              options.queueName,
              queueContext(manifest, o.project, o.platform, options),
              queueOptions,
            ),
          );
      } else {
        pool = reuse?.pool ?? new WorkerPool(init, options.threads);
        if (manifest.hasPreExecution) await runPreExecution(pool, opened.length, false);
      }
      return new RunSession(options, manifest, opened, pool, queues, progress, events);
    } catch (e) {
      progress.stop();
      await pool?.destroy();
      await Promise.allSettled(queues.map((q) => q.close()));
      for (const o of opened) {
        o.memory.close();
        await o.twins.close();
      }
      for (const p of platforms) await p.close();
      events.close();
      throw e;
    }
  }

  /** Failed tasks since the run opened (`--max-failures` stops it at that many). */
  failures = 0;

  #failed(): void {
    this.failures++;
    const max = this.options.maxFailures;
    if (max !== undefined && this.failures >= max && !this.control.stopping) {
      this.control.stopping = true;
      this.control.stopReason = 'max-failures';
      // The chunks in flight start no more tasks (those in progress finish), as after a first Ctrl-C.
      for (const w of this.#workers) w.stop();
    }
  }

  /** The progress display (every project's lines). */
  get progress(): Progress {
    return this.#progress;
  }

  /** The only project (a run over one project). */
  get single(): ProjectRun {
    return this.projects[0];
  }

  /** The project of a run whose hash is `projectHash`. */
  projectByHash(projectHash: string): ProjectRun | undefined {
    const h = projectHash.toLowerCase();
    return this.projects.find((p) => p.project.projectHash.toLowerCase() === h);
  }

  /** Starts fresh reports (a service: one per drain); the old ones keep what they have. */
  freshReports(): void {
    for (const p of this.projects) p.freshReport();
  }

  /** Chunks of one project's tasks: to the shared pool (which names the project per chunk), or to that project's queue run. */
  #chunksFor(run: ProjectRun): ChunkRunner {
    const queue = this.#queues[run.index];
    const pool = this.#pool;
    const send = queue
      ? (req: RunChunkRequest) => queue.runChunk({ ...req, projectIndex: 0 })
      : (req: RunChunkRequest) => pool!.runChunk({ ...req, projectIndex: run.index });
    return {
      runChunk: async (req) => {
        const r = await send(req);
        if (r.framesDecoded) run.framesDecoded += r.framesDecoded;
        return r;
      },
      reportsProgress: !queue && pool!.reportsProgress,
      // The queue's workers advertise their threads as they come and go: read at each dispatch.
      get capacity() {
        return queue?.capacity;
      },
    };
  }

  /**
   * One pass over one stage of one project (or over the tasks of it that `filter` selects),
   * committed before it returns (so tasks it moved into a later stage are visible). When the stage
   * cannot be listed to its end, what was listed is still run, committed and reconciled, and then
   * the listing's error is thrown.
   */
  async drain(run: ProjectRun, stage: ResolvedStage, how: Pick<StagePassContext, 'filter' | 'onListed'> = {}): Promise<void> {
    const failures = run.failureRouter(stage);
    let failure: { error: unknown } | undefined;
    try {
      await runStagePass({
        stage,
        ...how,
        filter: this.#leaveAlone(run, stage, how.filter),
        ...(failures && { failures }),
        platform: run.platform,
        pool: this.#chunksFor(run),
        options: this.options,
        results: run.results,
        control: this.control,
      }).catch((error: unknown) => void (failure = { error }));
      await run.results.flush();
      run.report.reconcile(stage.stage.uuid);
    } finally {
      const unwritable = run.memory.tryFlush();
      if (unwritable) run.report.warning({ stageUuid: stage.stage.uuid }, serializeError(unwritable));
    }
    if (failure) throw failure.error;
  }

  /** The pass's filter, plus `--skip-failed-after`: tasks that failed that many runs in a row are not listed (and counted as left alone). */
  #leaveAlone(run: ProjectRun, stage: ResolvedStage, filter: TaskFilter | undefined): TaskFilter | undefined {
    const after = this.options.skipFailedAfter;
    if (after === undefined || this.options.retryFailed) return filter;
    const alone = run.memory.leftAlone(stage.stage.uuid, after);
    if (alone.size === 0) return filter;
    const report = run.report;
    return {
      ...filter,
      accept: (t) => {
        if (alone.has(t.uuid)) {
          report.leftAlone(stage.stage.uuid);
          return false;
        }
        return filter?.accept ? filter.accept(t) : true;
      },
    };
  }

  /** One pass over the selected stages of every project, in `--project` then registration order. */
  async pass(): Promise<void> {
    for (const run of this.projects) {
      for (const s of run.selected) {
        if (this.control.stopping) return;
        // The platform has retried within the run's budget: record the stage's failure and go on.
        // A run that cannot go on (its queue is gone) ends here, with what it committed.
        await this.drain(run, s).catch((e: unknown) => {
          if (endsTheRun(e)) throw e;
          run.report.error(s.stage.uuid, e, this.passes);
        });
      }
      await run.results
        .flush()
        .catch((e: unknown) => void run.report.error(run.selected[run.selected.length - 1].stage.uuid, e, this.passes));
    }
  }

  /** Whatever runs this run's chunks: the pool, or the projects' queue runs. */
  get #workers(): RunWorkers[] {
    return this.#pool ? [this.#pool] : this.#queues;
  }

  /** A first Ctrl-C / SIGTERM: no new chunk, no new task; attempts in progress finish and are committed. */
  stop(signal: StopSignal): void {
    if (this.control.stopping) return;
    this.control.stopping = true;
    this.interrupted = true;
    this.signal = signal;
    for (const w of this.#workers) w.stop();
  }

  /**
   * A second one: every attempt's `signal` fires now; after ABORT_GRACE_MS the workers still busy
   * are recycled and their tasks fail with TA_RUN_ABORTED.
   */
  abort(): void {
    if (this.control.aborting) return;
    this.control.aborting = true;
    this.control.stopping = true;
    this.aborted = true;
    for (const w of this.#workers) w.abort(ABORT_GRACE_MS);
  }

  /** Worker-scoped teardown (bounded after an abort: the run ends within seconds), then the summary of the current reports. */
  async finish(): Promise<RunSummary> {
    if (this.#pool) await (this.control.aborting ? withinMs(this.#pool.disposeWorkers(), ABORTED_DISPOSE_MS) : this.#pool.disposeWorkers());
    await this.#collectQueueWarnings();
    return this.summary();
  }

  /** After an error that ends the run part-way: commits what finished, and returns the summary of it. */
  async salvage(): Promise<RunSummary> {
    for (const run of this.projects) await run.results.flush().catch(() => undefined);
    await this.#collectQueueWarnings();
    return this.summary();
  }

  async #collectQueueWarnings(): Promise<void> {
    await withinMs(Promise.all(this.#queues.map((q) => q.collectRefusals())), 2000);
  }

  /** The run's summary: per project, and summed over them. */
  summary(): RunSummary {
    for (const [i, q] of this.#queues.entries()) for (const w of q.takeWarnings()) this.projects[i].report.warning({}, w);
    const several = this.projects.length > 1;
    const parts = this.projects.map((p) => p.summary(several));
    const durationMs = Math.max(0, ...parts.map((p) => p.durationMs));
    const finished = parts.reduce((n, p) => n + p.finished, 0);
    const omitted = this.projects.reduce((n, p) => n + p.report.warningsOmitted, 0);
    const calls: Record<string, number> = {};
    for (const p of parts) for (const [op, n] of Object.entries(p.calls)) calls[op] = (calls[op] ?? 0) + n;
    const summary: RunSummary = {
      ok: parts.every((p) => p.ok),
      durationMs,
      tasksPerSecond: durationMs > 0 ? Math.round((finished / durationMs) * 1000) : finished,
      passes: this.passes,
      interrupted: this.interrupted,
      ...(this.signal && { signal: this.signal }),
      ...(this.aborted && { aborted: true as const }),
      warnings: this.projects.flatMap((p) => p.report.warnings),
      ...(omitted > 0 && { warningsOmitted: omitted }),
      stages: parts.flatMap((p) => p.stages),
      failures: parts.flatMap((p) => p.failures),
      errors: parts.flatMap((p) => p.errors),
      calls,
      projects: parts.map(({ durationMs: _d, finished: _f, ...p }) => p),
    };
    const frames = this.projects.reduce((n, p) => n + p.framesDecoded, 0);
    if (frames > 0) summary.framesDecoded = frames;
    if (this.control.stopReason === 'max-failures') summary.stopped = { reason: 'max-failures', failures: this.failures };
    if (!this.options.dryRun) return summary;
    return { ...summary, dryRun: true, decisions: this.projects.flatMap((p) => p.decisions ?? []) };
  }

  async close(): Promise<void> {
    this.#progress.stop();
    await this.#pool?.destroy();
    await Promise.allSettled(this.#queues.map((q) => q.close()));
    for (const p of this.projects) await p.close();
    this.#events.close(); // after the pool: also removes the run's media temp folder
  }
}

interface WorkerEvents {
  attach(progress: Progress): void;
  close(): void;
}

/**
 * Applies the workers' events: finished tasks to the progress lines, agent output above them.
 * Listening starts with the workers (output at module import arrives before the display exists).
 * In a run over several projects the workers key a stage's progress by project too (see
 * projectProgress).
 */
function listenToWorkers(name: string, mediaTemp: string): WorkerEvents {
  const channel = new BroadcastChannel(name);
  channel.unref();
  const early: WorkerEvent[] = [];
  let progress: Progress | undefined;
  const apply = (e: WorkerEvent, p: Progress) => {
    if (e.type === 'progress') p.tick(e.stageUuid, { n: e.done, failed: e.failed, frames: e.frames });
    else p.log(e.text);
  };
  channel.onmessage = (m) => {
    const e = (m as { data: WorkerEvent }).data;
    if (progress) apply(e, progress);
    else early.push(e);
  };
  return {
    attach(p) {
      progress = p;
      for (const e of early.splice(0)) apply(e, p);
    },
    close: () => {
      channel.close();
      removeMediaTemp(mediaTemp);
    },
  };
}

/** The preExecution hook, once per project (in `--project` order). */
async function runPreExecution(pool: WorkerPool, projects: number, destroy: boolean): Promise<void> {
  try {
    for (let i = 0; i < projects; i++) {
      const r = await pool.preExecution(i);
      if (r.error) throw deserializeError(r.error);
    }
  } finally {
    if (destroy) await pool.destroy();
  }
}

/** What queue workers need to run this run's chunks (no secrets: Encord workers use their own key). */
function queueContext(
  manifest: AgentManifest,
  project: ProjectInfo,
  platform: Platform,
  options: ResolvedRunOptions,
): Omit<QueueRunContext, 'runId'> {
  const d = platform.descriptor;
  return {
    stageRefs: manifest.stages.map((s) => s.ref),
    project,
    platform: d.kind === 'local' ? d : { kind: 'encord', projectHash: d.projectHash, domain: d.domain },
    ...workerSettings(options),
  };
}
