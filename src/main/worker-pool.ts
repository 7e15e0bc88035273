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
import type { SerializedError } from '../shared/errors.js';

export const WORKER_ENTRY = fileURLToPath(new URL('./worker/entry.js', import.meta.url));

export class WorkerPool {
  readonly #pool: Piscina;
  readonly threads: number;
  /** Chunks the pool takes at once: one running and one queued per thread. */
  readonly maxChunksInFlight: number;

  constructor(init: WorkerInit, threads: number) {
    this.threads = threads;
    this.maxChunksInFlight = threads * 2;
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
      // The stage pass never has more than maxChunksInFlight chunks out (plus the barrier calls).
      maxQueue: threads * 2,
    });
  }

  manifest(): Promise<{ manifest?: AgentManifest; error?: SerializedError; threadId: number }> {
    return this.#pool.run(null, { name: 'manifest' });
  }

  preExecution(): Promise<{ error?: SerializedError }> {
    return this.#pool.run(null, { name: 'preExecution' });
  }

  /** Runs a chunk of one stage's tasks; `pathways` are that stage's (outcomes travel as indexes into them). */
  async runChunk(req: RunChunkRequest, pathways: readonly Pathway[]): Promise<RunChunkResponse> {
    const message: RunChunkMessage = { stageIndex: req.stageIndex, stageUuid: req.stageUuid, packed: packTasks(req.tasks) };
    const reply = (await this.#pool.run(message, { name: 'runChunk' })) as RunChunkReply;
    return { outcomes: unpackOutcomes(reply.packed, req.tasks, pathways) };
  }

  /** Runs every worker's worker-scoped teardown exactly once (see entry.ts `disposeWorker`). */
  async disposeWorkers(): Promise<void> {
    const counter = new SharedArrayBuffer(4);
    const threads = this.#pool.threads.length;
    await Promise.allSettled(Array.from({ length: threads }, () => this.#pool.run({ counter, threads }, { name: 'disposeWorker' })));
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}
