/**
 * A run's machinery, opened once and then used for one pass or many: the agent module's manifest
 * (read in a worker), the resolved options, the platform and the registered stages resolved
 * against the project, the twin projects, the worker pool (or the queue in queue mode), the commit
 * buffer and the report. `executeRun` makes passes over every stage with it; a service drains
 * single stages on demand with the same warm pool. With a local --project the preflight asks the
 * run's own pool, started at once (see warm-start.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskAgentError, deserializeError } from '../shared/errors.js';
import type { AgentManifest, WorkerInit } from '../shared/protocol.js';
import type { ProjectInfo } from '../shared/types.js';
import { findStage } from '../shared/workflow.js';
import type { Platform } from '../platform/platform.js';
import type { RunOptions, RunSummary } from '../agent/run-types.js';
import { openPlatform } from './open-platform.js';
import { startWarm } from './warm-start.js';
import { baseInit, readManifest } from './worker-init.js';
import { resolveRunOptions, type ResolvedRunOptions } from './run-options.js';
import { ABORT_GRACE_MS, WorkerPool, type ChunkRunner } from './worker-pool.js';
import type { QueueChunkRunner } from './queue/queue-chunk-runner.js';
import type { QueueRunContext } from './queue/queue-protocol.js';
import { RunReport } from './run-report.js';
import { createProgress, type Progress } from './progress.js';
import { CommitBuffer, type CommitEntry, type CommitListener, type Commits } from './commit-buffer.js';
import { DryRunCommits } from './dry-run-commits.js';
import { dataTitleOf, runStagePass, type RunControl, type ResolvedStage } from './stage-pass.js';
import { warnDeprecatedDeps, TwinPlatforms } from './twin-projects.js';
import type { StopSignal } from './run-signals.js';

/** After an abort, how long worker-scoped teardowns may take. */
const ABORTED_DISPOSE_MS = 1000;

export interface ExecuteInput extends Partial<RunOptions> {
  agentModule: string;
}

function agentModuleUrl(path: string): string {
  if (path.startsWith('file://')) return path;
  const abs = resolve(path);
  if (!existsSync(abs)) throw new TaskAgentError('TA_AGENT_MODULE_NOT_FOUND', `agent module ${abs} does not exist`, { hint: 'pass the path of a .js, .mjs or .ts file' });
  return pathToFileURL(abs).href;
}

/** Loads the agent module in a throw-away worker: its manifest (what each stage needs) or its load error. */
async function loadManifest(agentUrl: string, options: ResolvedRunOptions): Promise<AgentManifest> {
  const pool = new WorkerPool(baseInit(agentUrl, options, null, null), 1);
  try {
    return await readManifest(pool);
  } finally {
    await pool.destroy();
  }
}

/** Every registered stage must be a distinct AGENT stage of the project. */
export function resolveStages(manifest: AgentManifest, project: ProjectInfo): ResolvedStage[] {
  const stages = project.workflow.stages;
  const agentStages = stages.filter((s) => s.stageType === 'AGENT');
  const listing = agentStages.map((s) => `"${s.title}" (${s.uuid})`).join(', ') || 'none';
  const seen = new Map<string, string>();
  return manifest.stages.map((m, index) => {
    const stage = findStage(stages, m.ref);
    if (!stage) throw new TaskAgentError('TA_STAGE_UNKNOWN', `the project has no stage "${m.ref}"`, { hint: `agent stages: ${listing}` });
    if (stage.stageType !== 'AGENT') {
      throw new TaskAgentError('TA_STAGE_NOT_AGENT', `stage "${m.ref}" is a ${stage.stageType} stage, not an AGENT stage`, { hint: `agent stages: ${listing}` });
    }
    const prior = seen.get(stage.uuid);
    if (prior !== undefined) {
      throw new TaskAgentError('TA_STAGE_DUPLICATE', `stage "${stage.title}" is registered twice ("${prior}" and "${m.ref}")`, { hint: 'keep one registration per stage' });
    }
    seen.set(stage.uuid, m.ref);
    return { index, manifest: m, stage: { ...stage, pathways: stage.pathways ?? [] } };
  });
}

/** What the constructor is given: everything `open` set up. */
interface SessionParts {
  options: ResolvedRunOptions;
  manifest: AgentManifest;
  platform: Platform;
  project: ProjectInfo;
  stages: ResolvedStage[];
  init: WorkerInit;
  pool: WorkerPool | undefined;
  queue: QueueChunkRunner | undefined;
  twins: TwinPlatforms;
  progress: Progress;
}

