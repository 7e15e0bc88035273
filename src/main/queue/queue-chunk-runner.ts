/**
 * Queue mode, run side: instead of a local worker pool, chunks go to a BullMQ queue on Redis and
 * any number of `task-agents worker` processes (any machines) run them in their own pools. The
 * outcomes come back here, so paging, prefetch and the commit buffer stay in this one process and
 * the delivery guarantees are the same as with local threads.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { TaskAgentError } from '../../shared/errors.js';
import type { RunChunkRequest, RunChunkResponse } from '../../shared/protocol.js';
import { connectOnce, queueConnection, redactRedisUrl, type QueueConnection } from './redis-connection.js';
import { runContextKey, type ChunkJobData, type QueueRunContext } from './queue-protocol.js';

export class QueueChunkRunner {
  readonly runId = randomUUID();
  #queue: Queue<ChunkJobData, RunChunkResponse>;
  #events: QueueEvents;

  private constructor(readonly queueName: string, connection: QueueConnection) {
    this.#queue = new Queue(queueName, { connection });
    this.#events = new QueueEvents(queueName, { connection });
    // Connection errors surface as a failed open() or failed jobs; the emitters must not crash the run.
    this.#queue.on('error', () => undefined);
    this.#events.on('error', () => undefined);
  }

  /**
   * Connects and stores the run's context for the workers.
   * @throws TaskAgentError TA_PLATFORM_UNREACHABLE when Redis does not answer
   */
  static async open(url: string, queueName: string, context: Omit<QueueRunContext, 'runId'>): Promise<QueueChunkRunner> {
    // Fail fast (and store the context) on a plain connection before BullMQ's retrying clients exist.
    const redis = await connectOnce(url);
    const r = new QueueChunkRunner(queueName, queueConnection(url));
    try {
      await redis.set(runContextKey(queueName, r.runId), JSON.stringify({ ...context, runId: r.runId }), 'EX', 86_400);
      await r.#events.waitUntilReady();
    } catch (cause) {
      await r.close();
      throw new TaskAgentError('TA_PLATFORM_UNREACHABLE', `the queue at ${redactRedisUrl(url)} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    } finally {
      redis.disconnect();
    }
    return r;
  }

  async runChunk(req: RunChunkRequest): Promise<RunChunkResponse> {
    const job = await this.#queue.add('chunk', { runId: this.runId, req }, { attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } });
    return job.waitUntilFinished(this.#events);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#queue.close()]);
  }
}
