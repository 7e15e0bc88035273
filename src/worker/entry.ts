/**
 * The one file piscina loads (worker threads only). At start it imports the user's agent module
 * and checks every stage's dependencies; `manifest` reports what each stage needs (or why the
 * module cannot run), `runChunk` runs a chunk of tasks and returns outcome records, never throws.
 */
import { workerData, threadId } from 'node:worker_threads';
import { serializeError, TaskAgentError, type SerializedError } from '../shared/errors.js';
import { PROTOCOL_VERSION, RUN_ABORTED, RUN_GOING, type TwinSpec, type AgentManifest, type RunChunkMessage, type RunChunkReply, type RunChunkRequest, type RunChunkResponse, type TaskOutcome, type TaskPayload, type WorkerInit } from '../shared/protocol.js';
import { packOutcomes, unpackTasks } from '../shared/chunk-wire.js';
import { findStage } from '../shared/workflow.js';
import type { AnyDep } from '../deps/define.js';
import { checkStageDeps } from '../deps/graph.js';
import type { Runner } from '../agent/runner.js';
import { loadRunner } from './load-agent.js';
import { abortLiveAttempts, runTask, type RunTaskSettings, type StageRuntime } from './run-task.js';
import { disposeWorkerScope } from './task-scope.js';
import { createBuiltinProvider } from './builtin-deps.js';
import { useNativeGate } from './native-gate.js';
import { installLateErrorHandlers, runTagged, takeLateWarnings } from './late-errors.js';

const init = workerData as WorkerInit;
const runState = new Int32Array(init.runState);
const runAborted = () => Atomics.load(runState, 0) === RUN_ABORTED;
const runStopping = () => Atomics.load(runState, 0) !== RUN_GOING;
const builtinsForChunk = createBuiltinProvider(init);

// A run abort (second Ctrl-C) fires the signal of every attempt in progress. Polled: the state is
// shared memory, and an idle worker (blocked in Atomics.wait between messages) has nothing to abort.
const abortWatch = setInterval(() => {
  if (!runAborted()) return;
  abortLiveAttempts();
  clearInterval(abortWatch);
}, 50);
abortWatch.unref();
installLateErrorHandlers();

let runner: Runner | undefined;
let loadError: SerializedError | undefined;
let manifestValue: AgentManifest | undefined;
const runtimes: Array<StageRuntime | undefined> = [];

try {
  runner = await loadRunner(init.agentModuleUrl);
  const stages = runner.registrations.map((reg) => {
    const deps = (reg.options.deps ?? {}) as Record<string, AnyDep>;
    const { requirements: req, builtins } = checkStageDeps(reg.stage, deps);
    // The preflight worker has no project yet: it only reports the manifest.
    const stage = findStage(init.project?.workflow.stages ?? [], reg.stage);
    runtimes.push(stage ? { registration: reg, deps, stage: { ...stage, pathways: stage.pathways ?? [] } } : undefined);
    const willSetPriority = reg.options.willSetPriority === true;
    return {
      ref: reg.stage,
      needsLabelRow: req.has('labelRow'),
      needsStorageItem: req.has('storageItem'),
      needsMetadata: req.has('labelRowMetadata') || req.has('labelRow') || req.has('storageItem') || willSetPriority,
      willSetPriority,
      labelRowInclude: reg.options.labelRowInclude ?? {},
      labelRowInit: reg.options.labelRowInit ?? {},
      twins: builtins.filter((d) => d.builtin === 'twinLabelRow').map((d) => d.options as TwinSpec),
      deprecatedDeps: [...new Set(builtins.filter((d) => d.builtin === 'dataLookup').map((d) => d.label))],
    };
  });
  const runnerOptions = Object.fromEntries(Object.entries(runner.options).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)));
  manifestValue = { protocol: PROTOCOL_VERSION, stages, hasPreExecution: typeof runner.options.preExecution === 'function', runnerOptions };
} catch (e) {
  loadError = serializeError(e, 'TA_AGENT_MODULE_LOAD_FAILED');
}

export function manifest(): { manifest?: AgentManifest; error?: SerializedError; threadId: number } {
  return loadError ? { error: loadError, threadId } : { manifest: manifestValue!, threadId };
}

/** Runs the module's preExecution hook (once per run, on one worker). */
export async function preExecution(): Promise<{ error?: SerializedError }> {
  if (loadError) return { error: loadError };
  try {
    await runner!.options.preExecution?.({ project: init.project, runner: runner! });
    return {};
  } catch (e) {
    const s = serializeError(e, 'TA_PRE_EXECUTION_FAILED');
    if (s.code !== 'TA_PRE_EXECUTION_FAILED') return { error: s };
    return { error: { ...s, message: `preExecution hook failed: ${s.message}` } };
  }
}

/** The pool's entry point: the chunk arrives packed and its outcomes leave packed (see chunk-wire.ts). */
export async function runChunk(msg: RunChunkMessage): Promise<RunChunkReply> {
  const tasks = unpackTasks(msg.packed);
  const state = new Int32Array(msg.state);
  useNativeGate(state);
  const { outcomes } = await runTasks({ stageIndex: msg.stageIndex, stageUuid: msg.stageUuid, tasks, ...(msg.isolated && { isolated: true }) }, state, msg.epoch);
  const late = takeLateWarnings();
  return { packed: packOutcomes(outcomes, tasks, runtimes[msg.stageIndex]?.stage.pathways ?? []), ...(late && { late }) };
}

async function runTasks(req: RunChunkRequest, state: Int32Array, epoch: number): Promise<RunChunkResponse> {
  const rt = runtimes[req.stageIndex];
  if (loadError || !rt) {
    const error = loadError ?? serializeError(new TaskAgentError('TA_INTERNAL', `no stage runtime at index ${req.stageIndex}`));
    return { outcomes: req.tasks.map((p) => ({ ok: false, taskUuid: p.task.uuid, dataHash: p.task.dataHash, attempts: 0, error })) };
  }
  const settings: RunTaskSettings = {
    project: init.project, numRetries: init.numRetries, taskTimeoutMs: init.taskTimeoutMs, runAborted, builtin: builtinsForChunk(req.tasks),
    watch: { state, epoch },
  };
  if (req.isolated && req.tasks.length === 1) {
    const payload = req.tasks[0]!;
    if (runStopping()) return { outcomes: [notStarted(payload)] };
    return { outcomes: [await runTagged(payload.task, req.stageUuid, (tag) => runTask(rt, payload, settings, 0, tag))] };
  }
  const outcomes: TaskOutcome[] = new Array(req.tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < req.tasks.length) {
      const i = next++;
      // After a first Ctrl-C the tasks in progress finish; the rest of the chunk does not start.
      outcomes[i] = runStopping() ? notStarted(req.tasks[i]!) : await runTask(rt, req.tasks[i]!, settings, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(init.concurrency, req.tasks.length) }, lane));
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
 * one call per thread reaches each thread exactly once.
 */
async function meet(barrier: Barrier): Promise<void> {
  const c = new Int32Array(barrier.counter);
  Atomics.add(c, 0, 1);
  const deadline = Date.now() + 5000;
  while (Atomics.load(c, 0) < barrier.threads && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Disposes this worker's worker-scoped dependencies (once per thread, through a barrier). */
export async function disposeWorker(barrier: Barrier): Promise<number> {
  await meet(barrier);
  return disposeWorkerScope();
}

/** Answers once this thread has finished loading (the pool waits for every thread before it terminates them). */
export async function loaded(barrier: Barrier): Promise<void> {
  await meet(barrier);
}
