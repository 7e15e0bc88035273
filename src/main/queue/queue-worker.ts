/**
 * Queue mode, worker side (`task-agents worker AGENT --queue URL`): takes chunk jobs from the
 * BullMQ queue and runs them in this process's own worker-thread pool, one pool per run (built
 * from the run's context in Redis the first time a job of that run arrives). The outcomes go back
 * to the run through the job's result; this process writes nothing to the platform itself.
 *
 * A run whose agent module registers other stages than this worker's is refused once: the worker
 * records why (the run reports it, TA_QUEUE_WORKER_MISMATCH), puts the job back for another
 * worker and takes no more jobs while that run lasts (its context is gone when it ends). A run
 * that is stopped or aborted says so in Redis; its pool here stops or aborts the same way.
 * When Redis goes away the worker keeps reconnecting (it is a service): the run re-sends what Redis
 * lost.
 */
import { Worker, WaitingError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { TaskAgentError, isTaskAgentError } from '../../shared/errors.js';
import { withinMs } from '../../shared/within-ms.js';
import type { RunChunkResponse } from '../../shared/protocol.js';
import { loadEncordKey } from '../../platform/encord/credentials.js';
import { ABORT_GRACE_MS, WorkerPool } from '../worker-pool.js';
import { baseInit, readManifest } from '../worker-init.js';
import { connectOnce, queueConnection, redactRedisUrl, RECONNECT_EVERY_MS } from './redis-connection.js';
import {
  CAPACITY_REFRESH_MS,
  CAPACITY_TTL_S,
  capacityKey,
  refusedKey,
  runContextKey,
  runStateKey,
  workerDescriptor,
  type ChunkJobData,
  type QueueRunContext,
} from './queue-protocol.js';

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
  /** Lines for the log: Redis lost and back, runs refused. */
  onEvent?: (line: string) => void;
}

interface RunPool {
  runId: string;
  pool: WorkerPool;
  ready: Promise<void>;
  lastUsed: number;
  chunks: number;
  tasks: number;
  state: 'going' | 'stop' | 'abort';
}

/** How often this worker looks at the state of the runs it serves (stop / abort) and of the runs it refused. */
const RUN_WATCH_MS = 1000;
/** How long a run's context may take to appear (it is restored right after a Redis restart). */
const CONTEXT_WAIT_MS = 10_000;

export class QueueWorker {
  /** How the run knows this process: its connections are named after it. */
  readonly id = `${hostname()}:${process.pid}`;
  readonly #worker: Worker<ChunkJobData, RunChunkResponse>;
  readonly #redis: Redis;
  readonly #pools = new Map<string, RunPool>();
  /** Runs refused (another agent module): no job of theirs is taken while they last. */
  readonly #refused = new Set<string>();
  readonly #threads: number;
  readonly #moduleUrl: string;
  readonly #timers: NodeJS.Timeout[];
  #lost = false;

  /**
   * Connects (failing fast with TA_QUEUE_UNREACHABLE when Redis is down) and starts taking jobs.
   */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    (await connectOnce(options.url)).disconnect();
    const w = new QueueWorker(options);
    await w.#worker.waitUntilReady();
    // Advertised before the ready line, so a run started after it sizes its window by this worker too.
    if (w.#redis.status !== 'ready') await withinMs(new Promise((r) => w.#redis.once('ready', r)), 5000);
    await w.#advertise();
    return w;
  }

