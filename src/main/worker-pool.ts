/**
 * The only piscina wrapper. The pool runs dist/worker/entry.js (named by URL: the main thread
 * never imports worker code) with the run's WorkerInit as workerData. Workers are never
 * terminated while busy: cancellation is the shared abort flag, checked cooperatively.
 */
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { AgentManifest, RunChunkRequest, RunChunkResponse, WorkerInit } from '../shared/protocol.js';
import type { SerializedError } from '../shared/errors.js';

export const WORKER_ENTRY = fileURLToPath(new URL('./worker/entry.js', import.meta.url));

/** Runs chunks of tasks: the local WorkerPool, or the queue (QueueChunkRunner) in queue mode. */
export interface ChunkRunner {
  runChunk(req: RunChunkRequest): Promise<RunChunkResponse>;
}

export class WorkerPool implements ChunkRunner {
  readonly #pool: Piscina;
  readonly threads: number;

  constructor(init: WorkerInit, threads: number) {
    this.threads = threads;
    this.#pool = new Piscina({
      filename: WORKER_ENTRY,
      workerData: init,
      minThreads: threads,
      maxThreads: threads,
      // One message at a time per worker: the worker runs the chunk's tasks concurrently itself.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      maxQueue: 'auto',
    });
  }

  manifest(): Promise<{ manifest?: AgentManifest; error?: SerializedError; threadId: number }> {
    return this.#pool.run(null, { name: 'manifest' });
  }

  preExecution(): Promise<{ error?: SerializedError }> {
    return this.#pool.run(null, { name: 'preExecution' });
  }

  runChunk(req: RunChunkRequest): Promise<RunChunkResponse> {
    return this.#pool.run(req, { name: 'runChunk' });
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