export class RunSession {
  readonly control: RunControl = { stopping: false, aborting: false };
  /** The tally outcomes land in; a service swaps in a fresh one per drain, so a long life keeps no history. */
  report = new RunReport();
  readonly options: ResolvedRunOptions;
  readonly manifest: AgentManifest;
  readonly platform: Platform;
  readonly project: ProjectInfo;
  readonly stages: ResolvedStage[];
  readonly progress: Progress;
  readonly #pool: WorkerPool | undefined;
  readonly #queue: QueueChunkRunner | undefined;
  readonly #twins: TwinPlatforms;
  readonly #commits: Commits;
  readonly #dryRun: DryRunCommits | undefined;

  private constructor(p: SessionParts) {
    this.options = p.options;
    this.manifest = p.manifest;
    this.platform = p.platform;
    this.project = p.project;
    this.stages = p.stages;
    this.progress = p.progress;
    this.#pool = p.pool;
    this.#queue = p.queue;
    this.#twins = p.twins;
    const progress = p.progress;
    const ref = (e: CommitEntry) => ({ taskUuid: e.taskUuid, dataHash: e.dataHash, dataTitle: dataTitleOf(e) });
    const listener: CommitListener = {
      moved: (e) => { this.report.moved(e.stageUuid, ref(e), e.pathway!); progress.tick(e.stageUuid); },
      stayed: (e) => { this.report.stayed(e.stageUuid, ref(e)); progress.tick(e.stageUuid); },
      skipped: (e) => { this.report.skipped(e.stageUuid, ref(e)); progress.tick(e.stageUuid); },
      failed: (e, err) => {
        this.report.failed(e.stageUuid, ref(e), err);
        progress.tick(e.stageUuid);
      },
      twins: (e, c) => {
        for (const k of ['saved', 'moved', 'skipped'] as const) if (c[k] > 0) this.report.twins(e.stageUuid, k, c[k]);
      },
    };
    this.#dryRun = p.options.dryRun ? new DryRunCommits(listener, (uuid) => this.report.stages.get(uuid)?.stage ?? uuid) : undefined;
    this.#commits = this.#dryRun ?? new CommitBuffer(p.platform, listener, undefined, p.twins.platform);
    for (const s of p.stages) progress.stage(s.stage.uuid, s.stage.title);
    this.#registerStages(this.report);
  }

  /**
   * Preflight: loads the agent module (in a worker), validates the options and the stages against
   * the project, checks twin projects, starts the pool (or connects to the queue) and runs the
   * preExecution hook. Nothing of the project is touched before this returns.
   */
  static async open(input: ExecuteInput): Promise<RunSession> {
    const agentUrl = agentModuleUrl(input.agentModule);
    // Validate the flags first (a bad flag must not even load the module), then again with the
    // module's own Runner options as a lower-priority source.
    const preliminary = resolveRunOptions(input);
    const warm = await startWarm(agentUrl, preliminary);
    let manifest: AgentManifest;
    let options: ResolvedRunOptions;
    try {
      manifest = warm ? await warm.manifest() : await loadManifest(agentUrl, preliminary);
      options = resolveRunOptions(input, manifest.runnerOptions ?? {});
      if (!options.project) throw new TaskAgentError('TA_CFG_INVALID', 'no project given', { hint: 'pass --project DIR (or an Encord project UUID)' });
    } catch (e) {
      await warm?.discard();
      throw e;
    }
    const reuse = warm?.fits(options) ? warm : undefined;
    if (warm && !reuse) await warm.discard();

    const platform = reuse?.platform ?? (await openPlatform(options.project));
    const progress = createProgress(!options.quiet && !options.json && process.stdout.isTTY === true);
    let pool: WorkerPool | undefined;
    let queue: QueueChunkRunner | undefined;
    const twins = new TwinPlatforms(platform.descriptor);
    try {
      const project = reuse?.init.project ?? (await platform.getProject());
      const stages = resolveStages(manifest, project);
      await twins.check(stages);
      warnDeprecatedDeps(stages);
      const init = reuse?.init ?? baseInit(agentUrl, options, project, platform.descriptor);
      if (options.queue) {
        // Queue mode: remote workers run the chunks; a one-thread local pool serves preExecution only.
        if (manifest.hasPreExecution) await runPreExecution(new WorkerPool(init, 1), true);
        // Loaded in queue mode only: BullMQ and its Redis client cost every local run start-up time and memory.
        const { QueueChunkRunner } = await import('./queue/queue-chunk-runner.js');
        queue = await QueueChunkRunner.open(options.queue, options.queueName, queueContext(manifest, project, platform, options), {
          reconnectMs: options.queueReconnectMs,
          log: (line) => process.stderr.write(`${line}\n`),
        });
      } else {
        pool = reuse?.pool ?? new WorkerPool(init, options.threads);
        if (manifest.hasPreExecution) await runPreExecution(pool, false);
      }
      return new RunSession({ options, manifest, platform, project, stages, init, pool, queue, twins, progress });
    } catch (e) {
      progress.stop();
      await pool?.destroy();
      await queue?.close();
      await twins.close();
      await platform.close();
      throw e;
    }
  }

