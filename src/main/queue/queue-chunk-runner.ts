/**
 * Queue mode, run side: instead of a local worker pool, chunks go to a BullMQ queue on Redis and
 * any number of `task-agents worker` processes (any machines) run them in their own pools. The
 * outcomes come back here, so paging, prefetch and the commit buffer stay in this one process and
 * the delivery guarantees are the same as with local threads.
 *
 * Redis may go away mid-run. Every chunk is a job with an id of its own, and the chunks in flight
 * are kept here until their outcomes arrive, so nothing depends on Redis remembering them: a sweep
 * (every SWEEP_MS, and at once when the connection comes back) looks each one up and re-adds those
 * Redis lost (a restart without persistence loses every job and the run's context, which the
 * sweep restores first). Outcomes normally arrive as queue events; the sweep also collects those
 * whose event was missed. A Redis away for longer than `reconnectMs` fails the chunks in flight
 * and every later one with TA_QUEUE_UNREACHABLE: the run commits what it has and ends (exit 3).
 */
import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { TaskAgentError } from '../../shared/errors.js';
import { withinMs } from '../../shared/within-ms.js';
import type { RunChunkRequest, RunChunkResponse } from '../../shared/protocol.js';
import { runAbortedOutcomes } from '../chunk-outcomes.js';
import { connectOnce, queueConnection, redactRedisUrl, RECONNECT_EVERY_MS } from './redis-connection.js';
import {
  capacityKey,
  runStateKey,
  CONTEXT_REFRESH_MS,
  CONTEXT_TTL_S,
  refusedKey,
  runContextKey,
  type ChunkJobData,
  type QueueRunContext,
} from './queue-protocol.js';

/** How often chunks in flight are looked up in Redis. */
const SWEEP_MS = 2000;
/** How long a run waits for Redis to come back, by default. */
export const DEFAULT_RECONNECT_MS = 30_000;

interface PendingChunk {
  data: ChunkJobData;
  resolve(r: RunChunkResponse): void;
  reject(e: unknown): void;
}

export interface QueueRunOptions {
  /** How long Redis may stay away before the run fails with TA_QUEUE_UNREACHABLE. */
  reconnectMs: number;
  /** Lines for the user (lost / back / refused), on stderr. */
  log: (line: string) => void;
}

export class QueueChunkRunner {
  readonly runId: string;
  readonly #queue: Queue<ChunkJobData, RunChunkResponse>;
  readonly #events: QueueEvents;
  /** Our own connection: its state says whether Redis is there; it restores the context and reads refusals. */
  readonly #redis: Redis;
  readonly #pending = new Map<string, PendingChunk>();
  readonly #context: string;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #reported = new Set<string>();
  #seq = 0;
  #lostSince: number | null = null;
  #fatal: TaskAgentError | undefined;
  #aborted = false;
  #sweeping = false;
  /** Consecutive sweeps that found every connected worker refusing this run. */
  #allRefused = 0;
  /** Worker threads of the connected workers that have not refused this run, as they advertise them (undefined: none advertised yet). */
  #capacity: number | undefined;
  /** Warnings for the summary (one per refusing worker), until taken. */
  #warnings: Array<{ code: 'TA_QUEUE_WORKER_MISMATCH'; message: string }> = [];