  private constructor(private readonly options: QueueWorkerOptions) {
    const connection = { ...queueConnection(options.url), retryStrategy: () => RECONNECT_EVERY_MS };
    this.#threads = options.threads ?? availableParallelism();
    this.#moduleUrl = pathToFileURL(resolve(options.agentModule)).href;
    this.#redis = new Redis(connection.url, { maxRetriesPerRequest: null, retryStrategy: connection.retryStrategy });
    this.#redis.on('error', () => undefined);
    this.#redis.on('close', () => {
      if (this.#lost) return;
      this.#lost = true;
      this.options.onEvent?.(`lost the queue at ${redactRedisUrl(options.url)}: reconnecting`);
    });
    this.#redis.on('ready', () => {
      // After a Redis restart the advertisement is gone with the rest of Redis' data.
      void this.#advertise();
      if (!this.#lost) return;
      this.#lost = false;
      this.options.onEvent?.('the queue is back');
    });
    // Two chunks per thread in flight, as the local run keeps (one running, one queued).
    this.#worker = new Worker(options.queueName, (job, token) => this.#run(job, token), {
      connection,
      concurrency: this.#threads * 2,
      name: this.id,
      ...(options.stallMs !== undefined && { lockDuration: options.stallMs, stalledInterval: options.stallMs }),
    });
    this.#worker.on('error', () => undefined);
    this.#timers = [
      // Pools of runs that stopped sending work are closed after a minute.
      setInterval(() => void this.#closeIdle(60_000), 15_000),
      setInterval(() => void this.#watchRuns(), RUN_WATCH_MS),
      setInterval(() => void this.#advertise(), CAPACITY_REFRESH_MS),
    ];
    for (const t of this.#timers) t.unref();
  }

  async #run(job: Job<ChunkJobData, RunChunkResponse>, token: string | undefined): Promise<RunChunkResponse> {
    const { runId } = job.data;
    if (this.#refused.has(runId)) return this.#giveBack(job, token);
    let rp: RunPool;
    try {
      rp = await this.#poolFor(runId);
      rp.lastUsed = Date.now();
      await rp.ready;
    } catch (e) {
      if (!isTaskAgentError(e, 'TA_QUEUE_WORKER_MISMATCH')) throw e;
      await this.#refuse(runId, e.message);
      return this.#giveBack(job, token);
    }
    const out = await rp.pool.runChunk(job.data.req);
    rp.chunks++;
    rp.tasks += job.data.req.tasks.length;
    return out;
  }

  /** Puts a job back in the queue, untouched, for another worker. */
  async #giveBack(job: Job<ChunkJobData, RunChunkResponse>, token: string | undefined): Promise<never> {
    await job.moveToWait(token);
    throw new WaitingError();
  }

  /** Refuses a run once: says why in Redis (the run reports it) and takes no jobs while it lasts. */
  async #refuse(runId: string, why: string): Promise<void> {
    if (this.#refused.has(runId)) return;
    this.#refused.add(runId);
    this.options.onEvent?.(`refusing run ${runId}: ${why}`);
    await this.#redis.hset(refusedKey(this.options.queueName, runId), this.id, why);
    await this.#redis.expire(refusedKey(this.options.queueName, runId), 86_400);
    // One module per worker: while a run it cannot serve is on the queue, every job it took would
    // be one to give back. It takes jobs again once the refused runs are over.
    void this.#worker.pause(true);
  }

  #poolFor(runId: string): Promise<RunPool> | RunPool {
    const existing = this.#pools.get(runId);
    if (existing) return existing;
    return this.#createPool(runId);
  }

  async #createPool(runId: string): Promise<RunPool> {
    const ctx = await this.#context(runId);
    const again = this.#pools.get(runId);
    if (again) return again;
    const init = baseInit(
      this.#moduleUrl,
      { ...ctx, threads: this.#threads },
      ctx.project,
      workerDescriptor(ctx.platform, () => loadEncordKey().keyText),
    );
    const pool = new WorkerPool(init, this.#threads);
    const rp: RunPool = { runId, pool, lastUsed: Date.now(), ready: this.#checkModule(pool, ctx), chunks: 0, tasks: 0, state: 'going' };
    this.#pools.set(runId, rp);
    rp.ready.catch(() => {
      this.#pools.delete(runId);
      void pool.destroy();
    });
    this.options.onRun?.(ctx);
    return rp;
  }

  /** The run's context; right after a Redis restart the run may not have restored it yet. */
  async #context(runId: string): Promise<QueueRunContext> {
    const deadline = Date.now() + CONTEXT_WAIT_MS;
    for (;;) {
      const raw = await this.#redis.get(runContextKey(this.options.queueName, runId));
      if (raw !== null) return JSON.parse(raw) as QueueRunContext;
      if ((await this.#redis.get(runStateKey(this.options.queueName, runId))) === 'ended')
        throw new TaskAgentError('TA_CFG_INVALID', `run ${runId} is over`);
      if (Date.now() > deadline)
        throw new TaskAgentError('TA_CFG_INVALID', `run ${runId} has no context in the queue (over, or another queue)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The module this worker runs must register the run's stages, in the same order. */
  async #checkModule(pool: WorkerPool, ctx: QueueRunContext): Promise<void> {
    const refs = (await readManifest(pool)).stages.map((s) => s.ref);
    if (JSON.stringify(refs) !== JSON.stringify(ctx.stageRefs)) {
      throw new TaskAgentError(
        'TA_QUEUE_WORKER_MISMATCH',
        `its agent module ${this.#moduleUrl.split('/').pop()} registers stages ${JSON.stringify(refs)}, the run's registers ${JSON.stringify(ctx.stageRefs)}`,
        {
          hint: 'start `task-agents worker` with the same agent module as the run',
        },
      );
    }
  }

  /** Applies the runs' stop / abort to their pools; takes jobs again once every refused run is over. */
  async #watchRuns(): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    try {
      for (const rp of this.#pools.values()) {
        if (rp.state === 'abort') continue;
        const state = await this.#redis.get(runStateKey(this.options.queueName, rp.runId));
        if (state === 'stop' && rp.state === 'going') {
          rp.state = 'stop';
          rp.pool.stop();
        } else if (state === 'abort') {
          rp.state = 'abort';
          rp.pool.abort(ABORT_GRACE_MS);
        }
      }
      if (this.#refused.size === 0) return;
      for (const runId of [...this.#refused]) {
        if ((await this.#redis.exists(runContextKey(this.options.queueName, runId))) === 0) this.#refused.delete(runId);
      }
      if (this.#refused.size === 0) void this.#worker.resume();
    } catch {
      // Redis went away meanwhile: next time.
    }
  }

  /** Tells runs how many threads this process runs chunks on (see capacityKey). */
  async #advertise(): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    await this.#redis.set(capacityKey(this.options.queueName, this.id), String(this.#threads), 'EX', CAPACITY_TTL_S).catch(() => undefined);
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

  /**
   * Finishes the jobs in hand, then closes every pool (worker-scoped dependencies disposed). With
   * Redis gone their outcomes could not be returned anyway: it lets them go at once (the run
   * re-sends them) instead of waiting for a Redis that may never come back.
   */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#redis.removeAllListeners('close');
    if (this.#redis.status === 'ready') await this.#redis.del(capacityKey(this.options.queueName, this.id)).catch(() => undefined);
    if (this.#redis.status === 'ready') await this.#worker.close();
    else {
      await withinMs(this.#worker.close(true), 1000);
      void this.#worker.disconnect().catch(() => undefined);
    }
    await this.#closeIdle(-1);
    this.#redis.disconnect();
  }
}
