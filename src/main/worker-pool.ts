/**
 * The only piscina wrapper. The pool runs dist/worker/entry.js (named by URL: the main thread
 * never imports worker code) with the run's WorkerInit as workerData. Cancellation is cooperative
 * first (the shared abort flag fires the agents' signals, the task timeout fires inside the
 * worker); a worker that does not come back (a synchronous loop blocks its thread) is recycled
 * from here: past taskTimeoutMs + TIMEOUT_GRACE_MS on an attempt, or when the run is aborted.
 * Recycling terminates the worker, so it waits for the worker to be outside native media calls
 * (the chunk's shared state, see shared/chunk-state.ts); piscina then starts a new worker.
 */
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import {
  RUN_ABORTED,
  RUN_GOING,
  RUN_STOPPING,
  type AgentManifest,
  type RunChunkMessage,
  RunChunkReply,
  RunChunkRequest,
  RunChunkResponse,
  TaskOutcome,
  WorkerData,
  WorkerProject,
} from '../shared/protocol.js';
import type { Pathway } from '../shared/types.js';
import { packTasks, unpackOutcomes } from '../shared/chunk-wire.js';
import { findStage } from '../shared/workflow.js';
import { TaskAgentError, serializeError, type SerializedError } from '../shared/errors.js';
import { condemn, createChunkState, neverStarted, overdueTasks } from '../shared/chunk-state.js';
import { failedOutcomes, runAbortedOutcomes } from './chunk-outcomes.js';

/** How often the watchdog looks at the chunks in flight. */
const WATCH_MS = 50;

export const WORKER_ENTRY = fileURLToPath(new URL('./worker/entry.js', import.meta.url));

/** Runs chunks of tasks: the local WorkerPool, or the queue (QueueChunkRunner) in queue mode. */
export interface ChunkRunner {
  runChunk(req: RunChunkRequest): Promise<RunChunkResponse>;
  /** True when the workers report each finished task as it finishes (WorkerInit.events), so the run need not tick progress per chunk. */
  readonly reportsProgress?: boolean;
  /** The worker threads it runs chunks on now, when that is not the run's `threads` (the queue's workers: see QueueChunkRunner.capacity). */
  readonly capacity?: number;
}

/** What runs a run's chunks, as the run's signals see it: the local WorkerPool, or a QueueChunkRunner. */
export interface RunWorkers {
  /** The run is stopping (first Ctrl-C): attempts in progress finish, tasks not started come back `notStarted`. */
  stop(): void;
  /**
   * The run is aborted (second Ctrl-C): the signals of the attempts in flight fire now; after
   * `graceMs` the chunks still in flight end, their tasks failing with TA_RUN_ABORTED (nothing of
   * them is written). No new chunk runs.
   */
  abort(graceMs: number): void;
}

/** How long past its timeout an attempt may block its worker before the worker is recycled. */
export const TIMEOUT_GRACE_MS = 1000;
/** After a second signal, how long agents get to honour their signal before their workers are recycled. */
export const ABORT_GRACE_MS = 1000;
/**
 * A worker's young generation (two semi-spaces and the new large-object space, a third each): 12 MB
 * is the 8 MB new space a worker has after 10 000 trivial tasks; left to V8 it doubled by 100 000.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

/** A chunk in a worker (or in piscina's queue), as the watchdog sees it. */
interface ChunkInFlight {
  state: Int32Array;
  epoch: number;
  controller: AbortController;
  /** Set once the worker is to be recycled: which tasks timed out, or the whole run aborted. */
  recycle?: { overdue: number[] } | 'aborted';
  terminated: boolean;
}

export class WorkerPool implements ChunkRunner, RunWorkers {
  readonly #pool: Piscina;
  readonly #runState: SharedArrayBuffer;
  /** The per-attempt timeout the workers run with (0: none; the preflight worker runs no task). */
  readonly #taskTimeoutMs: number;
  /** The run's projects as the workers see them (none for the preflight worker). */
  readonly #projects: readonly WorkerProject[];
  readonly #pathways = new Map<string, readonly Pathway[]>();
  readonly #inFlight = new Set<ChunkInFlight>();
  #watchdog: NodeJS.Timeout | undefined;
  #aborted = false;
  readonly threads: number;
  readonly reportsProgress: boolean;

