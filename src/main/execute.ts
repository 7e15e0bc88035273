/**
 * A run, start to end (main thread): preflight (load the agent module in a worker, validate its
 * stages against the project, preExecution hook), then passes over the registered stages in
 * order, then the summary. With a local --project the preflight asks the run's own pool, started
 * at once (see warm-start.ts). SIGINT or SIGTERM stops dispatching, lets in-flight tasks finish and
 * flushes; a second one aborts what is in flight (see run-signals.ts).
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
import { WorkerPool, type ChunkRunner } from './worker-pool.js';
import type { QueueChunkRunner } from './queue/queue-chunk-runner.js';
import type { QueueRunContext } from './queue/queue-protocol.js';
import { RunReport } from './run-report.js';
import { createProgress } from './progress.js';
import { CommitBuffer, type CommitListener, type Commits } from './commit-buffer.js';
import { DryRunCommits } from './dry-run-commits.js';
import { dataTitleOf, runStagePass, type RunControl, type ResolvedStage } from './stage-pass.js';
import { warnDeprecatedDeps, TwinPlatforms } from './twin-projects.js';
import { RunSignals } from './run-signals.js';

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

/** After a second signal, how long agents get to honour their signal before their workers are recycled. */
export const ABORT_GRACE_MS = 1000;
/** After an abort, how long worker-scoped teardowns may take. */
const ABORTED_DISPOSE_MS = 1000;

export async function executeRun(input: ExecuteInput): Promise<RunSummary> {
  const agentUrl = agentModuleUrl(input.agentModule);
  // Validate the flags first (a bad flag must not even load the module), then again with the
  // module's own Runner options as a lower-priority source.
  const preliminary = resolveRunOptions(input);
  const report = new RunReport();
  const control: RunControl = { stopping: false, aborting: false };
  let chunks: ChunkRunner | undefined;
  // Installed first: a signal during start-up stops the run before its first task, with a summary.
  const signals = new RunSignals({
    stop(signal) {
      control.stopping = true;
      report.interrupted = true;
      report.signal = signal;
      chunks?.stop();
      process.stderr.write(`\n${signal}: finishing tasks in flight and committing them (again to abort them)\n`);
    },
    abort(signal) {
      control.aborting = true;
      report.aborted = true;
      process.stderr.write(`\n${signal} again: aborting tasks in flight (again to exit at once)\n`);
      // Agents that honour their signal are done within the grace; the rest are recycled.
      chunks?.abort(ABORT_GRACE_MS);
    },
  }).install();
  try {
    return await runWithSignals();
  } finally {
    signals.uninstall();
  }

  async function runWithSignals(): Promise<RunSummary> {
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
      chunks = queue ?? pool!;
      if (control.stopping) chunks.stop();
      if (control.aborting) chunks.abort(0);
      const listener: CommitListener = {
        moved: (e) => { report.moved(e.stageUuid, e.pathway!.title); progress.tick(e.stageUuid); },
        stayed: (e) => { report.stayed(e.stageUuid); progress.tick(e.stageUuid); },
        skipped: (e) => { report.skipped(e.stageUuid); progress.tick(e.stageUuid); },
        failed: (e, err) => {
          report.failed(e.stageUuid, { taskUuid: e.taskUuid, dataTitle: dataTitleOf(e) }, err);
          progress.tick(e.stageUuid);
        },
        twins: (e, c) => {
          for (const k of ['saved', 'moved', 'skipped'] as const) if (c[k] > 0) report.twins(e.stageUuid, k, c[k]);
        },
      };
      const dryRun = options.dryRun ? new DryRunCommits(listener, (uuid) => report.stages.get(uuid)?.stage ?? uuid) : undefined;
      const commits: Commits = dryRun ?? new CommitBuffer(platform, listener, undefined, twins.platform);
      for (const s of stages) {
        report.stage(s.stage.uuid, s.stage.title);
        progress.stage(s.stage.uuid, s.stage.title);
      }
      const summarize = (): RunSummary => {
        for (const w of queue?.warnings ?? []) report.warning({}, w);
        const summary = report.summary({ ...platform.callCounts(), ...twins.callCounts() });
        return dryRun ? { ...summary, dryRun: true, decisions: dryRun.decisions } : summary;
      };
      try {
        for (;;) {
          const passStart = Date.now();
          report.passes++;
          for (const s of stages) {
            if (control.stopping) break;
            await runStagePass({ stage: s, platform, pool: chunks, options, report, progress, commits, control });
            // Commit before the next stage pages, so tasks moved into it are seen in this pass.
            await commits.flush();
          }
          await commits.flush();
          if (options.refreshEvery === undefined || control.stopping) break;
          await sleepUntil(passStart + options.refreshEvery * 1000, control);
          if (control.stopping) break;
        }
      } catch (e) {
        // The run cannot go on (e.g. the queue is gone): what finished is still committed, and the
        // error carries the summary of what was done.
        await commits.flush().catch(() => undefined);
        if (e instanceof TaskAgentError) (e as { summary?: RunSummary }).summary = summarize();
        throw e;
      }
      // After an abort, worker-scoped teardowns get a bounded time: the run ends within seconds.
      if (pool) await (control.aborting ? withinMs(pool.disposeWorkers(), ABORTED_DISPOSE_MS) : pool.disposeWorkers());
      return summarize();
    } finally {
      progress.stop();
      await pool?.destroy();
      await queue?.close();
      await twins.close();
      await platform.close();
    }
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

async function sleepUntil(t: number, control: RunControl): Promise<void> {
  while (Date.now() < t && !control.stopping) await new Promise((r) => setTimeout(r, Math.min(200, t - Date.now())));
}
