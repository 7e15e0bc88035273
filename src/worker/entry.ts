/**
 * The one file piscina loads (worker threads only). At start it imports the user's agent module
 * and checks every stage's dependencies; `manifest` reports what each stage needs (or why the
 * module cannot run), `runChunk` runs a chunk of tasks and returns outcome records, never throws.
 */
import { workerData, threadId } from 'node:worker_threads';
import { serializeError, TaskAgentError, type SerializedError } from '../shared/errors.js';
import {
  PROTOCOL_VERSION,
  RUN_ABORTED,
  RUN_GOING,
  RUN_STOPPING,
  type AgentManifest,
  type RunChunkMessage,
  type RunChunkReply,
  type RunChunkRequest,
  type RunChunkResponse,
  type TaskOutcome,
  type TaskPayload,
  type WorkerData,
  type WorkerInit,
} from '../shared/protocol.js';
import { packOutcomes, unpackTasks } from '../shared/chunk-wire.js';
import { findStage } from '../shared/workflow.js';
import type { Runner } from '../agent/runner.js';
import { loadRunner } from './load-agent.js';
import { abortLiveAttempts, runTask, type RunTaskSettings, type StageRuntime } from './run-task.js';
import { WorkerRuntime } from './worker-runtime.js';
import { builtinResolver } from './deps/index.js';
import { describeStage } from './deps/describe-stage.js';
import { useNativeGate } from '../media/native-gate.js';
import { installLateErrorHandlers, runTagged, takeLateWarnings } from './late-errors.js';
import { framesDecoded } from './frame.js';
import { flushProgress, startWorkerEvents, taskFinished, withTask } from './worker-events.js';

const init = workerData as WorkerData;
startWorkerEvents(init);
/** This thread's dependency state (worker-scoped values, decoder, platform handles, downloads) and its disposal. */
const runtime = new WorkerRuntime(init);
const runState = new Int32Array(init.runState);
const runAborted = () => Atomics.load(runState, 0) === RUN_ABORTED;
const runStopping = () => Atomics.load(runState, 0) !== RUN_GOING;
/** A task failed (its attempts are exhausted): with `--max-failures`, the one that makes it stops the run, so the rest of every chunk does not start. */
const taskFailed = () => {
  const max = Atomics.load(runState, 1);
  if (max > 0 && Atomics.add(runState, 2, 1) + 1 >= max) Atomics.compareExchange(runState, 0, RUN_GOING, RUN_STOPPING);
};

// A run abort (second Ctrl-C) fires the signal of every attempt in progress. Polled: the state is
// shared memory, and an idle worker (blocked in Atomics.wait between messages) has nothing to abort.
const abortWatch = setInterval(() => {
  if (!runAborted()) return;
  abortLiveAttempts();
  clearInterval(abortWatch);
}, 50);
abortWatch.unref();
installLateErrorHandlers();

/** What the worker knows of one project of the run: its init view and stage runtimes. */
interface ProjectRuntime {
  init: WorkerInit;
  /** By stage index; undefined for a registered stage the project lacks. */
  stages: Array<StageRuntime | undefined>;
}

// Each project sees the init as if it were the run's only project (its platform for media, client, twins).
// The preflight worker has no project: it only reports the manifest.
const projects: ProjectRuntime[] =
  init.role === 'preflight'
    ? []
    : init.projects.map((p) => {
        const view: WorkerInit = { ...init, project: p.project, platform: p.platform };
        return { init: view, stages: [] };
      });

let runner: Runner | undefined;
let loadError: SerializedError | undefined;
let manifestValue: AgentManifest | undefined;

try {
  runner = await loadRunner(init.agentModuleUrl);
  const stages = runner.registrations.map((reg) => {
    const manifest = describeStage(reg);
    const deps = reg.options.deps ?? {};
    for (const p of projects) {
      const stage = findStage(p.init.project.workflow.stages, reg.stage);
      p.stages.push(stage ? { registration: reg, deps, stage: { ...stage, pathways: stage.pathways ?? [] } } : undefined);
    }
    return manifest;
  });
  // Plain data only (functions stay here); several projects and credentials cross too, so
  // `new Runner({ project: [a, b], credentials })` reaches the run.
  const runnerOptions = Object.fromEntries(
    Object.entries(runner.options).filter(
      ([k, v]) => ['string', 'number', 'boolean'].includes(typeof v) || isStringList(v) || (k === 'credentials' && isPlainRecord(v)),
    ),
  );
  manifestValue = { protocol: PROTOCOL_VERSION, stages, hasPreExecution: typeof runner.options.preExecution === 'function', runnerOptions };
} catch (e) {
  loadError = serializeError(e, 'TA_AGENT_MODULE_LOAD_FAILED');
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' || x === undefined)
  );
}

export function manifest(): { manifest?: AgentManifest; error?: SerializedError; threadId: number } {
  return loadError ? { error: loadError, threadId } : { manifest: manifestValue!, threadId };
}