  constructor(init: WorkerData, threads: number) {
    this.#runState = init.runState;
    this.#taskTimeoutMs = init.role === 'run' ? init.taskTimeoutMs : 0;
    this.#projects = init.role === 'run' ? init.projects : [];
    this.threads = threads;
    this.reportsProgress = init.events !== undefined;
    this.#pool = new Piscina({
      filename: WORKER_ENTRY,
      workerData: init,
      minThreads: threads,
      maxThreads: threads,
      // One message at a time per worker: the worker runs the chunk's tasks concurrently itself, and
      // a chunk re-run one task per message after a crash runs alone (two per worker, tried, made
      // an innocent task die with the culprit).
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // Its young generation stays the size a short run reaches (see heap-growth.ts).
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      // The stage pass (and a queue worker) keeps at most two chunks per thread out: one running, one queued.
      maxQueue: threads * 2,
    });
  }

  manifest(): Promise<{ manifest?: AgentManifest; error?: SerializedError; threadId: number }> {
    return this.#pool.run(null, { name: 'manifest' });
  }

  /** The preExecution hook, for one project of the run (by index). */
  preExecution(projectIndex = 0): Promise<{ error?: SerializedError }> {
    return this.#pool.run(projectIndex, { name: 'preExecution' });
  }

  /**
   * Runs a chunk of one stage's tasks, packed both ways (see chunk-wire.ts). A task whose attempt
   * blocks its worker past the deadline fails with TA_AGENT_TIMEOUT and the rest of the chunk runs
   * again on a fresh worker. Rejects when the worker dies (the stage pass re-runs the tasks one by one).
   */
  async runChunk(req: RunChunkRequest): Promise<RunChunkResponse> {
    if (this.#aborted) return { outcomes: runAbortedOutcomes(req.tasks, () => true) };
    const chunk: ChunkInFlight = {
      state: createChunkState(req.tasks.length),
      epoch: Date.now(),
      controller: new AbortController(),
      terminated: false,
    };
    const projectIndex = req.projectIndex ?? 0;
    const message: RunChunkMessage = {
      projectIndex,
      stageIndex: req.stageIndex,
      stageUuid: req.stageUuid,
      packed: packTasks(req.tasks),
      state: chunk.state.buffer as SharedArrayBuffer,
      epoch: chunk.epoch,
      ...(req.isolated && { isolated: true }),
    };
    this.#inFlight.add(chunk);
    this.#watch();
    let reply: RunChunkReply;
    try {
      reply = (await this.#pool.run(message, { name: 'runChunk', signal: chunk.controller.signal })) as RunChunkReply;
    } catch (e) {
      if (chunk.recycle === undefined) throw e;
      if (chunk.recycle === 'aborted') return { outcomes: runAbortedOutcomes(req.tasks, (i) => neverStarted(chunk.state, i)) };
      return this.#afterTimeout(req, chunk.recycle.overdue);
    } finally {
      this.#inFlight.delete(chunk);
    }
    const outcomes = unpackOutcomes(reply.packed, req.tasks, this.#pathwaysOf(projectIndex, req.stageUuid));
    return {
      outcomes,
      ...(reply.framesDecoded && { framesDecoded: reply.framesDecoded }),
      ...(reply.late && { late: reply.late }),
      ...(reply.busyMs !== undefined && { busyMs: reply.busyMs }),
    };
  }

  /** The overdue tasks of a recycled chunk fail; the others run again. */
  async #afterTimeout(req: RunChunkRequest, overdue: number[]): Promise<RunChunkResponse> {
    const ms = this.#taskTimeoutMs;
    const late = new Set(overdue);
    const rest = req.tasks.filter((_, i) => !late.has(i));
    const again = rest.length > 0 ? await this.runChunk({ ...req, tasks: rest }) : { outcomes: [] };
    const outcomes: TaskOutcome[] = [];
    let j = 0;
    req.tasks.forEach((p, i) => {
      if (!late.has(i)) {
        outcomes.push(again.outcomes[j++]);
        return;
      }
      const error = new TaskAgentError(
        'TA_AGENT_TIMEOUT',
        `agent did not finish "${p.task.dataTitle}" within ${ms} ms, and its worker was blocked ${TIMEOUT_GRACE_MS} ms past a timeout (a synchronous loop?): the worker was recycled`,
      );
      outcomes.push(failedOutcomes([p], serializeError(error))[0]);
    });
    return { outcomes, ...(again.framesDecoded && { framesDecoded: again.framesDecoded }), ...(again.late && { late: again.late }) };
  }

  stop(): void {
    Atomics.compareExchange(new Int32Array(this.#runState), 0, RUN_GOING, RUN_STOPPING);
  }

  /**
   * `--max-failures`: the worker whose failed task makes `max` stops the run at once (see
   * worker/entry.ts), rather than the main thread a whole chunk later, when the chunk comes back.
   */
  stopAfterFailures(max: number): void {
    Atomics.store(new Int32Array(this.#runState), 1, max);
  }

  abort(graceMs: number): void {
    if (this.#aborted) return;
    this.#aborted = true;
    Atomics.store(new Int32Array(this.#runState), 0, RUN_ABORTED);
    const inFlight = [...this.#inFlight];
    setTimeout(() => {
      for (const c of inFlight) c.recycle ??= 'aborted';
      this.#watch();
      this.#sweep();
    }, graceMs).unref();
  }

  /** Runs the watchdog while chunks are in flight and something needs watching (a timeout, a pending recycle). */
  #watch(): void {
    if (this.#watchdog || this.#inFlight.size === 0) return;
    if (this.#taskTimeoutMs <= 0 && !this.#aborted) return;
    this.#watchdog = setInterval(() => this.#sweep(), WATCH_MS);
    this.#watchdog.unref();
  }

  /** Marks overdue chunks for recycling and terminates every marked worker that is outside native code. */
  #sweep(): void {
    const limit = this.#taskTimeoutMs + TIMEOUT_GRACE_MS;
    const now = Date.now();
    for (const c of this.#inFlight) {
      if (c.recycle === undefined && this.#taskTimeoutMs > 0 && overdueTasks(c.state, c.epoch, limit, now).length > 0) {
        // The worker is blocked: every attempt of it already past its timeout has timed out (not
        // only the one past the grace too); those within their time run again.
        c.recycle = { overdue: overdueTasks(c.state, c.epoch, this.#taskTimeoutMs, now) };
      }
      if (c.recycle !== undefined && !c.terminated && condemn(c.state)) {
        c.terminated = true;
        // piscina terminates the worker running it (or drops it from its queue) and starts another.
        c.controller.abort();
      }
    }
    if (this.#inFlight.size === 0 && this.#watchdog) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }

  /** The stage's pathways as the workers see them (the same workflow, from the same WorkerInit): outcomes name them by index. */
  #pathwaysOf(projectIndex: number, stageUuid: string): readonly Pathway[] {
    const key = `${projectIndex}:${stageUuid}`;
    let pathways = this.#pathways.get(key);
    if (!pathways) {
      pathways = findStage(this.#projects[projectIndex]?.project.workflow.stages ?? [], stageUuid)?.pathways ?? [];
      this.#pathways.set(key, pathways);
    }
    return pathways;
  }

  /** Runs every worker's worker-scoped teardown exactly once (see entry.ts `disposeWorker`). */
  async disposeWorkers(): Promise<void> {
    await this.#onEachThread('disposeWorker');
  }

  /** Calls entry.ts `name` once on every thread (a barrier in the worker spreads the calls). */
  async #onEachThread(name: 'disposeWorker' | 'loaded'): Promise<void> {
    const counter = new SharedArrayBuffer(4);
    const threads = this.#pool.threads.length;
    await Promise.allSettled(Array.from({ length: threads }, () => this.#pool.run({ counter, threads }, { name })));
  }

  async destroy(): Promise<void> {
    // A worker terminated while its module graph still instantiates aborts the whole process on
    // Node 20 (v8 "IsGraphAsync" fatal), e.g. a broken agent module failing fast in one thread
    // while the others still load it: let every thread finish loading first.
    await this.#onEachThread('loaded');
    await this.#pool.destroy();
  }
}