  #registerStages(report: RunReport): void {
    for (const s of this.stages) report.stage(s.stage.uuid, s.stage.title);
  }

  /** Starts a fresh report (a service: one per drain); the old one keeps what it has. */
  freshReport(): RunReport {
    this.report = new RunReport();
    this.#registerStages(this.report);
    return this.report;
  }

  /** One pass over one stage, committed before it returns (so tasks it moved into a later stage are visible). */
  async drain(stage: ResolvedStage): Promise<void> {
    await runStagePass({ stage, platform: this.platform, pool: this.#chunks, options: this.options, report: this.report, progress: this.progress, commits: this.#commits, control: this.control });
    await this.#commits.flush();
    this.report.reconcile(stage.stage.uuid);
  }

  /** One pass over every registered stage, in registration order. */
  async pass(): Promise<void> {
    for (const s of this.stages) {
      if (this.control.stopping) break;
      await this.drain(s);
    }
    await this.#commits.flush();
  }

  get #chunks(): ChunkRunner {
    return this.#queue ?? this.#pool!;
  }

  /** A first Ctrl-C / SIGTERM: no new chunk, no new task; attempts in progress finish and are committed. */
  stop(signal: StopSignal): void {
    if (this.control.stopping) return;
    this.control.stopping = true;
    this.report.interrupted = true;
    this.report.signal = signal;
    this.#chunks.stop();
  }

  /**
   * A second one: every attempt's `signal` fires now; after ABORT_GRACE_MS the workers still busy
   * are recycled and their tasks fail with TA_RUN_ABORTED.
   */
  abort(): void {
    if (this.control.aborting) return;
    this.control.aborting = true;
    this.control.stopping = true;
    this.report.aborted = true;
    this.#chunks.abort(ABORT_GRACE_MS);
  }

  /** Worker-scoped teardown (bounded after an abort: the run ends within seconds), then the summary of the current report. */
  async finish(): Promise<RunSummary> {
    if (this.#pool) await (this.control.aborting ? withinMs(this.#pool.disposeWorkers(), ABORTED_DISPOSE_MS) : this.#pool.disposeWorkers());
    return this.summary();
  }

  /** After an error that ends the run part-way: commits what finished, and returns the summary of it. */
  async salvage(): Promise<RunSummary> {
    await this.#commits.flush().catch(() => undefined);
    return this.summary();
  }

  summary(): RunSummary {
    for (const w of this.#queue?.takeWarnings() ?? []) this.report.warning({}, w);
    const summary = this.report.summary({ ...this.platform.callCounts(), ...this.#twins.callCounts() });
    return this.#dryRun ? { ...summary, dryRun: true, decisions: this.#dryRun.decisions } : summary;
  }

  async close(): Promise<void> {
    this.progress.stop();
    await this.#pool?.destroy();
    await this.#queue?.close();
    await this.#twins.close();
    await this.platform.close();
  }
}

/** Waits for `p`, at most `ms`. */
async function withinMs(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

async function runPreExecution(pool: WorkerPool, destroy: boolean): Promise<void> {
  try {
    const r = await pool.preExecution();
    if (r.error) throw deserializeError(r.error);
  } finally {
    if (destroy) await pool.destroy();
  }
}

/** What queue workers need to run this run's chunks (no secrets: Encord workers use their own key). */
function queueContext(manifest: AgentManifest, project: ProjectInfo, platform: Platform, options: ResolvedRunOptions): Omit<QueueRunContext, 'runId'> {
  const d = platform.descriptor;
  return {
    stageRefs: manifest.stages.map((s) => s.ref),
    project,
    platform: d.kind === 'local' ? d : { kind: 'encord', projectHash: d.projectHash, domain: d.domain },
    numRetries: options.numRetries,
    taskTimeoutMs: options.taskTimeoutMs,
    concurrency: options.concurrency,
    decoder: options.decoder,
  };
}
