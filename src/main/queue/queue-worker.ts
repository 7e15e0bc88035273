/**
 * Queue mode, worker side (`task-agents worker AGENT --queue URL`): takes chunk jobs from the
 * BullMQ queue and runs them in this process's own worker-thread pool, one pool per run (built
 * from the run's context in Redis the first time a job of that run arrives). The outcomes go back
 * to the run through the job's result; this process writes nothing to the platform itself.
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { TaskAgentError } from '../../shared/errors.js';
import type { RunChunkResponse } from '../../shared/protocol.js';
import { loadEncordKey } from '../../platform/encord/credentials.js';
import { WorkerPool } from '../worker-pool.js';
import { baseInit, readManifest } from '../worker-init.js';
import { connectOnce, queueConnection } from './redis-connection.js';
import { runContextKey, workerDescriptor, type ChunkJobData, type QueueRunContext } from './queue-protocol.js';

export interface QueueWorkerOptions {
  agentModule: string;
  url: string;
  queueName: string;
  threads?: number;
  /**
   * How long a chunk stays locked to this process without a heartbeat (BullMQ lockDuration; default
   * 30 s). If this process dies, its chunks go back to the queue after that long for another worker.
   */
  stallMs?: number;
  /** Called once per run this process joins. */
  onRun?: (ctx: QueueRunContext) => void;
  /** Called when this process leaves a run (idle, or closing), with what it ran of it. */
  onRunDone?: (done: { runId: string; chunks: number; tasks: number }) => void;
}

interface RunPool {
  runId: string;
  pool: WorkerPool;
  ready: Promise<void>;
  lastUsed: number;
  chunks: number;
  tasks: number;
}

export class QueueWorker {
  readonly #worker: Worker<ChunkJobData, RunChunkResponse>;
  readonly #redis: Redis;
  readonly #pools = new Map<string, RunPool>();
  readonly #threads: number;
  readonly #moduleUrl: string;
  readonly #sweep: NodeJS.Timeout;

  /**
   * Connects (failing fast with TA_PLATFORM_UNREACHABLE when Redis is down) and starts taking jobs.
   */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    (await connectOnce(options.url)).disconnect();
    const w = new QueueWorker(options);
    await w.#worker.waitUntilReady();
    return w;
  }

  private constructor(private readonly options: QueueWorkerOptions) {
    const connection = queueConnection(options.url);
    this.#threads = options.threads ?? availableParallelism();
    this.#moduleUrl = pathToFileURL(resolve(options.agentModule)).href;
    this.#redis = new Redis(connection.url, { maxRetriesPerRequest: null });
    this.#redis.on('error', () => undefined);
    // Two chunks per thread in flight, as the local run keeps (one running, one queued).
    this.#worker = new Worker(options.queueName, (job) => this.#run(job), {
      connection, concurrency: this.#threads * 2,
      ...(options.stallMs !== undefined && { lockDuration: options.stallMs, stalledInterval: options.stallMs }),
    });
    this.#worker.on('error', () => undefined);
    // Pools of runs that stopped sending work are closed after a minute.
    this.#sweep = setInterval(() => void this.#closeIdle(60_000), 15_000).unref();
  }

  async #run(job: Job<ChunkJobData, RunChunkResponse>): Promise<RunChunkResponse> {
    const rp = await this.#poolFor(job.data.runId);
    rp.lastUsed = Date.now();
    await rp.ready;
    const out = await rp.pool.runChunk(job.data.req);
    rp.chunks++;
    rp.tasks += job.data.req.tasks.length;
    return out;
  }

  #poolFor(runId: string): Promise<RunPool> | RunPool {
    const existing = this.#pools.get(runId);
    if (existing) return existing;
    return this.#createPool(runId);
  }

  async #createPool(runId: string): Promise<RunPool> {
    const raw = await this.#redis.get(runContextKey(this.options.queueName, runId));
    if (raw === null) throw new TaskAgentError('TA_CFG_INVALID', `run ${runId} has no context in the queue (expired or another queue)`);
    const ctx = JSON.parse(raw) as QueueRunContext;
    const again = this.#pools.get(runId);
    if (again) return again;
    const init = baseInit(this.#moduleUrl, { ...ctx, threads: this.#threads }, ctx.project, workerDescriptor(ctx.platform, () => loadEncordKey().keyText));
    const pool = new WorkerPool(init, this.#threads);
    const rp: RunPool = { runId, pool, lastUsed: Date.now(), ready: this.#checkModule(pool, ctx), chunks: 0, tasks: 0 };
    this.#pools.set(runId, rp);
    rp.ready.catch(() => {
      this.#pools.delete(runId);
      void pool.destroy();
    });
    this.options.onRun?.(ctx);
    return rp;
  }

  /** The module this worker runs must register the run's stages, in the same order. */
  async #checkModule(pool: WorkerPool, ctx: QueueRunContext): Promise<void> {
    const refs = (await readManifest(pool)).stages.map((s) => s.ref);
    if (JSON.stringify(refs) !== JSON.stringify(ctx.stageRefs)) {
      throw new TaskAgentError('TA_CFG_INVALID', `this worker's agent module registers stages ${JSON.stringify(refs)}, the run's registers ${JSON.stringify(ctx.stageRefs)}`, {
        hint: 'start `task-agents worker` with the same agent module as the run',
      });
    }
  }

  async #closeIdle(idleMs: number): Promise<void> {
    for (const [runId, rp] of this.#pools) {
      if (Date.now() - rp.lastUsed < idleMs) continue;
      this.#pools.delete(runId);
      await rp.pool.disposeWorkers().catch(() => undefined);
      await rp.pool.destroy();
      this.options.onRunDone?.({ runId, chunks: rp.chunks, tasks: rp.tasks });
    }
  }

  /** Finishes the jobs in hand, then closes every pool (worker-scoped dependencies disposed). */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    await this.#worker.close();
    await this.#closeIdle(-1);
    await this.#redis.quit().catch(() => undefined);
  }
}