  private constructor(
    readonly url: string,
    readonly queueName: string,
    redis: Redis,
    context: QueueRunContext,
    private readonly options: QueueRunOptions,
  ) {
    this.runId = context.runId;
    const connection = { ...queueConnection(url), retryStrategy: () => RECONNECT_EVERY_MS };
    this.#queue = new Queue(queueName, { connection });
    this.#events = new QueueEvents(queueName, { connection });
    // Connection errors are handled through our own connection's state; the emitters must not crash the run.
    this.#queue.on('error', () => undefined);
    this.#events.on('error', () => undefined);
    this.#events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, returnvalue as unknown as RunChunkResponse));
    this.#events.on('failed', ({ jobId, failedReason }) => this.#fail(jobId, new Error(failedReason)));
    this.#redis = redis;
    this.#context = JSON.stringify(context);
    redis.on('close', () => this.#lost());
    redis.on('ready', () => this.#back());
    this.#timers.push(
      setInterval(() => void this.#sweep(), SWEEP_MS),
      setInterval(() => this.#checkLost(), 250),
      setInterval(() => void this.#storeContext(), CONTEXT_REFRESH_MS),
    );
    for (const t of this.#timers) t.unref();
  }

  /**
   * Connects and stores the run's context for the workers.
   * @throws TaskAgentError TA_QUEUE_UNREACHABLE when Redis does not answer
   */
  static async open(
    url: string,
    queueName: string,
    context: Omit<QueueRunContext, 'runId'>,
    options: QueueRunOptions,
  ): Promise<QueueChunkRunner> {
    // Fail fast on a plain connection before BullMQ's retrying clients exist; it then stays ours,
    // reconnecting as they do.
    const redis = await connectOnce(url);
    redis.options.retryStrategy = () => RECONNECT_EVERY_MS;
    const r = new QueueChunkRunner(url, queueName, redis, { ...context, runId: randomUUID() }, options);
    try {
      await r.#storeContext();
      await r.#events.waitUntilReady();
      await r.#readCapacity();
    } catch (cause) {
      await r.close();
      throw new TaskAgentError(
        'TA_QUEUE_UNREACHABLE',
        `the queue at ${redactRedisUrl(url)} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    return r;
  }

  /**
   * The worker threads the queue's workers run this run's chunks on (the sum they advertise),
   * what the stage pass sizes its chunks and in-flight window by; undefined before any worker
   * advertised (the run's own `--threads` then stands in).
   */
  get capacity(): number | undefined {
    return this.#capacity;
  }

  /** Reads the workers' refusals once more: a short run can end between two sweeps. */
  async collectRefusals(): Promise<void> {
    if (this.#redis.status === 'ready') await this.#reportRefusals().catch(() => undefined);
  }

  /** Warnings since the last call, for the summary. */
  takeWarnings(): Array<{ code: 'TA_QUEUE_WORKER_MISMATCH'; message: string }> {
    const w = this.#warnings;
    this.#warnings = [];
    return w;
  }

  async runChunk(req: RunChunkRequest): Promise<RunChunkResponse> {
    if (this.#aborted) return { outcomes: runAbortedOutcomes(req.tasks) };
    if (this.#fatal) throw this.#fatal;
    const jobId = `${this.runId}.${++this.#seq}`;
    const data: ChunkJobData = { runId: this.runId, req };
    return new Promise<RunChunkResponse>((resolve, reject) => {
      this.#pending.set(jobId, { data, resolve, reject });
      void this.#add(jobId, data);
    });
  }

  /** Adds the job (again: a job id that Redis still has is not added twice). */
  async #add(jobId: string, data: ChunkJobData): Promise<void> {
    try {
      await this.#queue.add('chunk', data, { jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } });
    } catch {
      // Redis went away meanwhile: the sweep adds it again once it is back.
    }
  }

  #settle(jobId: string, result: RunChunkResponse): void {
    const p = this.#pending.get(jobId);
    if (!p) return;
    this.#pending.delete(jobId);
    p.resolve(result);
  }

  #fail(jobId: string, error: unknown): void {
    const p = this.#pending.get(jobId);
    if (!p) return;
    this.#pending.delete(jobId);
    p.reject(error);
  }

  #lost(): void {
    if (this.#lostSince !== null || this.#fatal) return;
    this.#lostSince = Date.now();
    this.options.log(
      `lost the queue at ${redactRedisUrl(this.url)}: reconnecting (for up to ${Math.round(this.options.reconnectMs / 1000)} s)`,
    );
  }

  #back(): void {
    if (this.#lostSince === null || this.#fatal) return;
    this.#lostSince = null;
    this.options.log(`the queue is back: looking up the ${this.#pending.size} chunks in flight (re-sending those it lost)`);
    void this.#storeContext().then(() => this.#sweep(true));
  }

  #checkLost(): void {
    if (this.#lostSince === null || this.#fatal || Date.now() - this.#lostSince < this.options.reconnectMs) return;
    this.#end(
      new TaskAgentError(
        'TA_QUEUE_UNREACHABLE',
        `the queue at ${redactRedisUrl(this.url)} has been unreachable for ${Math.round(this.options.reconnectMs / 1000)} s`,
        {
          hint: 'restart redis-server (or raise --queue-reconnect-ms) and run again: results received before were committed, the rest is picked up',
        },
      ),
    );
  }

  /** Fails the chunks in flight and every later one with `error`, which ends the run. */
  #end(error: TaskAgentError): void {
    this.#fatal = error;
    for (const jobId of [...this.#pending.keys()]) this.#fail(jobId, error);
  }

  async #storeContext(): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    await this.#redis.set(runContextKey(this.queueName, this.runId), this.#context, 'EX', CONTEXT_TTL_S);
  }

  /** Looks up every chunk in flight: collects missed outcomes, re-adds lost jobs, reports refusing workers. */
  async #sweep(force = false): Promise<void> {
    if ((this.#sweeping && !force) || this.#redis.status !== 'ready' || this.#fatal) return;
    this.#sweeping = true;
    try {
      await this.#reportRefusals();
      await this.#readCapacity();
      for (const [jobId, p] of [...this.#pending]) {
        if (this.#redis.status !== 'ready') return;
        const state = await this.#queue.getJobState(jobId);
        if (state === 'unknown') await this.#add(jobId, p.data);
        else if (state === 'completed') {
          const job = await Job.fromId<ChunkJobData, RunChunkResponse>(this.#queue, jobId);
          if (job) this.#settle(jobId, job.returnvalue);
        } else if (state === 'failed') {
          const job = await Job.fromId(this.#queue, jobId);
          this.#fail(jobId, new Error(job?.failedReason ?? 'the chunk failed'));
        }
      }
    } catch {
      // Redis went away mid-sweep: the next one (or the reconnect) does it again.
    } finally {
      this.#sweeping = false;
    }
  }

  /** Reports each worker that refused this run once; ends the run when every connected worker refused it. */
  async #reportRefusals(): Promise<void> {
    const refused = await this.#redis.hgetall(refusedKey(this.queueName, this.runId));
    const ids = Object.keys(refused);
    for (const worker of ids) {
      if (this.#reported.has(worker)) continue;
      this.#reported.add(worker);
      const message = `worker ${worker} takes none of this run's chunks: ${refused[worker]}`;
      this.#warnings.push({ code: 'TA_QUEUE_WORKER_MISMATCH', message });
      this.options.log(`TA_QUEUE_WORKER_MISMATCH: ${message}`);
    }
    if (ids.length === 0) return;
    const connected = await this.#connectedWorkers();
    const healthy = [...connected].filter((w) => w && !refused[w]);
    this.#allRefused = connected.size > 0 && healthy.length === 0 ? this.#allRefused + 1 : 0;
    if (this.#allRefused >= 2) {
      this.#end(
        new TaskAgentError(
          'TA_QUEUE_WORKER_MISMATCH',
          `every worker on the queue refused this run: ${ids.map((w) => `${w}: ${refused[w]}`).join('; ')}`,
        ),
      );
    }
  }

  /** The ids of the workers connected to the queue. */
  async #connectedWorkers(): Promise<Set<string>> {
    // Workers name their connections (`…:w:<worker id>`, see queue-worker.ts).
    return new Set((await this.#queue.getWorkers()).map((w) => String((w as { rawname?: string }).rawname ?? '').split(':w:')[1] ?? ''));
  }

  /** Sums the threads the connected workers advertise, leaving out those that refused this run. */
  async #readCapacity(): Promise<void> {
    const ids = [...(await this.#connectedWorkers())].filter((id) => id !== '' && !this.#reported.has(id));
    if (ids.length === 0) return;
    const threads = await this.#redis.mget(ids.map((id) => capacityKey(this.queueName, id)));
    const sum = threads.reduce((n, t) => n + (Number(t) > 0 ? Number(t) : 0), 0);
    if (sum > 0) this.#capacity = sum;
  }

  stop(): void {
    this.#tellWorkers('stop');
  }

  abort(graceMs: number): void {
    if (this.#aborted) return;
    this.#aborted = true;
    // Remote workers fire their attempts' signals and drop this run's chunks (see queue-worker.ts).
    this.#tellWorkers('abort');
    setTimeout(() => {
      for (const [jobId, p] of [...this.#pending]) this.#settle(jobId, { outcomes: runAbortedOutcomes(p.data.req.tasks) });
    }, graceMs).unref();
  }

  /** Workers poll this run's state key (see queue-worker.ts). */
  #tellWorkers(state: 'stop' | 'abort'): void {
    if (this.#redis.status === 'ready')
      void this.#redis.set(runStateKey(this.queueName, this.runId), state, 'EX', 3600).catch(() => undefined);
  }

  async #removeWaitingJobs(): Promise<void> {
    const waiting = await this.#queue.getJobs(['waiting', 'prioritized', 'delayed']);
    await Promise.allSettled(
      waiting.filter((j) => j.data?.runId === this.runId && j.id !== undefined).map((j) => this.#queue.remove(j.id!)),
    );
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#redis.removeAllListeners('close');
    const reachable = this.#redis.status === 'ready';
    // The run is over: workers let go of it (and a refusing worker takes jobs again). Its chunks
    // no worker took yet are taken out of the queue: a worker that took one would wait for the
    // run's context in vain, instead of serving the next run.
    if (reachable) {
      await withinMs(this.#removeWaitingJobs(), 2000);
      await this.#redis.del(runContextKey(this.queueName, this.runId)).catch(() => undefined);
      // A worker that took a chunk meanwhile drops it at once instead of waiting for the context.
      await this.#redis.set(runStateKey(this.queueName, this.runId), 'ended', 'EX', 3600).catch(() => undefined);
    }
    this.#redis.disconnect();
    // BullMQ's clients would wait for a Redis that may be gone for good, reconnecting (and keeping
    // the process alive): unreachable, they are cut off (whose promise may then never settle).
    const closing = reachable ? [this.#events.close(), this.#queue.close()] : [this.#events.disconnect(), this.#queue.disconnect()];
    await withinMs(Promise.allSettled(closing), reachable ? 2000 : 300);
  }
}
