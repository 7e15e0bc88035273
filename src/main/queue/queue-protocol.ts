/**
 * What the run (producer) and `task-agents worker` processes (consumers) share through Redis.
 * The run's context is stored once per run (not in every job); jobs carry one chunk each.
 * Nothing secret is stored: Encord workers read their own key from their environment.
 */
import type { PlatformDescriptor } from '../../platform/platform.js';
import type { RunChunkRequest } from '../../shared/protocol.js';
import type { ProjectInfo } from '../../shared/types.js';
import type { WorkerSettings } from '../../shared/run-options.js';

export const DEFAULT_QUEUE_NAME = 'task-agents';

/**
 * Redis key holding a run's context. The run refreshes it every CONTEXT_REFRESH_MS (which also
 * restores it after a Redis restart) with a lifetime of CONTEXT_TTL_S and deletes it when it
 * ends: a worker knows a run is over when its context is gone.
 */
export const runContextKey = (queueName: string, runId: string): string => `${queueName}:run:${runId}`;
export const CONTEXT_TTL_S = 60;
export const CONTEXT_REFRESH_MS = 20_000;

/** Hash of the workers that refused a run (worker id → why), read by the run to report each once. */
export const refusedKey = (queueName: string, runId: string): string => `${queueName}:run:${runId}:refused`;

/**
 * A run's state once it stops: `stop` (first Ctrl-C: workers start no new task of the run) or
 * `abort` (second: they fire their attempts' signals and drop the run's chunks), then `ended`
 * when the run closes (a chunk a worker takes after that is dropped at once).
 */
export const runStateKey = (queueName: string, runId: string): string => `${queueName}:run:${runId}:state`;

/** What a queue worker needs of a run: the run's worker settings (the same a local pool's workers get) and its project. */
/**
 * Where a worker process advertises how many worker threads it runs chunks on (refreshed every
 * CAPACITY_REFRESH_MS, lifetime CAPACITY_TTL_S, deleted when it closes): a run sizes its chunks and
 * its in-flight window by the sum over the connected workers, not by its own `--threads`.
 */
export const capacityKey = (queueName: string, workerId: string): string => `${queueName}:worker:${workerId}:threads`;
export const CAPACITY_TTL_S = 30;
export const CAPACITY_REFRESH_MS = 10_000;

export interface QueueRunContext extends WorkerSettings {
  runId: string;
  /** Stage refs the run's agent module registers, in order: a worker must load a module that registers the same. */
  stageRefs: string[];
  project: ProjectInfo;
  /** For Encord without keyText: each worker signs with its own ENCORD_SSH_KEY(_FILE). */
  platform: { kind: 'local'; dir: string } | { kind: 'encord'; projectHash: string; domain: string };
}

export interface ChunkJobData {
  runId: string;
  req: RunChunkRequest;
}

/** The descriptor a worker process uses: the context's, with its own key for Encord. */
export function workerDescriptor(ctx: QueueRunContext['platform'], keyText: () => string): PlatformDescriptor {
  return ctx.kind === 'local' ? ctx : { ...ctx, keyText: keyText() };
}