/** Runs the module's preExecution hook (once per run and project, on one worker). */
export async function preExecution(projectIndex: number | null): Promise<{ error?: SerializedError }> {
  if (loadError) return { error: loadError };
  try {
    const project = projects[projectIndex ?? 0]?.init.project;
    if (!project)
      return {
        error: serializeError(new TaskAgentError('TA_INTERNAL', `preExecution asked of a worker without project ${projectIndex ?? 0}`)),
      };
    await runner!.options.preExecution?.({ project, runner: runner! });
    return {};
  } catch (e) {
    const s = serializeError(e, 'TA_PRE_EXECUTION_FAILED');
    if (s.code !== 'TA_PRE_EXECUTION_FAILED') return { error: s };
    return { error: { ...s, message: `preExecution hook failed: ${s.message}` } };
  }
}

/** The pool's entry point: the chunk arrives packed and its outcomes leave packed (see chunk-wire.ts). */
export async function runChunk(msg: RunChunkMessage): Promise<RunChunkReply> {
  const arrived = performance.now();
  const tasks = unpackTasks(msg.packed);
  const state = new Int32Array(msg.state);
  useNativeGate(state);
  const projectIndex = msg.projectIndex ?? 0;
  const framesBefore = framesDecoded();
  const { outcomes } = await runTasks(
    { projectIndex, stageIndex: msg.stageIndex, stageUuid: msg.stageUuid, tasks, ...(msg.isolated && { isolated: true }) },
    state,
    msg.epoch,
  );
  const frames = framesDecoded() - framesBefore;
  const late = takeLateWarnings();
  return {
    packed: packOutcomes(outcomes, tasks, projects[projectIndex]?.stages[msg.stageIndex]?.stage.pathways ?? []),
    ...(frames > 0 && { framesDecoded: frames }),
    ...(late && { late }),
    busyMs: performance.now() - arrived,
  };
}

async function runTasks(req: RunChunkRequest, state: Int32Array, epoch: number): Promise<RunChunkResponse> {
  const p = projects[req.projectIndex ?? 0];
  const rt = p?.stages[req.stageIndex];
  if (loadError || !p || !rt) {
    const error =
      loadError ??
      serializeError(new TaskAgentError('TA_INTERNAL', `no stage runtime at index ${req.stageIndex} of project ${req.projectIndex ?? 0}`));
    return { outcomes: req.tasks.map((t) => ({ ok: false, taskUuid: t.task.uuid, dataHash: t.task.dataHash, attempts: 0, error })) };
  }
  const settings: RunTaskSettings = {
    project: p.init.project,
    numRetries: p.init.numRetries,
    taskTimeoutMs: p.init.taskTimeoutMs,
    runAborted,
    host: { builtin: builtinResolver(runtime, p.init, req.tasks), worker: runtime, projectKey: String(req.projectIndex ?? 0) },
    watch: { state, epoch },
  };
  // One task re-run alone after its chunk was lost: its callbacks are tagged (see late-errors.ts).
  const isolated = req.isolated === true && req.tasks.length === 1;
  const outcomes = new Array<TaskOutcome>(req.tasks.length);
  let next = 0;
  // Progress is keyed by stage, and by project too when there are several (twin projects share stage UUIDs).
  const progressKey = projects.length > 1 ? `${req.projectIndex ?? 0}:${req.stageUuid}` : req.stageUuid;
  const lane = async () => {
    while (next < req.tasks.length) {
      const i = next++;
      const payload = req.tasks[i];
      // After a first Ctrl-C the tasks in progress finish; the rest of the chunk does not start.
      if (runStopping()) {
        outcomes[i] = notStarted(payload);
        continue;
      }
      const run = () =>
        isolated
          ? runTagged(payload.task, req.stageUuid, (tag) => runTask(rt, payload, settings, i, tag))
          : runTask(rt, payload, settings, i);
      const o = await withTask(progressKey, payload.task.dataTitle, run);
      outcomes[i] = o;
      if (!o.ok) taskFailed();
      taskFinished(progressKey, o.ok);
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.init.concurrency, req.tasks.length) }, lane));
  flushProgress();
  return { outcomes };
}

function notStarted(p: TaskPayload): TaskOutcome {
  const error = serializeError(new TaskAgentError('TA_RUN_ABORTED', `the run stopped before "${p.task.dataTitle}" started`));
  return { ok: false, taskUuid: p.task.uuid, dataHash: p.task.dataHash, attempts: 0, error, notStarted: true };
}

export interface Barrier {
  counter: SharedArrayBuffer;
  threads: number;
}

/**
 * Resolves once every thread holds a call of the same barrier (or after 5 s), so a pool that sends
 * one call per thread reaches each thread exactly once. Each arrival wakes the threads waiting on
 * the counter (Atomics.waitAsync: no polling).
 */
async function meet(barrier: Barrier): Promise<void> {
  const c = new Int32Array(barrier.counter);
  Atomics.add(c, 0, 1);
  Atomics.notify(c, 0);
  const deadline = Date.now() + 5000;
  for (let seen = Atomics.load(c, 0); seen < barrier.threads; seen = Atomics.load(c, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    const wait = waitAsync(c, 0, seen, left);
    if (wait.async) await wait.value;
  }
}

// Atomics.waitAsync (Node >= 16) is typed from lib es2024 on; the build targets es2022.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(this: void, a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** Disposes this worker's worker-scoped dependencies (once per thread, through a barrier). */
export async function disposeWorker(barrier: Barrier): Promise<number> {
  await meet(barrier);
  return runtime.dispose();
}

/** Answers once this thread has finished loading (the pool waits for every thread before it terminates them). */
export async function loaded(barrier: Barrier): Promise<void> {
  await meet(barrier);
}
