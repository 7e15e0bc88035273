/**
 * The only piscina wrapper. The pool runs dist/worker/entry.js (named by URL: the main thread
 * never imports worker code) with the run's WorkerInit as workerData. Workers are never
 * terminated while busy: cancellation is the shared abort flag, checked cooperatively.
 */
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { AgentManifest, RunChunkMessage, RunChunkReply, RunChunkRequest, RunChunkResponse, WorkerInit } from '../shared/protocol.js';
import type { Pathway } from '../shared/types.js';
import { packTasks, unpackOutcomes } from '../shared/chunk-wire.js';
import { findStage } from '../shared/workflow.js';
import type { SerializedError } from '../shared/errors.js';

export const WORKER_ENTRY = fileURLToPath(new URL('./worker/entry.js', import.meta.url));

/** Runs chunks of tasks: the local WorkerPool, or the queue (QueueChunkRunner) in queue mode. */
export interface ChunkRunner {
  runChunk(req: RunChunkRequest): Promise<RunChunkResponse>;
  /** True when the workers report each finished task as it finishes (WorkerInit.events), so the run need not tick progress per chunk. */
  readonly reportsProgress?: boolean;
}

export class WorkerPool implements ChunkRunner {
  readonly #pool: Piscina;
  readonly #init: WorkerInit;
  readonly #pathways = new Map<string, readonly Pathway[]>();
  readonly threads: number;
  readonly reportsProgress: boolean;

  constructor(init: WorkerInit, threads: number) {
    this.#init = init;
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

  /** Runs a chunk of one stage's tasks, packed both ways (see chunk-wire.ts). */
  async runChunk(req: RunChunkRequest): Promise<RunChunkResponse> {
    const projectIndex = req.projectIndex ?? 0;
    const message: RunChunkMessage = { projectIndex, stageIndex: req.stageIndex, stageUuid: req.stageUuid, packed: packTasks(req.tasks) };
    const reply = (await this.#pool.run(message, { name: 'runChunk' })) as RunChunkReply;
    const outcomes = unpackOutcomes(reply.packed, req.tasks, this.#pathwaysOf(projectIndex, req.stageUuid));
    return reply.framesDecoded ? { outcomes, framesDecoded: reply.framesDecoded } : { outcomes };
  }

  /** The stage's pathways as the workers see them (the same workflow, from the same WorkerInit): outcomes name them by index. */
  #pathwaysOf(projectIndex: number, stageUuid: string): readonly Pathway[] {
    const key = `${projectIndex}:${stageUuid}`;
    let pathways = this.#pathways.get(key);
    if (!pathways) {
      const project = this.#init.projects?.[projectIndex]?.project ?? this.#init.project;
      pathways = findStage(project?.workflow.stages ?? [], stageUuid)?.pathways ?? [];
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
